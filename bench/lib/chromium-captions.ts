// The built extension in real headless Chromium captioning a local page's <video> against a
// running server: records every caption change in the page DOM with timestamps and the
// page's media clock, optionally sampling the offscreen document's CPU and memory.
import fs from 'node:fs';
import type { CDPSession, Page } from 'puppeteer-core';
import { buildExtension } from '../../tests/e2e/helpers/build.ts';
import { captionEvents, installCaptionRecorder, waitForCaptionsToSettle } from '../../tests/e2e/helpers/caption-recorder.ts';
import { launchWithExtension, offscreenPage, openPopup, startFromPopup, type ExtensionBrowser } from '../../tests/e2e/helpers/chromium.ts';
import { serveTestPage, type SpeechTrack } from '../../tests/e2e/helpers/test-page.ts';
import type { CaptionVersion } from './word-latency.ts';

export interface OverheadSample {
  /** Seconds since playback started. */
  t: number;
  /** The offscreen document's JS heap (CDP Performance.getMetrics), bytes. */
  jsHeapUsed: number;
  /** Its main thread's cumulative task time, seconds (CDP TaskDuration). */
  taskSeconds: number;
  /** The extension renderer process (it hosts the offscreen document and its AudioWorklet): RSS bytes and CPU seconds from /proc. */
  processRss: number | null;
  processCpuSeconds: number | null;
  /** The service worker's JS heap after a forced GC (it keeps the tab's transcript), bytes; null if unreadable. */
  workerJsHeapUsed: number | null;
}

export interface ChromiumRun {
  /** Wall-clock ms at which the track's time 0 played (median over media clock samples). */
  origin: number;
  /** Wall-clock ms at which play() was called. */
  playAt: number;
  versions: CaptionVersion[];
  clockSamples: number;
  playedSeconds: number;
  overhead: OverheadSample[];
  /** `meter()` at the pause minus at play(): e.g. bytes sent while the track played. */
  meteredDuringPlay: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat on every mainstream kernel

const parentOf = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};

/**
 * The renderer process our Chromium started for extensions (flag --extension-process), found
 * in /proc among the browser's descendants (other Chromiums may run on the machine).
 */
function extensionProcess(browserPid: number | undefined): number | null {
  if (!browserPid) return null;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !cmd.includes('--extension-process')) continue;
      for (let p = parentOf(pid), hops = 0; p > 1 && hops < 5; p = parentOf(p), hops++) if (p === browserPid) return pid;
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

function procStats(pid: number | null): { rss: number | null; cpu: number | null } {
  if (!pid) return { rss: null, cpu: null };
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime (fields 14, 15)
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
    return { rss, cpu };
  } catch {
    return { rss: null, cpu: null };
  }
}

async function sampleOverhead(cdp: CDPSession, worker: CDPSession | null, pid: number | null, t: number): Promise<OverheadSample> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? NaN;
  const p = procStats(pid);
  // After a forced GC, so the figure is what the worker keeps (its transcript), not garbage
  // waiting for V8's next major collection. The worker may have been stopped and restarted by
  // Chrome meanwhile: then no figure.
  const workerHeap = worker
    ? await worker
        .send('HeapProfiler.collectGarbage')
        .then(() => worker.send('Runtime.getHeapUsage'))
        .then((h) => h.usedSize, () => null)
    : null;
  return { t, jsHeapUsed: m('JSHeapUsedSize'), taskSeconds: m('TaskDuration'), processRss: p.rss, processCpuSeconds: p.cpu, workerJsHeapUsed: workerHeap };
}

export interface CaptionRunOptions {
  serverUrl: string;
  track: SpeechTrack;
  engine?: string;
  /** Play for this long, looping the track (default: once through). */
  playSeconds?: number;
  /** Sample the offscreen document every this many seconds (0: never). */
  overheadEverySeconds?: number;
  /** Read at play() and at the pause (e.g. a proxy's byte counter); the difference is returned. */
  meter?: () => number;
  /** The options page's "Audio sent to the server" (default: the extension's default, PCM). */
  wireAudio?: 'pcm' | 'opus';
  log?: (line: string) => void;
}

