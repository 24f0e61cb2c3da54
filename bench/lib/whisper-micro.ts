// Per-pass figures of a whisper.cpp build: encoder time over the full 30 s window and over
// buffers as the engine streams them (audio_ctx sized), and decoder time per token. Shared by
// bench:whisper and the test that holds the engine to the bench's own figure.
import type { PassWorker } from '../../server/engines/whisper.ts';
import { passSize } from '../../server/engines/whisper-sizing.ts';
import { percentile } from './stats.ts';

/** Speech-like noise (the weightless model's output does not depend on it). */
export function noise(seconds: number, seed = 1): Float32Array {
  let x = seed;
  return Float32Array.from({ length: Math.round(seconds * 16000) }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31 - 0.5) * 0.2;
  });
}

/** Real speech decodes about 4 tokens a second; benches force that many on weightless models. */
export const BENCH_TOKENS_PER_SECOND = 4;

/** One pass as the engine runs it over `seconds` of buffered audio (a partial). */
export async function streamedPass(worker: PassWorker, seconds: number, threads: number, fullWindow = false) {
  const size = passSize(seconds, false, { fullWindow });
  return worker.transcribe(noise(seconds), {
    threads,
    language: 'en',
    temperature: 0,
    ...size,
    maxTokens: Math.ceil(seconds * BENCH_TOKENS_PER_SECOND),
    suppressEot: true,
  });
}

export interface MicroFigures {
  encodeMsFullWindow: number;
  encodeMsStreamedP50: number;
  decodeMsPerToken: number;
  /** Encoder ms per streamed buffer length (s). */
  streamed: { seconds: number; encodeMs: number; totalMs: number }[];
}

/** `lengths`: buffer lengths (s) a streaming session passes over; a few keep it short. */
export async function microFigures(worker: PassWorker, threads: number, lengths = [1, 2, 3, 5, 8], fullWindow = false): Promise<MicroFigures> {
  const full = await worker.transcribe(noise(5), { threads, language: 'en', audioCtx: 0, maxTokens: 1, temperatureInc: 0 });
  const streamed = [];
  let decodeMs = 0;
  let steps = 0;
  for (const s of lengths) {
    const r = await streamedPass(worker, s, threads, fullWindow);
    streamed.push({ seconds: s, encodeMs: r.encodeMs, totalMs: r.totalMs });
    decodeMs += r.decodeMs;
    steps += r.decodeSteps;
  }
  return {
    encodeMsFullWindow: full.encodeMs,
    encodeMsStreamedP50: percentile(streamed.map((x) => x.encodeMs), 50),
    decodeMsPerToken: steps > 0 ? decodeMs / steps : NaN,
    streamed,
  };
}
