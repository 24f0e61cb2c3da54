// `npm run bench:resampler`: how fast the resampler and down-mix run, on the server's path
// (interleaved PCM16 in 100 ms chunks, as AudioDecoder feeds it; whole WAV clips, as REST does)
// and on the capture worklet's path (Float32, 128-frame render quanta). Prints input seconds
// processed per wall-clock second (× real time, the median of 7 runs) and the load average.
import { Resampler, resampleTo16k } from '../server/audio/resample.ts';
import { StreamingResampler } from '../dsp/resampler.ts';
import { printTable, writeResult } from './lib/results.ts';
import { fmt, loadAvg, percentile } from './lib/stats.ts';

const RUNS = 7;
const SECONDS_PER_RUN = 20; // of audio

function noise16(n: number, seed = 1): Int16Array {
  let s = seed >>> 0;
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s >>> 16) - 32768;
  }
  return x;
}

/** Median × real time of `run`, which processes SECONDS_PER_RUN seconds of audio. */
function measure(run: () => number): { xRealtime: number; checksum: number } {
  let checksum = run(); // warm-up (JIT)
  const speeds: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    checksum += run();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    speeds.push(SECONDS_PER_RUN / s);
  }
  return { xRealtime: percentile(speeds, 50), checksum };
}

function serverStream(rate: number, channels: number) {
  const chunk = noise16((rate / 10) * channels, rate + channels);
  return () => {
    const r = new Resampler(rate, 16000, channels);
    let sum = 0;
    for (let i = 0; i < SECONDS_PER_RUN * 10; i++) sum += r.push(chunk).length;
    return sum + r.flush().length;
  };
}

function serverClip(rate: number, channels: number) {
  const clip = noise16(rate * channels * SECONDS_PER_RUN, 7);
  return () => resampleTo16k(clip, rate, channels).length;
}

function worklet(rate: number) {
  const quantum = Float32Array.from(noise16(128, rate), (v) => v / 32768);
  return () => {
    const r = new StreamingResampler(rate, 16000);
    const out = new Float32Array(r.maxOutput(128));
    let sum = 0;
    const quanta = Math.ceil((rate * SECONDS_PER_RUN) / 128);
    for (let i = 0; i < quanta; i++) sum += r.process(quantum, out);
    return sum;
  };
}

const cases: [string, () => number][] = [
  ['server stream 48 kHz stereo, 100 ms chunks', serverStream(48000, 2)],
  ['server stream 44.1 kHz mono, 100 ms chunks', serverStream(44100, 1)],
  ['server stream 8 kHz mono (upsampling)', serverStream(8000, 1)],
  ['server clip 44.1 kHz stereo (resampleTo16k)', serverClip(44100, 2)],
  ['worklet 48 kHz, 128-frame quanta', worklet(48000)],
  ['worklet 44.1 kHz, 128-frame quanta', worklet(44100)],
];

const loadBefore = loadAvg();
const rows: [string, string][] = [];
const results: Record<string, number> = {};
for (const [name, run] of cases) {
  const { xRealtime } = measure(run);
  results[name] = xRealtime;
  rows.push([name, `${fmt(xRealtime, 0)} × real time`]);
}
const loadAfter = loadAvg();
printTable(`Resampler speed (median of ${RUNS} runs of ${SECONDS_PER_RUN} s audio; load ${loadBefore} → ${loadAfter})`, rows);
writeResult('resampler', { xRealtime: results, load: { before: loadBefore, after: loadAfter } });