export async function captionInChromium(opts: CaptionRunOptions): Promise<ChromiumRun> {
  const dist = buildExtension();
  const site = await serveTestPage(opts.track, 'Caption latency bench');
  let eb: ExtensionBrowser | null = null;
  try {
    eb = await launchWithExtension(dist);
    await eb.worker();
    if (opts.wireAudio) {
      // Stored from an extension page, as the options page does; the popup fills in the rest.
      const options = await eb.browser.newPage();
      await options.goto(`chrome-extension://${eb.extensionId}/src/options/index.html`);
      await options.evaluate((wireAudio) => chrome.storage.sync.set({ settings: { wireAudio } }), opts.wireAudio);
      await options.close();
    }
    const page: Page = await eb.browser.newPage();
    // tsx (esbuild keepNames) wraps functions in __name(); functions sent to the page need it there too.
    await page.evaluateOnNewDocument('globalThis.__name = (f) => f;');
    await page.goto(site.url);
    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
    await installCaptionRecorder(page);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, opts.serverUrl, opts.engine ?? 'sphinx');
    await popup.close();
    const loop = (opts.playSeconds ?? 0) > opts.track.seconds;
    // The media clock: wall time minus currentTime while playing, sampled every 20 ms.
    await page.evaluate((looping) => {
      const v = document.getElementById('player') as HTMLVideoElement;
      v.loop = looping;
      const w = window as unknown as { __clock: number[] };
      w.__clock = [];
      setInterval(() => {
        if (!v.paused && !v.ended && v.currentTime > 0 && w.__clock.length < 3000) w.__clock.push(Date.now() - v.currentTime * 1000);
      }, 20);
    }, loop);
    const off = await offscreenPage(eb);
    const cdp = off ? await off.createCDPSession() : null;
    if (cdp) await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const pid = extensionProcess(eb.browser.process()?.pid);
    const workerCdp = (opts.overheadEverySeconds ?? 0) > 0 ? (await eb.worker()).client : null;

    const playAt = Date.now();
    const meterAtPlay = opts.meter?.() ?? null;
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());
    const overhead: OverheadSample[] = [];
    const every = (opts.overheadEverySeconds ?? 0) * 1000;
    let nextSample = playAt;
    const until = playAt + (loop ? opts.playSeconds! : opts.track.seconds + 30) * 1000;
    for (;;) {
      await sleep(250);
      if (cdp && every > 0 && Date.now() >= nextSample) {
        overhead.push(await sampleOverhead(cdp, workerCdp, pid, (Date.now() - playAt) / 1000));
        nextSample += every;
        if (overhead.length % 20 === 0) opts.log?.(`  ${Math.round((Date.now() - playAt) / 1000)} s played`);
      }
      const ended = await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).ended);
      if (ended || Date.now() > until) break;
    }
    const played = (Date.now() - playAt) / 1000;
    const meteredDuringPlay = meterAtPlay === null ? null : opts.meter!() - meterAtPlay;
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).pause());
    await waitForCaptionsToSettle(page, { quietMs: 3000, maxMs: 45_000, minFinals: 1 });
    const clock = await page.evaluate(() => (window as unknown as { __clock: number[] }).__clock);
    const sorted = [...clock].sort((a, b) => a - b);
    const origin = sorted[Math.floor(sorted.length / 2)] ?? playAt;
    const versions = (await captionEvents(page)).map((e) => ({ t: e.t, id: e.id, kind: e.kind, text: e.text }));
    await cdp?.detach().catch(() => {});
    return { origin, playAt, versions, clockSamples: clock.length, playedSeconds: played, overhead, meteredDuringPlay };
  } finally {
    await eb?.close();
    await site.close();
  }
}
