// `npm run bench:whisper -- --model <name|path> --threads N [--before <fugood index.node>]`:
// whisper.cpp speed per model size with the weightless test models (real shapes, real timing,
// meaningless text): encoder per pass (full window and as streamed), decoder per token, and
// the engine itself over the shared real recordings at real time, 1, 2, 3... streams at once.
// Decoded tokens are forced to 4 per second of audio (what real speech produces); the text is
// noise. Bounded: --max-seconds (default 300) caps the whole run; the slow "before" build gets
// fewer passes and shorter streams, and the table says when a figure was capped.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findModel, modelNameOf } from '../server/engines/models.ts';
import { defaultWorkers, type WhisperEngine } from '../server/engines/whisper.ts';
import { joinWithSilence, realClips } from '../tests/helpers/fixtures.ts';
import { sharedDir } from '../tests/helpers/paths.ts';
import { addonBackend, fugoodBackend, type BenchBackend } from './lib/whisper-backends.ts';
import { BENCH_TOKENS_PER_SECOND, microFigures } from './lib/whisper-micro.ts';
import { printTable, writeResult } from './lib/results.ts';
import { percentile } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'base' },
    threads: { type: 'string', default: String(availableParallelism()) },
    workers: { type: 'string' },
    before: { type: 'string' },
    'max-seconds': { type: 'string', default: '300' },
    'stream-seconds': { type: 'string', default: '20' },
    'max-streams': { type: 'string', default: '8' },
    /** Before build only: one full-window pass for the encoder figure, nothing else (for small and up). */
    'encoder-only': { type: 'boolean', default: false },
  },
});

const threads = Number(values.threads);
const deadline = performance.now() + Number(values['max-seconds']) * 1000;
const left = () => (deadline - performance.now()) / 1000;

/** A catalog name in the model cache, a path, or the weightless file of that size. */
function modelFile(name: string): string {
  const weightless = path.join(sharedDir, 'fixtures/models', `for-tests-ggml-${modelNameOf(name)}.bin`);
  const found = findModel(name);
  if (found) return found;
  if (existsSync(weightless)) return weightless;
  throw new Error(`no model "${name}": not in the cache, not a file, and no ${weightless}`);
}

interface StreamRun {
  latencies: number[];
  engineMs: number;
  audioSeconds: number;
  capped: boolean;
  peakRssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `k` sessions, each fed recordings at real time in 100 ms steps with 1 s of silence between
 * them, a partial for every 0.5 s of new audio (one pass at a time per session, as the server's
 * pipeline does) and a final at the end of each recording. Latency: end of speech → final.
 */
async function realtime(engine: WhisperEngine, utterances: Int16Array[][], budgetS: number): Promise<StreamRun> {
  const t0 = performance.now();
  const stopAt = t0 + budgetS * 1000;
  let peak = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  let engineMs = 0;
  let capped = false;
  const latencies: number[] = [];
  const session = async (utts: Int16Array[]) => {
    const rec = await engine.createRecognizer({ language: 'en' });
    let clock = t0; // when the current utterance's first sample "arrives"
    for (const u of utts) {
      let fed = 0;
      let sincePartial = 0;
      const end = clock + (u.length / 16000) * 1000;
      while (fed < u.length) {
        if (performance.now() > stopAt) {
          capped = true;
          latencies.push(Infinity);
          await rec.close();
          return;
        }
        const due = Math.min(u.length, Math.floor(((performance.now() - clock) / 1000) * 16000 / 1600) * 1600);
        if (due > fed) {
          await rec.accept(u.subarray(fed, due));
          sincePartial += due - fed;
          fed = due;
        }
        if (fed >= u.length) break;
        if (sincePartial >= 8000) {
          sincePartial = 0;
          const p0 = performance.now();
          await rec.partial();
          engineMs += performance.now() - p0;
        } else await sleep(20);
      }
      await sleep(Math.max(0, end - performance.now()));
      const f0 = performance.now();
      await rec.finish();
      engineMs += performance.now() - f0;
      latencies.push(performance.now() - end);
      clock = end + 1000; // one second of silence, then the next recording
      await sleep(Math.max(0, clock - performance.now()));
    }
    await rec.close();
  };
  await Promise.all(utterances.map((u) => session(u)));
  clearInterval(rssTimer);
  const audioSeconds = utterances.reduce((s, us) => s + us.reduce((a, u) => a + u.length / 16000, 0), 0);
  return { latencies, engineMs, audioSeconds, capped, peakRssMiB: peak / 2 ** 20 };
}

/** Recordings for `k` streams of about `seconds` each, every stream starting at another clip. */
function streamsOf(clips: Int16Array[], k: number, seconds: number): Int16Array[][] {
  return Array.from({ length: k }, (_, i) => {
    const out: Int16Array[] = [];
    let total = 0;
    for (let j = 0; total < seconds; j++) {
      const c = clips[(i * 3 + j) % clips.length];
      out.push(c);
      total += c.length / 16000;
    }
    return out;
  });
}

async function main() {
  const file = modelFile(values.model!);
  const before = values.before;
  const backend: BenchBackend = before ? fugoodBackend(file, path.resolve(before)) : addonBackend(file);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`bench:whisper ${modelNameOf(file)} (${file}), ${backend.name}, ${threads} threads, load average ${load}`);
  console.log(`tokens forced to ${BENCH_TOKENS_PER_SECOND}/s of audio (the weightless model's text is noise; the timing is real)`);

