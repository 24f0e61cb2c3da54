// The extension set to send Opus (options page → "Compressed (Opus)"), in real Chromium,
// against the real server through a loopback TCP proxy that counts the bytes on the wire.
// Mid-speech the proxy resets the connection: the extension resumes the server session with a
// fresh encoder and re-sends from the server's sample count. Every word must still arrive once,
// at a fraction of PCM16's bandwidth.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lossAgainstBaseline } from '../helpers/align.ts';
import { repoRoot } from '../helpers/paths.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { wer } from '../helpers/wer.ts';
import { uninterruptedTranscript } from './helpers/baseline.ts';
import { captionEvents, summarize, waitForCaptionAfter, waitForCaptionsToSettle, waitUntilMidPhrase } from './helpers/caption-recorder.ts';
import { offscreenStats, openPopup, startFromPopup } from './helpers/chromium.ts';
import { openSpeechPage, startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';

const CLIPS = ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930', 'en-LJ001-0001', 'en-LJ001-0003'];
const RESULTS = path.join(repoRoot, 'test-results/e2e-opus.json');
/** PCM16 at 16 kHz is 256 kbit/s before framing; Opus at 16 kbit/s measured about 18 on the wire. */
const MAX_KBITS = 40;

describe('Opus from the extension (real Chromium, real server, connection reset mid-speech)', () => {
  let suite: ExtensionSuite;
  let proxy: TcpProxy;

  beforeAll(async () => {
    suite = await startExtensionSuite({ clips: CLIPS, title: 'Opus test' });
    proxy = await startTcpProxy(suite.server.port);
  });

  afterAll(async () => {
    await proxy?.close();
    await suite?.close();
  });

  it('chosen in the options page: captions arrive complete at a fraction of the bandwidth, across a reset', async () => {
    const { eb, server, site, track } = suite;
    const baseline = await uninterruptedTranscript(server, CLIPS);

    // The user's choice, made where users make it.
    const options = await eb.browser.newPage();
    await options.goto(`chrome-extension://${eb.extensionId}/src/options/index.html`);
    await options.waitForSelector('#wire-audio');
    await options.select('#wire-audio', 'opus');
    const worker = await eb.worker();
    await worker.evaluate(async () => {
      for (;;) {
        const { settings } = await chrome.storage.sync.get('settings');
        if ((settings as { wireAudio?: string } | undefined)?.wireAudio === 'opus') return;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await options.close();

    const page = await openSpeechPage(eb, site.url);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, `ws://127.0.0.1:${proxy.port}/ws`, 'sphinx');
    await popup.waitForSelector('#wire-audio[data-encoding="opus"]', { timeout: 10_000 });
    const bytesBefore = proxy.bytesUp;
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());

    // Mid-phrase: a final came and a partial is on screen now. Then a TCP reset, no close frame.
    await waitUntilMidPhrase(page);
    const resetAt = Date.now();
    proxy.dropAll();
    await waitForCaptionAfter(page, resetAt);
    const firstCaptionAfter = (await captionEvents(page)).find((e) => e.t > resetAt)!.t;

    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 120_000 });
    await waitForCaptionsToSettle(page, { quietMs: 4000, maxMs: 60_000 });
    const stats = (await offscreenStats(eb))[0]!;
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
    const bytesUp = proxy.bytesUp - bytesBefore;

    const summary = summarize(await captionEvents(page));
    const loss = lossAgainstBaseline(track.text, summary.transcript, baseline);
    const { wordsLost } = loss;
    const result = {
      trackSeconds: track.seconds,
      // Everything the extension sent after Start: Opus packets (re-sent audio after the reset
      // included), JSON control messages, WebSocket and TCP payload framing.
      kbitPerSecondOnTheWire: Number(((bytesUp * 8) / track.seconds / 1000).toFixed(1)),
      connections: proxy.accepted,
      recoverySeconds: (firstCaptionAfter - resetAt) / 1000,
      ...loss,
      werOpusRun: Number(wer(track.text, summary.transcript).toFixed(3)),
      werUninterruptedPcm: Number(wer(track.text, baseline).toFixed(3)),
      audioEncoding: stats.audioEncoding,
      droppedSeconds: stats.droppedSeconds,
      finals: summary.finals.length,
      hypothesis: summary.transcript,
      uninterrupted: baseline,
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, JSON.stringify(result, null, 2));
    console.log(
      `[e2e] opus: ${result.kbitPerSecondOnTheWire} kbit/s up on the wire, reset → captions ${result.recoverySeconds.toFixed(1)} s, words lost ${wordsLost}, WER ${result.werOpusRun} (PCM16 uninterrupted ${result.werUninterruptedPcm})`,
    );
    console.log('[e2e] opus details:', JSON.stringify(result, null, 2));

    expect(stats.audioEncoding).toBe('opus'); // no silent fallback to PCM16
    expect(server.logs()).toMatch(/resumed at sample/); // the same server session went on
    expect(proxy.accepted).toBeGreaterThanOrEqual(2);
    expect(result.kbitPerSecondOnTheWire).toBeLessThan(MAX_KBITS);
    expect(result.kbitPerSecondOnTheWire).toBeGreaterThan(8); // audio really flowed
    expect(wordsLost).toBe(0);
    expect(result.repeatedTrigrams).toEqual([]);
    expect(stats.droppedSeconds).toBe(0);
    expect(result.werOpusRun).toBeLessThanOrEqual(result.werUninterruptedPcm + 0.1);
    await popup.close();
    await page.close();
  });
});
