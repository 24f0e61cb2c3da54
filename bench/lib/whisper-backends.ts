// The two whisper.cpp builds bench:whisper compares: our addon ("after") and the prebuilt
// @fugood/whisper.node 1.1.3 binary the engine used before ("before"), loaded from a path.
// Both give the engine PassWorkers and the bench's per-pass figures.
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readModelHeader, modelNameOf } from '../../server/engines/models.ts';
import { scanBinary } from '../../server/engines/simd-check.ts';
import { ADDON_PATH, NativeModel, simdFeatures, type NativePassOptions, type NativeResult } from '../../server/engines/whisper-binding.ts';
import { WhisperEngineImpl, defaultWorkers, type PassWorker, type WhisperEngine } from '../../server/engines/whisper.ts';

export interface BenchBackend {
  name: string;
  binary: string;
  simd: string[];
  /** One worker per decoding state the build can offer. */
  workers(n: number): PassWorker[];
  /** The engine over this build's workers. */
  engine(opts: { threads: number; workers?: number; fullWindow: boolean; tokensPerSecond: number }): Promise<WhisperEngine>;
  /** Encoder ms of a full 30 s window and decoder ms per token, when the build measures them itself. */
  ownBench?(threads: number): Promise<{ encodeMs: number; decodeMsPerToken: number }>;
  close(): void;
}

async function engineOver(file: string, workers: PassWorker[], freeModel: () => void, backend: string, simd: string[], o: { threads: number; fullWindow: boolean; tokensPerSecond: number }) {
  return new WhisperEngineImpl({
    states: workers,
    freeModel,
    model: modelNameOf(file),
    header: await readModelHeader(file),
    threads: o.threads,
    backend: 'cpu',
    simd,
    fullWindow: o.fullWindow,
    benchTokensPerSecond: o.tokensPerSecond,
    policy: {},
    notice: backend,
  });
}

export function addonBackend(file: string): BenchBackend {
  const model = NativeModel.load(file);
  return {
    name: 'cpu (whisper.cpp addon)',
    binary: ADDON_PATH,
    simd: simdFeatures(),
    workers: (n) => Array.from({ length: n }, () => model.newState()),
    async engine(o) {
      const states = Array.from({ length: o.workers ?? defaultWorkers(availableParallelism()) }, () => model.newState());
      return engineOver(file, states, () => undefined, 'addon', simdFeatures(), o);
    },
    close: () => model.free(),
  };
}

interface FugoodContext {
  transcribeData(audio: ArrayBuffer, o: Record<string, unknown>): { promise: Promise<{ result: string; language?: string; segments: { text: string; t0: number; t1: number }[] }> };
  bench(threads: number): Promise<{ encodeMs: number; decodeMs: number }>;
  release(): Promise<void>;
}

/** @fugood/node-whisper-<platform>/index.node: one context, which holds one decoding state. */
export function fugoodBackend(file: string, binary: string): BenchBackend {
  const mod = createRequire(import.meta.url)(binary) as {
    WhisperContext: { new (o: { filePath: string; useGpu?: boolean }): FugoodContext; toggleNativeLog(on: boolean, cb?: () => void): void };
  };
  mod.WhisperContext.toggleNativeLog(true, () => undefined); // keep its log off the bench's output
  const scan = scanBinary(binary);
  const simd = scan.ok ? ['AVX2'] : [];
  const ctx = new mod.WhisperContext({ filePath: file, useGpu: false });
  const worker: PassWorker = {
    async transcribe(pcm: Float32Array, o: NativePassOptions): Promise<NativeResult> {
      const i16 = new Int16Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) i16[i] = Math.max(-32768, Math.min(32767, Math.round(pcm[i] * 32768)));
      const t0 = performance.now();
      const r = await ctx.transcribeData(i16.buffer, {
        language: o.language,
        maxThreads: o.threads,
        temperature: o.temperature ?? 0,
        temperatureInc: o.temperatureInc ?? 0.2,
        ...(o.prompt ? { prompt: o.prompt } : {}),
      }).promise;
      const ms = performance.now() - t0;
      // It cannot limit audio_ctx or tokens, and the weightless model decodes ~nothing: the pass is its encoder.
      return { segments: r.segments, language: r.language ?? '', tokens: 0, totalMs: ms, encodeMs: ms, decodeMs: 0, decodeSteps: 0 };
    },
    free: () => void ctx.release(),
  };
  return {
    name: 'cpu (@fugood/whisper.node 1.1.3 prebuilt)',
    binary,
    simd,
    workers: () => [worker],
    engine: (o) => engineOver(file, [worker], () => undefined, 'fugood', simd, { ...o, fullWindow: true }),
    async ownBench(threads) {
      const b = await ctx.bench(threads);
      return { encodeMs: b.encodeMs, decodeMsPerToken: b.decodeMs };
    },
    close: () => void ctx.release(),
  };
}

/** Bytes of a file, for messages. */
export const fileMiB = (f: string) => statSync(f).size / 2 ** 20;
