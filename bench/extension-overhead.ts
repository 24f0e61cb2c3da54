// `npm run bench:extension`: the extension's own cost while it captions: the built extension
// in real headless Chromium captions a looping <video> of real speech through our server for
// EXT_MINUTES (default 2; 30 for the long session), once per wire encoding in EXT_AUDIO
// (default "pcm,opus"), through a loopback proxy that counts the bytes sent. Every 5 s: the
// offscreen document's JS heap and main-thread task time (CDP Performance.getMetrics on its
// target) and the extension renderer process's RSS and CPU time (/proc; it hosts the offscreen
// document, its AudioWorklet thread and the service worker). Reports CPU % of one core, and
// memory slopes by least squares after a 20 % warm-up. Writes bench-results/extension-overhead.json.
import path from 'node:path';
import { findChromium } from '../tests/e2e/helpers/chromium.ts';
import { makeSpeechTrack } from '../tests/e2e/helpers/test-page.ts';
import { startServer } from '../tests/helpers/server-process.ts';
import { startTcpProxy } from '../tests/helpers/tcp-proxy.ts';
import { captionInChromium, type OverheadSample } from './lib/chromium-captions.ts';
import { printTable, writeResult } from './lib/results.ts';
import { fmt, linearRegression, loadAvg } from './lib/stats.ts';

const minutes = Number(process.env.EXT_MINUTES ?? 2);
/** Which wire encodings to run, one after the other (the options page's setting). */
const encodings = (process.env.EXT_AUDIO ?? 'pcm,opus').split(',').map((e) => e.trim()) as ('pcm' | 'opus')[];
// The extension would quietly take anything else for PCM, and the figures would be mislabelled.
for (const e of encodings) if (e !== 'pcm' && e !== 'opus') throw new Error(`EXT_AUDIO: "${e}" is not pcm or opus`);
if (!findChromium()) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');

async function measure(wireAudio: 'pcm' | 'opus') {
  console.log(`Extension overhead, ${wireAudio}: ${minutes} min of captioning a looping video (load ${loadAvg()})`);
  const server = await startServer(['--engine', 'sphinx', '--quiet']);
  // Between the extension and the server: counts the bytes the extension sends.
  const proxy = await startTcpProxy(server.port);
  let run;
  try {
    const track = makeSpeechTrack(['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930', 'en-jfk']);
    const serverUrl = `ws://127.0.0.1:${proxy.port}/ws`;
    run = await captionInChromium({ serverUrl, track, playSeconds: minutes * 60, overheadEverySeconds: 5, wireAudio, meter: () => proxy.bytesUp, log: console.log });
  } finally {
    await proxy.close();
    await server.stop();
  }
  const s: OverheadSample[] = run.overhead;
  const rate = (pick: (x: OverheadSample) => number | null) => {
    const a = s[0];
    const b = s.at(-1);
    if (!a || !b || b.t === a.t) return NaN;
    const va = pick(a);
    const vb = pick(b);
    return va == null || vb == null ? NaN : (vb - va) / (b.t - a.t);
  };
  const steady = s.filter((x) => x.t >= minutes * 60 * 0.2);
  const slope = (pick: (x: OverheadSample) => number | null) =>
    linearRegression(steady.filter((x) => pick(x) != null).map((x) => ({ x: x.t / 3600, y: pick(x)! / 2 ** 20 }))).slope;
  return {
    wireAudio,
    minutes,
    playedSeconds: run.playedSeconds,
    finals: run.versions.filter((v) => v.kind === 'final').length,
    // All the extension sent while the track played: audio, JSON messages, WebSocket framing (TCP payload).
    kbitPerSecondUp: (run.meteredDuringPlay! * 8) / run.playedSeconds / 1000,
    offscreenMainThreadCpuPercent: rate((x) => x.taskSeconds) * 100,
    extensionProcessCpuPercent: rate((x) => x.processCpuSeconds) * 100,
    workerJsHeapMiB: { first: (s[0]?.workerJsHeapUsed ?? NaN) / 2 ** 20, last: (s.at(-1)?.workerJsHeapUsed ?? NaN) / 2 ** 20, slopePerHour: slope((x) => x.workerJsHeapUsed) },
    offscreenJsHeapMiB: { first: (s[0]?.jsHeapUsed ?? NaN) / 2 ** 20, last: (s.at(-1)?.jsHeapUsed ?? NaN) / 2 ** 20, slopePerHour: slope((x) => x.jsHeapUsed) },
    extensionProcessRssMiB: { first: (s[0]?.processRss ?? NaN) / 2 ** 20, last: (s.at(-1)?.processRss ?? NaN) / 2 ** 20, slopePerHour: slope((x) => x.processRss) },
    loadAverage: loadAvg(),
    samples: s,
  };
}

const runs = [];
for (const wireAudio of encodings) runs.push(await measure(wireAudio));
for (const r of runs) {
  printTable(`Extension overhead, audio as ${r.wireAudio} (${minutes} min captioning, sphinx)`, [
    ['audio and messages sent to the server (TCP payload)', `${fmt(r.kbitPerSecondUp, 1)} kbit/s`],
    ['offscreen document main thread CPU (CDP TaskDuration)', `${fmt(r.offscreenMainThreadCpuPercent, 1)}% of one core`],
    ['extension renderer process CPU (/proc, all its threads)', `${fmt(r.extensionProcessCpuPercent, 1)}% of one core`],
    ['offscreen JS heap first → last', `${fmt(r.offscreenJsHeapMiB.first, 1)} → ${fmt(r.offscreenJsHeapMiB.last, 1)} MiB (slope ${fmt(r.offscreenJsHeapMiB.slopePerHour, 1)} MiB/hour)`],
    ['service worker JS heap first → last', `${fmt(r.workerJsHeapMiB.first, 1)} → ${fmt(r.workerJsHeapMiB.last, 1)} MiB (slope ${fmt(r.workerJsHeapMiB.slopePerHour, 1)} MiB/hour)`],
    ['extension process RSS first → last', `${fmt(r.extensionProcessRssMiB.first, 1)} → ${fmt(r.extensionProcessRssMiB.last, 1)} MiB (slope ${fmt(r.extensionProcessRssMiB.slopePerHour, 1)} MiB/hour)`],
    ['finals shown in the page', String(r.finals)],
    ['load average at the end', r.loadAverage],
  ]);
}
const file = writeResult('extension-overhead', { minutes, runs });
console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
