// A transcript tied to the video, end to end: the built extension in real Chromium, the real
// server (sphinx) captioning real speech from a page's <video>; the user seeks back 10 s while
// captioning. The exported "subtitles for this video" must time each cue where its words are
// spoken on the video's own timeline (forced alignment), and a click on a line in the
// transcript panel must play the video from that line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';
import { waitForCaptionsToSettle } from './helpers/caption-recorder.ts';
import { openPopup, sessionStates, startFromPopup } from './helpers/chromium.ts';
import { alignedTrackWords, cueErrors, parseSrt, type Cue, type TimedWord } from './helpers/cue-timing.ts';
import { openSpeechPage, startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';

const CLIPS = ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930'];
/** Cue times within this of the spoken words (the bar). */
const MAX_CUE_ERROR_S = 0.5;
const SHOT = path.join(repoRoot, 'docs/screenshots/transcript-video.png');
const RESULTS = path.join(repoRoot, 'test-results/e2e-transcript-video.json');

interface StoredEntry {
  id: string;
  start: number;
  end: number;
  text: string;
  media?: { start: number; end: number; src: string; frameId: number; seekable: boolean; live: boolean };
}

describe('transcript tied to the video (real Chromium, real server)', () => {
  let suite: ExtensionSuite;
  let words: TimedWord[];
  // Chromium saves chrome.downloads files to $HOME/Downloads: a throwaway home keeps them out of the user's.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tab-captions-home-'));
  const results: Record<string, unknown> = {};

  beforeAll(async () => {
    words = alignedTrackWords(CLIPS);
    suite = await startExtensionSuite({ clips: CLIPS, title: 'A lecture to seek in', launch: { env: { HOME: home } } });
  });

  afterAll(async () => {
    await suite?.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2));
  });

  it('times the exported subtitles on the video across a seek back; a click on a line plays the video from it', async () => {
    const { eb, server, site } = suite;
    // Seek while nobody speaks: from the pause before the 4th clip, back 10 s.
    const fourth = words.findIndex((w, i) => i > 0 && w.start - words[i - 1]!.end > 0.6 && w.start > 15);
    const seekFrom = (words[fourth - 1]!.end + words[fourth]!.start) / 2;

    const page = await openSpeechPage(eb, site.url);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, server.wsUrl, 'sphinx');
    const tabId = Object.values(await sessionStates(eb)).find((s) => s.phase === 'live')!.tabId;
    await popup.close();
    // Like a user dragging the seek bar back: once, as soon as the video reaches `seekFrom`.
    await page.evaluate((from) => {
      const v = document.getElementById('player') as HTMLVideoElement;
      const w = window as unknown as { seek?: { from: number; to: number } };
      const watch = setInterval(() => {
        if (v.currentTime < from) return;
        clearInterval(watch);
        const at = v.currentTime;
        v.currentTime = at - 10;
        w.seek = { from: at, to: v.currentTime };
      }, 10);
      void v.play();
    }, seekFrom);
    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 90_000, polling: 250 });
    const seek = (await page.evaluate(() => (window as unknown as { seek?: { from: number; to: number } }).seek))!;
    expect(seek.from - seek.to).toBeCloseTo(10, 1);
    await waitForCaptionsToSettle(page, { quietMs: 2500, maxMs: 30_000, minFinals: 4 });

    // The transcript panel (as a tab: the same page the side panel shows), with the video's times.
    const panel = await eb.browser.newPage();
    await panel.setViewport({ width: 420, height: 760 });
    await panel.goto(`chrome-extension://${eb.extensionId}/src/transcript/index.html?tab=${tabId}`);
    await panel.waitForSelector('#entries .entry[data-media-start]', { timeout: 15_000 });
    const stored = (await (await eb.worker()).evaluate(
      (key) => chrome.storage.session.get(key).then((got) => got[key]),
      `transcript:${tabId}`,
    )) as { entries: StoredEntry[]; media: unknown[] };
    const placed = stored.entries.filter((e) => e.media);
    expect(placed.length).toBeGreaterThanOrEqual(5);
    expect(stored.media.length).toBeGreaterThanOrEqual(2); // at least: before and after the seek

    // Every line heard after the seek back, and before it, lies where its words are spoken.
    const inMedia = (from: number, to: number) => words.filter((w) => w.start >= from - 0.3 && w.end <= to + 0.3);
    const heardAt = (e: StoredEntry) => e.start; // session seconds: before or after the seek
    const seekSession = placed.find((e) => e.media!.start < e.start - 5)?.start ?? Infinity;
    const asCue = (e: StoredEntry): Cue => ({ start: e.media!.start, end: e.media!.end, text: e.text });
    const secondPass = placed.filter((e) => heardAt(e) >= seekSession && e.media!.start < seek.from).map(asCue);
    const secondErrors = cueErrors(secondPass, inMedia(seek.to, seek.from));

    // Export: subtitles for this video, on its own timeline.
    await panel.click('#export-video-srt');
    const file = await panel
      .waitForFunction(
        async () => {
          const [d] = await chrome.downloads.search({ filenameRegex: '\\.srt$', state: 'complete' });
          return d?.filename ?? null;
        },
        { timeout: 15_000, polling: 200 },
      )
      .then((h) => h.jsonValue() as Promise<string>);
    expect(path.basename(file)).toMatch(/^video-subtitles-A-lecture-to-seek-in-\d{4}-\d\d-\d\d_\d{4}\.srt$/);
    const cues = parseSrt(fs.readFileSync(file, 'utf8'));
    const exportErrors = cueErrors(cues, words);
    const all = [...exportErrors, ...secondErrors].map((e) => Math.abs(e.error)).sort((a, b) => a - b);
    const signed = exportErrors.map((e) => e.error);

    // Click a line: the video plays from it (the click travels to the page's frame).
    await panel.screenshot({ path: SHOT as `${string}.png` });
    const target = await panel.$$eval('#entries .entry[data-media-start]', (els) => {
      const el = els[Math.floor(els.length / 2)] as HTMLElement;
      return { id: el.dataset.id!, start: Number(el.dataset.mediaStart) };
    });
    await panel.click(`#entries .entry[data-id="${target.id}"] .original`);
    const afterClick = await page
      .waitForFunction((t) => Math.abs((document.getElementById('player') as HTMLVideoElement).currentTime - t) < 0.05 && (document.getElementById('player') as HTMLVideoElement).currentTime, { timeout: 5_000 }, target.start)
      .then((h) => h.jsonValue() as Promise<number>);

    Object.assign(results, {
      seek,
      spans: stored.media.length,
      cues: cues.length,
      edgesScored: all.length,
      medianAbsErrorS: all[Math.floor(all.length / 2)],
      maxAbsErrorS: all.at(-1),
      meanSignedExportErrorS: signed.reduce((a, b) => a + b, 0) / Math.max(1, signed.length),
      exportErrors,
      secondPassErrors: secondErrors,
      click: { ...target, currentTime: afterClick },
      srt: cues.map((c) => `${c.start.toFixed(2)}–${c.end.toFixed(2)} ${c.text}`),
    });
    console.log('[e2e] transcript tied to the video:', JSON.stringify({ ...results, exportErrors: undefined, secondPassErrors: undefined }, null, 2));

    expect(cues.length).toBeGreaterThanOrEqual(4);
    expect(exportErrors.length).toBeGreaterThanOrEqual(4);
    expect(secondErrors.length).toBeGreaterThanOrEqual(1);
    expect(all.at(-1)!).toBeLessThanOrEqual(MAX_CUE_ERROR_S);
    expect(afterClick).toBeCloseTo(target.start, 1);
    await panel.close();
    await page.close();
  });
});
