// The whisper engine at the speed its build allows, with the weightless base model (real shapes,
// real timing): a pass over 5 s of audio costs what bench:whisper's own figure says (a ratio
// measured on the same run, not a wall-clock limit), and two sessions' passes really overlap.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamedPass } from '../../bench/lib/whisper-micro.ts';
import { parseWav } from '../../protocol/wav.ts';
import { readModelHeader } from '../../server/engines/models.ts';
import { NativeModel, type NativePassOptions } from '../../server/engines/whisper-binding.ts';
import { WhisperEngineImpl, type PassWorker } from '../../server/engines/whisper.ts';
import { SHARED_MODEL, sharedDir } from './whisper-fixtures.ts';

const THREADS = 2;
let model: NativeModel;
/** Native execution intervals of every pass the engine ran: [start, end] in performance.now() ms. */
const intervals: { start: number; end: number }[] = [];
let engine: WhisperEngineImpl;

function fiveSeconds(): Int16Array {
  const wav = parseWav(readFileSync(path.join(sharedDir, 'fixtures/speech/en-weather.wav')));
  return wav.samples.subarray(0, 5 * 16000);
}

beforeAll(async () => {
  const file = SHARED_MODEL('base');
  model = NativeModel.load(file);
  const states: PassWorker[] = [model.newState(), model.newState()].map((s) => ({
    async transcribe(pcm: Float32Array, o: NativePassOptions) {
      const r = await s.transcribe(pcm, o);
      const end = performance.now();
      intervals.push({ start: end - r.totalMs, end });
      return r;
    },
    free: () => s.free(),
  }));
  engine = new WhisperEngineImpl({
    states,
    freeModel: () => model.free(),
    model: 'for-tests-ggml-base',
    header: await readModelHeader(file),
    threads: THREADS,
    backend: 'cpu',
    simd: [],
    fullWindow: false,
    benchTokensPerSecond: 4, // as the bench: 4 tokens per second of audio, like real speech
    policy: {},
    notice: undefined,
  });
});

afterAll(async () => {
  await engine?.close();
});

describe('whisper engine speed (weightless base model)', () => {
  it("runs a partial over 5 s of speech within a small factor of the bench's figure for that pass", async () => {
    // The bench's own figure, now, on this machine and its current load: best of two.
    const worker = model.newState();
    const bench = Math.min(
      (await streamedPass(worker, 5, THREADS)).totalMs,
      (await streamedPass(worker, 5, THREADS)).totalMs,
    );
    worker.free();
    const times: number[] = [];
    for (let i = 0; i < 2; i++) {
      const rec = await engine.createRecognizer({ language: 'en' });
      await rec.accept(fiveSeconds());
      const t0 = performance.now();
      await rec.partial();
      times.push(performance.now() - t0);
      await rec.close();
    }
    const ratio = Math.min(...times) / bench;
    console.log(`5 s partial: engine ${Math.min(...times).toFixed(0)} ms, bench ${bench.toFixed(0)} ms, ratio ${ratio.toFixed(2)}`);
    // A sized pass (audio_ctx 320) is far below a full-window one; the engine adds only JS around it.
    expect(ratio).toBeLessThan(2);
  });

  it("runs two sessions' passes at the same time on two decoding states of one model", async () => {
    intervals.length = 0;
    const recs = await Promise.all([0, 1].map(() => engine.createRecognizer({ language: 'en' })));
    for (const r of recs) await r.accept(fiveSeconds());
    let maxBusy = 0;
    const timer = setInterval(() => (maxBusy = Math.max(maxBusy, engine.stats().busy)), 2);
    await Promise.all(recs.map((r) => r.partial()));
    clearInterval(timer);
    for (const r of recs) await r.close();
    expect(maxBusy).toBe(2);
    expect(intervals).toHaveLength(2);
    const [a, b] = intervals;
    // Native execution overlapped: each started before the other ended (a single global
    // queue would run them one after the other).
    expect(a.start).toBeLessThan(b.end);
    expect(b.start).toBeLessThan(a.end);
    const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start);
    expect(overlap).toBeGreaterThan(0.5 * Math.min(a.end - a.start, b.end - b.start));
  });
});
