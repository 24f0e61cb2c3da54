// The built extension in real headless Chromium, against the real server (sphinx engine),
// captioning real recorded speech that a local page plays in a <video>.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { wer } from '../helpers/wer.ts';
import { captionEvents, summarize, waitForCaptionsToSettle } from './helpers/caption-recorder.ts';
import {
  badgeText,
  offscreenPage,
  offscreenStats,
  openPopup,
  sessionStates,
  startFromPopup,
  type ExtensionBrowser,
} from './helpers/chromium.ts';
import { openSpeechPage as openPage, startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';
import { makeSpeechTrack, serveTestPage, type SpeechTrack, type TestPageServer } from './helpers/test-page.ts';

/**
 * Word error rate allowed for the sphinx engine on this track, end to end (tab playback →
 * capture → 16 kHz resampling → server → overlay). Measured 0.33–0.41 over repeated runs on
 * a 2-core machine (the 1961 JFK clip alone scores ~0.7 with sphinx; the LibriVox clips
 * ~0.25); the margin absorbs run-to-run variation in segmentation.
 */
const MAX_WER = Number(process.env.E2E_MAX_WER ?? 0.5);

const SCREENSHOT = path.join(repoRoot, 'docs/screenshots/captions-over-video.png');
const POPUP_SCREENSHOT = path.join(repoRoot, 'docs/screenshots/popup-live.png');
const RESULTS = path.join(repoRoot, 'test-results/e2e-captions.json');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('extension end to end (real Chromium, real server)', () => {
  let server: RunningServer;
  let eb: ExtensionBrowser;
  let track: SpeechTrack;
  let site: TestPageServer;
  let suite: ExtensionSuite;
  const results: Record<string, unknown> = {};

  beforeAll(async () => {
    suite = await startExtensionSuite({
      clips: ['en-jfk', 'en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930'],
      title: 'A lecture with live captions',
    });
    ({ server, eb, track, site } = suite);
  });

  afterAll(async () => {
    await suite?.close();
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2));
  });

  const openSpeechPage = (url: string) => openPage(eb, url);

  const video = (page: Page) =>
    page.evaluate(() => {
      const v = document.getElementById('player') as HTMLVideoElement;
      return { currentTime: v.currentTime, duration: v.duration, paused: v.paused, ended: v.ended, muted: v.muted, volume: v.volume };
    });

  it('captions a playing video live, over the video, while the tab stays audible', async () => {
    const page = await openSpeechPage(site.url);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, server.wsUrl, 'sphinx');
    const tabId = Object.values(await sessionStates(eb)).find((s) => s.phase === 'live')!.tabId;
    expect(await badgeText(eb, tabId)).toBe('ON');

    const playAt = Date.now();
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());

    // While it plays: audio reaches the capture (non-silent), the video advances, unmuted.
    let screenshotTaken = false;
    let stats: unknown = null;
    let overlayOverVideo: unknown = null;
    let popupView: Record<string, unknown> | null = null;
    const timeline: { t: number; currentTime: number }[] = [];
    for (;;) {
      await sleep(500);
      const v = await video(page);
      timeline.push({ t: (Date.now() - playAt) / 1000, currentTime: v.currentTime });
      if (!stats && v.currentTime > 5 && (await offscreenPage(eb))) stats = await offscreenStats(eb);
      if (!screenshotTaken && v.currentTime > track.seconds * 0.55) {
        const lines = await page.evaluate(() => document.querySelector('tab-captions-overlay')?.shadowRoot?.querySelectorAll('.line').length ?? 0);
        if (lines >= 2) {
          overlayOverVideo = await page.evaluate(() => {
            const host = document.querySelector('tab-captions-overlay') as HTMLElement;
            const box = host.shadowRoot!.querySelector('.panel')!.getBoundingClientRect();
            const vid = document.getElementById('player')!.getBoundingClientRect();
            return {
              placement: host.dataset.placement,
              inside: box.left >= vid.left && box.right <= vid.right && box.top >= vid.top && box.bottom <= vid.bottom,
            };
          });
          fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
          await page.screenshot({ path: SCREENSHOT as `${string}.png` });
          screenshotTaken = true;
          // The popup meanwhile: live, with the detected language and the latest caption.
          popupView = await popup.evaluate(() => ({
            phase: document.getElementById('status')?.dataset.phase,
            status: document.getElementById('status')?.textContent,
            language: document.getElementById('detected-language')?.textContent ?? null,
            lastCaption: document.getElementById('last-caption')?.textContent ?? null,
          }));
          await (await popup.$('main'))!.screenshot({ path: POPUP_SCREENSHOT as `${string}.png` });
        }
      }
      if (v.ended) break;
      if (Date.now() - playAt > (track.seconds + 30) * 1000) throw new Error(`video stalled at ${v.currentTime}s`);
    }
    const endedAt = Date.now();
    const finalVideo = await video(page);
    expect(finalVideo.currentTime).toBeGreaterThanOrEqual(track.seconds - 0.2);
    expect(finalVideo.muted).toBe(false);
    expect(overlayOverVideo).toEqual({ placement: 'video', inside: true });
    expect(popupView).toMatchObject({ phase: 'live', status: 'Live', language: 'English', lastCaption: expect.stringMatching(/\w/) });
    expect(stats).toEqual([
      expect.objectContaining({ tabId, state: 'live', audioContext: 'running', framesCaptured: expect.any(Number), peakLevel: expect.any(Number) }),
    ]);
    const s0 = (stats as { peakLevel: number; framesCaptured: number }[])[0];
    expect(s0.peakLevel).toBeGreaterThan(0.01); // real audio, not the zeros a muted tab gives
    expect(s0.framesCaptured).toBeGreaterThan(40);
    // Playback kept real-time pace: capturing did not stall or pause the tab.
    const wallSeconds = (endedAt - playAt) / 1000;
    expect(wallSeconds).toBeLessThan(track.seconds + 5);

    // Let the server finish the last segment, then Stop: it drains and sends its finals.
    await waitForCaptionsToSettle(page, { quietMs: 3000, maxMs: 45_000, minFinals: 3 });
    const settledAt = Date.now();
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
    const stoppedAt = Date.now();
    expect(await badgeText(eb, tabId)).toBe('');

    const summary = summarize(await captionEvents(page));
    const score = wer(track.text, summary.transcript);
    const withPartials = summary.finals.filter((f) => f.partialsBefore > 0).length;
    Object.assign(results, {
      singleTab: {
        trackSeconds: track.seconds,
        clips: track.clipIds,
        reference: track.text,
        hypothesis: summary.transcript,
        wer: Number(score.toFixed(3)),
        finals: summary.finals.length,
        finalsWithPartialsFirst: withPartials,
        partialUpdates: summary.partialCount,
        firstPartialAfterPlay: summary.firstPartialAt && (summary.firstPartialAt - playAt) / 1000,
        firstFinalAfterPlay: summary.firstFinalAt && (summary.firstFinalAt - playAt) / 1000,
        lastFinalAfterVideoEnd: summary.finals.length ? (summary.finals.at(-1)!.t - endedAt) / 1000 : null,
        settledAfterVideoEnd: (settledAt - endedAt) / 1000,
        stopToStopped: (stoppedAt - settledAt) / 1000,
        wallSecondsForPlayback: wallSeconds,
        offscreenStats: stats,
        timeline: timeline.filter((_, i) => i % 10 === 0),
      },
    });
    console.log('[e2e] single tab:', JSON.stringify({ ...results.singleTab as object, timeline: undefined }, null, 2));

    expect(screenshotTaken).toBe(true);
    expect(summary.finals.length).toBeGreaterThanOrEqual(3);
    expect(withPartials).toBeGreaterThanOrEqual(Math.ceil(summary.finals.length / 2));
    expect(summary.firstPartialAt!).toBeLessThan(summary.firstFinalAt!);
    expect(score).toBeLessThanOrEqual(MAX_WER);
    await popup.close().catch(() => {});
    await page.close();
  });

  it('captions two tabs at once, each with its own audio; closing a tab ends only its session', async () => {
    const trackA = makeSpeechTrack(['en-librivox-0870', 'en-librivox-0880']);
    const trackB = makeSpeechTrack(['en-librivox-0890', 'en-librivox-0920']);
    const siteA = await serveTestPage(trackA, 'Tab A');
    const siteB = await serveTestPage(trackB, 'Tab B');
    try {
      const pageA = await openSpeechPage(siteA.url);
      const pageB = await openSpeechPage(siteB.url);
      const popupA = await openPopup(eb, pageA);
      await startFromPopup(popupA, server.wsUrl, 'sphinx');
      await popupA.close();
      const popupB = await openPopup(eb, pageB);
      await startFromPopup(popupB, server.wsUrl, 'sphinx');

      const live = Object.values(await sessionStates(eb)).filter((st) => st.phase === 'live');
      expect(live).toHaveLength(2);
      const [tabA, tabB] = live.map((st) => st.tabId);
      expect(await badgeText(eb, tabA)).toBe('ON');
      expect(await badgeText(eb, tabB)).toBe('ON');

      await Promise.all([pageA, pageB].map((p) => p.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play())));

      // Chrome may stop the service worker at any time. Stop it mid-stream: the offscreen
      // document's next message starts a fresh one, which finds both sessions in storage.
      // The old worker's global scope is marked: a worker without the mark is a fresh one. (Waiting
      // to see no worker at all races the messages that wake it again within milliseconds.)
      const oldWorker = await eb.worker();
      await oldWorker.evaluate(() => {
        (globalThis as { __beforeRestart?: boolean }).__beforeRestart = true;
      });
      await oldWorker.close();
      await waitUntil(
        async () => {
          try {
            const worker = await eb.worker();
            return await worker.evaluate(() => !(globalThis as { __beforeRestart?: boolean }).__beforeRestart);
          } catch {
            return false; // between the old worker going and the new one starting
          }
        },
        30_000,
        'worker restarted with a fresh global scope',
      );
      const afterRestart = Object.values(await sessionStates(eb)).map((st) => [st.tabId, st.phase]);
      expect(afterRestart).toEqual(expect.arrayContaining([[tabA, 'live'], [tabB, 'live']]));
      await Promise.all(
        [pageA, pageB].map((p) => p.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 60_000 })),
      );
      await Promise.all([pageA, pageB].map((p) => waitForCaptionsToSettle(p, { quietMs: 4000, maxMs: 60_000 })));

      const a = summarize(await captionEvents(pageA));
      const b = summarize(await captionEvents(pageB));
      const scores = {
        aOwn: wer(trackA.text, a.transcript),
        aOther: wer(trackB.text, a.transcript),
        bOwn: wer(trackB.text, b.transcript),
        bOther: wer(trackA.text, b.transcript),
      };
      results.twoTabs = { a: a.transcript, b: b.transcript, ...scores };
      console.log('[e2e] two tabs:', JSON.stringify(results.twoTabs, null, 2));
      // Each overlay shows its own tab's speech, not the other's.
      expect(scores.aOwn).toBeLessThanOrEqual(MAX_WER + 0.15);
      expect(scores.bOwn).toBeLessThanOrEqual(MAX_WER + 0.15);
      expect(scores.aOther).toBeGreaterThan(0.75);
      expect(scores.bOther).toBeGreaterThan(0.75);

      // Closing tab A stops its session; tab B goes on.
      await pageA.close();
      await waitUntil(async () => !Object.values(await sessionStates(eb)).some((st) => st.tabId === tabA), 10_000);
      const states = Object.values(await sessionStates(eb));
      expect(states.find((st) => st.tabId === tabB)?.phase).toBe('live');
      const stats = (await offscreenStats(eb)).map((st) => st.tabId);
      expect(stats).toEqual([tabB]);

      // Stopping the last session closes the offscreen document.
      const popupB2 = popupB.isClosed() ? await openPopup(eb, pageB) : popupB;
      await popupB2.click('#toggle');
      await popupB2.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
      await waitUntil(async () => (await offscreenPage(eb)) === null, 10_000);
      expect(await badgeText(eb, tabB)).toBe('');
      await pageB.close();
    } finally {
      await siteA.close();
      await siteB.close();
    }
  });

  it('places captions at the bottom of the viewport without a video, and above a fullscreen video', async () => {
    const short = makeSpeechTrack(['en-jfk']);
    const site2 = await serveTestPage(short, 'Placement');
    const overlayBox = (p: Page) =>
      p.evaluate(() => {
        const host = document.querySelector('tab-captions-overlay') as HTMLElement | null;
        const box = host?.shadowRoot?.querySelector('.panel')?.getBoundingClientRect();
        return {
          placement: host?.dataset.placement,
          inTopLayer: !!host?.matches(':popover-open'),
          lines: host?.shadowRoot?.querySelectorAll('.line').length ?? 0,
          bottomGap: box ? window.innerHeight - box.bottom : null,
          centered: box ? Math.abs(box.left + box.width / 2 - window.innerWidth / 2) < 2 : null,
        };
      });
    try {
      // An audio-only page: captions are fixed at the bottom centre of the viewport.
      const audioPage = await openSpeechPage(`${site2.url}?mode=audio`);
      let popup = await openPopup(eb, audioPage);
      await startFromPopup(popup, server.wsUrl, 'sphinx');
      await popup.close();
      await audioPage.evaluate(() => (document.getElementById('player') as HTMLMediaElement).play());
      await audioPage.waitForFunction(() => (window.__captionEvents?.length ?? 0) > 0, { timeout: 30_000 });
      const audioBox = await overlayBox(audioPage);
      expect(audioBox).toMatchObject({ placement: 'viewport', inTopLayer: true, centered: true });
      expect(audioBox.bottomGap).toBeGreaterThanOrEqual(0);
      expect(audioBox.bottomGap).toBeLessThan(60);
      popup = await openPopup(eb, audioPage);
      await popup.click('#toggle');
      await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
      await popup.close();
      await audioPage.close();

      // Fullscreen video: the overlay follows it into the top layer, over the whole screen.
      const videoPage = await openSpeechPage(site2.url);
      popup = await openPopup(eb, videoPage);
      await startFromPopup(popup, server.wsUrl, 'sphinx');
      await popup.close();
      await videoPage.evaluate(() => (document.getElementById('player') as HTMLMediaElement).play());
      await videoPage.click('#fs'); // a real click: fullscreen needs a user gesture
      await videoPage.waitForFunction(() => document.fullscreenElement?.id === 'player');
      await videoPage.waitForFunction(() => (window.__captionEvents ?? []).some((e) => e.kind === 'final'), { timeout: 30_000 });
      await sleep(600);
      const fsBox = await overlayBox(videoPage);
      const viewport = await videoPage.evaluate(() => ({ w: window.innerWidth, h: window.innerHeight }));
      const hostRect = await videoPage.evaluate(() => {
        const r = document.querySelector('tab-captions-overlay')!.getBoundingClientRect();
        return { w: Math.round(r.width), h: Math.round(r.height) };
      });
      expect(fsBox).toMatchObject({ placement: 'video', inTopLayer: true, centered: true });
      expect(hostRect).toEqual({ w: viewport.w, h: viewport.h });
      // (Stacking within the top layer is not observable from script: the screenshot shows it.)
      await videoPage.screenshot({ path: path.join(repoRoot, 'docs/screenshots/captions-fullscreen.png') as `${string}.png` });
      await videoPage.close(); // closing the tab ends its session
      await waitUntil(async () => (await offscreenPage(eb)) === null, 15_000, `offscreen document closed (sessions: ${JSON.stringify(await sessionStates(eb))})`);
    } finally {
      await site2.close();
    }
  });

  it('rides out a server restart: shows reconnecting, then resumes with the audio captured meanwhile', async () => {
    const restartTrack = makeSpeechTrack(['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930']);
    const site3 = await serveTestPage(restartTrack, 'Restart');
    const port = server.port;
    try {
      const page = await openSpeechPage(site3.url);
      const popup = await openPopup(eb, page);
      await startFromPopup(popup, server.wsUrl, 'sphinx');
      const tabId = Object.values(await sessionStates(eb)).find((st) => st.phase === 'live')!.tabId;
      await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());
      await page.waitForFunction(() => (window.__captionEvents ?? []).some((e) => e.kind === 'final'), { timeout: 30_000 });

      // The server goes away mid-speech (it finalizes and closes with "going away").
      const downAt = Date.now();
      await server.stop();
      await waitUntil(async () => (await badgeText(eb, tabId)) === '!', 10_000, 'badge shows trouble');
      const overlayStatus = await page.evaluate(() => document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('.status')!.textContent);
      expect(overlayStatus).toMatch(/reconnecting in \d+ s \(attempt \d+\)/i);
      expect(await popup.$eval('#status', (el) => (el as HTMLElement).dataset.phase)).toBe('reconnecting');

      // It comes back on the same port; the session reconnects and sends the buffered audio.
      server = suite.server = await startServer(['--engine', 'sphinx', '--port', String(port)]);
      await popup.waitForSelector('#status[data-phase="live"]', { timeout: 30_000 });
      const outageSeconds = (Date.now() - downAt) / 1000;
      expect(await badgeText(eb, tabId)).toBe('ON');
      await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 60_000 });
      await waitForCaptionsToSettle(page, { quietMs: 3000, maxMs: 45_000 });
      await popup.click('#toggle');
      await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });

      const summary = summarize(await captionEvents(page));
      const connections = new Set(summary.finals.map((f) => f.id.split(':')[0]));
      const score = wer(restartTrack.text, summary.transcript);
      results.restart = { outageSeconds, wer: Number(score.toFixed(3)), connections: [...connections], hypothesis: summary.transcript };
      console.log('[e2e] restart:', JSON.stringify(results.restart, null, 2));
      expect(connections.size).toBeGreaterThanOrEqual(2); // finals from before and after the restart
      // Speech during the outage was buffered and transcribed after reconnecting.
      expect(score).toBeLessThanOrEqual(MAX_WER + 0.1);
      await popup.close();
      await page.close();
    } finally {
      await site3.close();
    }
  });

  it('explains in plain words when the server cannot be reached', async () => {
    const page = await eb.browser.newPage();
    await page.goto(site.url);
    const popup = await openPopup(eb, page);
    await popup.select('#engine', 'sphinx');
    await popup.click('#server-url', { count: 3 });
    await popup.keyboard.press('Backspace');
    await popup.type('#server-url', 'ws://127.0.0.1:9/ws');
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="error"]', { timeout: 30_000 });
    const status = await popup.$eval('#status', (el) => el.textContent);
    expect(status).toBe("Error: Can't reach the transcription server at ws://127.0.0.1:9/ws");
    const tabId = Object.values(await sessionStates(eb)).find((st) => st.phase === 'error')!.tabId;
    expect(await badgeText(eb, tabId)).toBe('!');
    expect(await popup.$eval('#toggle', (el) => el.textContent)).toBe('Start captions');
    // Nothing is captured any more: the offscreen document is gone.
    await waitUntil(async () => (await offscreenPage(eb)) === null, 10_000, 'offscreen document closed');
    // Settings persist: the next popup shows what the user typed.
    await popup.close();
    const again = await openPopup(eb, page);
    expect(await again.$eval('#server-url', (el) => (el as HTMLInputElement).value)).toBe('ws://127.0.0.1:9/ws');
    expect(await again.$eval('#engine', (el) => (el as HTMLSelectElement).value)).toBe('sphinx');
    await again.close();
    await page.close();
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await sleep(200);
  }
}