  // 1. Per pass. The prebuilt "before" binary cannot size passes: every pass is the full window.
  let micro = { encodeMsFullWindow: NaN, encodeMsStreamedP50: NaN, decodeMsPerToken: NaN };
  // Its own bench() gives the before build's encoder (every pass is the full window) and decoder
  // figures: cheaper than passes of ours, which would take as long as that encoder each.
  const encoderOnly = !!before && values['encoder-only'];
  const own = backend.ownBench && !encoderOnly ? await backend.ownBench(threads) : null;
  if (encoderOnly) {
    const [w] = backend.workers(1);
    const r = await w.transcribe(new Float32Array(5 * 16000), { threads, language: 'en', temperatureInc: 0 });
    micro = { encodeMsFullWindow: r.encodeMs, encodeMsStreamedP50: r.encodeMs, decodeMsPerToken: NaN };
  }
  const lengths = own || encoderOnly ? [] : [1, 2, 3, 5, 8];
  if (!own && !encoderOnly) {
    const [worker] = backend.workers(1);
    micro = await microFigures(worker, threads, lengths);
    worker.free();
  }
  const encodeMsFullWindow = own?.encodeMs ?? micro.encodeMsFullWindow;
  const encodeMsStreamedP50 = own?.encodeMs ?? micro.encodeMsStreamedP50;
  const decodeMsPerToken = own?.decodeMsPerToken ?? micro.decodeMsPerToken;

  // 2. The engine at real time: one stream, then more until final p95 passes 2 s.
  const clips = realClips().map((c) => c.pcm);
  const streamSeconds = before ? Math.min(10, Number(values['stream-seconds'])) : Number(values['stream-seconds']);
  const engine = await backend.engine({
    threads,
    workers: values.workers ? Number(values.workers) : defaultWorkers(availableParallelism()),
    fullWindow: !!before,
    tokensPerSecond: BENCH_TOKENS_PER_SECOND,
  });
  const rssBase = process.memoryUsage().rss / 2 ** 20; // model and worker states loaded
  const runs: { k: number; run: StreamRun; p50: number; p95: number }[] = [];
  let realtimeStreams = 0;
  for (let k = 1; k <= Number(values['max-streams']); k++) {
    const budget = Math.min(left(), streamSeconds * 2 + 30);
    if (budget < streamSeconds + 5) break;
    const run = await realtime(engine, streamsOf(clips, k, streamSeconds), budget);
    const p50 = percentile(run.latencies, 50);
    const p95 = percentile(run.latencies, 95);
    runs.push({ k, run, p50, p95 });
    console.log(`  ${k} stream(s): final p50 ${fmtMs(p50)}, p95 ${fmtMs(p95)}${run.capped ? ' (capped: passes could not keep up)' : ''}`);
    if (!(p95 <= 2000)) break;
    realtimeStreams = k;
  }
  await engine.close();
  backend.close();

  const one = runs[0]?.run;
  const widest = runs.at(-1);
  const result = {
    model: modelNameOf(file),
    backend: backend.name,
    threads,
    simd: backend.simd.join(',') || 'none',
    encodeMsFullWindow: round(encodeMsFullWindow),
    encodeMsStreamedP50: round(encodeMsStreamedP50),
    decodeMsPerToken: round(decodeMsPerToken, 1),
    rtf: one ? round(one.engineMs / 1000 / one.audioSeconds, 2) : null,
    finalP50: runs[0] ? round(runs[0].p50) : null,
    finalP95: runs[0] ? round(runs[0].p95) : null,
    realtimeStreams,
    rssMiBPerSession: widest ? round((widest.run.peakRssMiB - rssBase) / widest.k, 1) : null,
  };
  printTable(`whisper ${result.model}, ${result.backend}, ${threads} threads (load average ${load})`, [
    ['SIMD', result.simd],
    ['encoder, full 30 s window', `${result.encodeMsFullWindow} ms${own ? ' (its own bench())' : ''}`],
    [own ? 'encoder, as streamed' : `encoder, as streamed (p50 over ${lengths.join('/')} s buffers)`, `${result.encodeMsStreamedP50} ms${own ? ' (always the full window)' : ''}`],
    ['decoder per token', `${result.decodeMsPerToken} ms`],
    ['real-time factor, one stream', String(result.rtf)],
    ['end of speech → final p50 / p95, one stream', `${fmtMs(result.finalP50)} / ${fmtMs(result.finalP95)}${one?.capped ? ` (run capped at ${Math.round(Math.min(streamSeconds * 2 + 30))} s: finals that never came count as "never")` : ''}${runs.length ? '' : ' (not run: --max-streams 0 or no time left)'}`],
    ['real-time streams with final p95 ≤ 2 s', `${realtimeStreams}${runs.length && runs.at(-1)!.k === Number(values['max-streams']) ? ' (limit of the run)' : ''}`],
    ['memory per session (peak RSS growth / streams)', `${result.rssMiBPerSession} MiB`],
  ]);
  writeResult(`whisper-${result.model}${before ? '-before' : ''}`, { ...result, loadAverage: load, runs: runs.map((r) => ({ streams: r.k, p50: r.p50, p95: r.p95, capped: r.run.capped })) });
  console.log(JSON.stringify(result));
}

const round = (x: number, d = 0) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const fmtMs = (x: number | null) => (x === null ? '—' : Number.isFinite(x) ? `${Math.round(x)} ms` : 'never');

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
