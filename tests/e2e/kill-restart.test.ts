// Never lose speech: the real server is killed (SIGKILL: no goodbye, and its resumable
// sessions die with it) in the middle of a phrase and restarted on the same port 5 s later.
// The built extension in real Chromium must show every word of the recording exactly once,
// in order. "Every word" is judged against what the same server transcribes from the same
// recording without any fault (the recognizer's own errors are not losses): no reference word
// that the uninterrupted run got may go missing in a run of deleted words (how lost audio
// shows), and no stretch of text may repeat (how a bad seam shows).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lossAgainstBaseline } from '../helpers/align.ts';
import { repoRoot } from '../helpers/paths.ts';
import { startServer } from '../helpers/server-process.ts';
import { wer } from '../helpers/wer.ts';
import { uninterruptedTranscript } from './helpers/baseline.ts';
import { captionEvents, summarize, waitForCaptionAfter, waitForCaptionsToSettle, waitUntilMidPhrase } from './helpers/caption-recorder.ts';
import { offscreenStats, openPopup, sessionStates, startFromPopup } from './helpers/chromium.ts';
import { openSpeechPage, startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';

const CLIPS = ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930', 'en-LJ001-0001', 'en-LJ001-0003'];
const RESULTS = path.join(repoRoot, 'test-results/e2e-kill-restart.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill the server mid-speech, restart it 5 s later (real Chromium, real server)', () => {
  let suite: ExtensionSuite;

  beforeAll(async () => {
    suite = await startExtensionSuite({ clips: CLIPS, title: 'Kill test' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('every word exactly once, in order; prints recovery time and words lost', async () => {
    const { eb, track } = suite;
    const baseline = await uninterruptedTranscript(suite.server, CLIPS);

    const page = await openSpeechPage(eb, suite.site.url);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, suite.server.wsUrl, 'sphinx');
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());

    // Mid-speech: a final came (the session has a timeline) and a phrase is being spoken now.
    await waitUntilMidPhrase(page);
    const port = suite.server.port;
    const killedAt = Date.now();
    await suite.server.stop('SIGKILL');
    const videoTimeAtKill = await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).currentTime);

    // The outage is visible in the popup and over the video, with a countdown.
    await popup.waitForSelector('#status[data-phase="reconnecting"]', { timeout: 10_000 });
    const popupStatus = await popup.$eval('#status', (el) => el.textContent ?? '');
    const overlayStatus = await page.evaluate(
      () => document.querySelector('tab-captions-overlay')?.shadowRoot?.querySelector('.status')?.textContent ?? '',
    );
    expect(popupStatus).toMatch(/Reconnecting in \d+ s \(attempt \d+\)/);
    expect(overlayStatus).toMatch(/Reconnecting in \d+ s \(attempt \d+\)/);

    await sleep(Math.max(0, killedAt + 5000 - Date.now()));
    suite.server = await startServer(['--engine', 'sphinx', '--port', String(port)]);
    const listeningAt = Date.now();
    await popup.waitForSelector('#status[data-phase="live"]', { timeout: 60_000 });
    const liveAt = Date.now();
    await waitForCaptionAfter(page, killedAt);
    const firstCaptionAfter = (await captionEvents(page)).find((e) => e.t > killedAt)!.t;

    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 120_000 });
    await waitForCaptionsToSettle(page, { quietMs: 4000, maxMs: 60_000 });
    const stats = (await offscreenStats(eb))[0]!;
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });

    const summary = summarize(await captionEvents(page));
    const { wordsLost, lostWords, repeatedTrigrams: repeated } = lossAgainstBaseline(track.text, summary.transcript, baseline);
    const result = {
      trackSeconds: track.seconds,
      videoTimeAtKill,
      recoverySeconds: (firstCaptionAfter - killedAt) / 1000,
      restartToCaptionsSeconds: (firstCaptionAfter - listeningAt) / 1000,
      restartToLiveSeconds: (liveAt - listeningAt) / 1000,
      serverDownSeconds: (listeningAt - killedAt) / 1000,
      wordsLost,
      lostWords,
      repeatedTrigrams: repeated,
      werKillRun: Number(wer(track.text, summary.transcript).toFixed(3)),
      werUninterrupted: Number(wer(track.text, baseline).toFixed(3)),
      droppedSeconds: stats.droppedSeconds,
      finals: summary.finals.length,
      captionIds: summary.finals.map((f) => f.id),
      reference: track.text,
      uninterrupted: baseline,
      hypothesis: summary.transcript,
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, JSON.stringify(result, null, 2));
    console.log(`[e2e] kill test: recovery ${result.recoverySeconds.toFixed(1)} s (connection lost → captions flowing again; server down ${result.serverDownSeconds.toFixed(1)} s, restart → captions ${result.restartToCaptionsSeconds.toFixed(1)} s), words lost ${wordsLost}`);
    console.log('[e2e] kill test details:', JSON.stringify(result, null, 2));

    // Finals from both server sessions, none lost, none repeated, in order.
    expect(new Set(summary.finals.map((f) => f.id.split(':')[0])).size).toBeGreaterThanOrEqual(2);
    expect(wordsLost).toBe(0);
    expect(repeated).toEqual([]);
    expect(stats.droppedSeconds).toBe(0);
    // Order and completeness overall: no worse than the uninterrupted run, within run-to-run noise.
    expect(result.werKillRun).toBeLessThanOrEqual(result.werUninterrupted + 0.1);
    await popup.close();
    await page.close();
    expect(Object.values(await sessionStates(eb)).filter((s) => s.phase === 'live')).toHaveLength(0);
  });
});
