// The built extension in real Chromium against an original-protocol server (a faithful
// test double, tests/helpers/original-server.ts, whose recognition is our real server's):
// original-protocol WebSocket mode (WAV chunks cut at pauses), and the REST fallback when /ws is missing,
// switching back to the WebSocket once it works again.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignWords, repeatedNgrams } from '../helpers/align.ts';
import { startOriginalServer, type OriginalServer } from '../helpers/original-server.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { wer } from '../helpers/wer.ts';
import { buildExtension } from './helpers/build.ts';
import { captionEvents, installCaptionRecorder, summarize, waitForCaptionsToSettle } from './helpers/caption-recorder.ts';
import { findChromium, launchWithExtension, openPopup, startFromPopup, type ExtensionBrowser } from './helpers/chromium.ts';
import { makeSpeechTrack, serveTestPage, type SpeechTrack } from './helpers/test-page.ts';

/** Same bound as the streaming e2e test (sphinx on this audio scores 0.15–0.4). */
const MAX_WER = Number(process.env.E2E_MAX_WER ?? 0.5);

describe('original-protocol servers (real Chromium, test double over the real engine)', () => {
  let engine: RunningServer;
  let eb: ExtensionBrowser;

  beforeAll(async () => {
    if (!findChromium()) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');
    const dist = buildExtension();
    engine = await startServer(['--engine', 'sphinx']);
    eb = await launchWithExtension(dist);
    await eb.worker();
  });

  afterAll(async () => {
    await eb?.close();
    await engine?.stop();
  });

  async function caption(track: SpeechTrack, serverUrl: string, during?: (page: Page, popup: Page) => Promise<void>) {
    const site = await serveTestPage(track, 'Original server');
    try {
      const page = await eb.browser.newPage();
      await page.goto(site.url);
      await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
      await installCaptionRecorder(page);
      const popup = await openPopup(eb, page);
      await startFromPopup(popup, serverUrl, 'sphinx');
      const modeAtStart = await popup.$eval('#transport-mode', (el) => (el as HTMLElement).dataset.mode);
      // The overlay says it too (on plain streaming it shows no status line at all).
      await page.waitForFunction(() => !!document.querySelector('tab-captions-overlay')?.shadowRoot?.querySelector('.status')?.textContent, { timeout: 10_000 });
      const overlayStatus = await page.evaluate(() => document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('.status')!.textContent);
      await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());
      await during?.(page, popup);
      await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 120_000 });
      await waitForCaptionsToSettle(page, { quietMs: 4000, maxMs: 60_000 });
      // Stop sends the audio after the last cut as a final chunk and waits for its answer.
      await popup.click('#toggle');
      await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
      await sleep(500);
      const summary = summarize(await captionEvents(page));
      await popup.close();
      await page.close();
      return { summary, modeAtStart, overlayStatus };
    } finally {
      await site.close();
    }
  }

  it('original-protocol WebSocket: sends WAV chunks cut at pauses, shows each transcription once', async () => {
    const orig = await startOriginalServer({ engineUrl: engine.httpUrl });
    try {
      const track = makeSpeechTrack(['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920']);
      const { summary, modeAtStart, overlayStatus } = await caption(track, orig.wsUrl);
      const score = wer(track.text, summary.transcript);
      const a = alignWords(track.text, summary.transcript);
      const chunks = orig.received.map((r) => Number(r.seconds.toFixed(2)));
      console.log('[e2e] original ws:', JSON.stringify({ wer: score, chunks, hypothesis: summary.transcript }, null, 2));
      expect(modeAtStart).toBe('original');
      expect(overlayStatus).toBe('Live · original protocol');
      expect(orig.rejectedFrames).toBe(0); // every frame was a complete WAV file
      expect(orig.received.every((r) => r.via === 'ws')).toBe(true);
      // A few seconds each, cut at pauses (the last one is whatever was left at Stop).
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      for (const s of chunks.slice(0, -1)) {
        expect(s).toBeGreaterThanOrEqual(2.5);
        expect(s).toBeLessThanOrEqual(8.01);
      }
      // Nothing dropped: the chunks cover the whole recording (less silence at its ends, which is not sent).
      expect(chunks.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(track.seconds - 2.5);
      // No keepalive for a server that never answers one; only init went as text.
      expect(orig.textTypes).toEqual(['init']);
      expect(score).toBeLessThanOrEqual(MAX_WER);
      expect(repeatedNgrams(a.hyp, [a.ref])).toEqual([]);
    } finally {
      await orig.close();
    }
  });

  it('REST fallback when /ws is missing (HTTP 404), back to the WebSocket once it works', async () => {
    const orig = await startOriginalServer({ engineUrl: engine.httpUrl, ws: false });
    try {
      const track = makeSpeechTrack([
        'en-librivox-0870',
        'en-librivox-0880',
        'en-librivox-0890',
        'en-librivox-0920',
        'en-librivox-0930',
        'en-LJ001-0001',
        'en-LJ001-0003',
      ]);
      let restCaptionsBeforeSwitch = 0;
      const { summary, modeAtStart, overlayStatus } = await caption(track, orig.wsUrl, async (page, popup) => {
        await page.waitForFunction(() => (window.__captionEvents ?? []).some((e) => e.kind === 'final'), { timeout: 60_000 });
        restCaptionsBeforeSwitch = (await captionEvents(page)).length;
        orig.setWs(true);
        await popup.waitForSelector('#transport-mode[data-mode="original"]', { timeout: 45_000 });
      });
      const score = wer(track.text, summary.transcript);
      const a = alignWords(track.text, summary.transcript);
      const via = orig.received.map((r) => r.via);
      console.log(
        '[e2e] rest fallback:',
        JSON.stringify({ wer: score, via, maxConcurrentRest: orig.maxConcurrentRest, hypothesis: summary.transcript }, null, 2),
      );
      expect(modeAtStart).toBe('rest');
      expect(overlayStatus).toBe('Live · REST chunks');
      expect(restCaptionsBeforeSwitch).toBeGreaterThan(0);
      expect(via).toContain('rest');
      expect(via).toContain('ws'); // switched back
      expect(orig.maxConcurrentRest).toBeLessThanOrEqual(2);
      expect(orig.maxConcurrentRest).toBeGreaterThanOrEqual(1);
      expect(orig.received.reduce((x, r) => x + r.seconds, 0)).toBeGreaterThanOrEqual(track.seconds - 2.5);
      expect(score).toBeLessThanOrEqual(MAX_WER);
      expect(repeatedNgrams(a.hyp, [a.ref])).toEqual([]);
    } finally {
      await orig.close();
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
