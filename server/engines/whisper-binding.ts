// Loading whisper.cpp's native binding (@fugood/whisper.node) and capturing its log.
//
// We load the platform package ourselves instead of the library's loadWhisperModule():
// that one silently falls back from a GPU build to the CPU build and caches one module
// per process, and we need to know which build actually runs to say so to the user.
// Inference in this binding runs in a Napi::AsyncWorker (libuv thread pool), so it does not
// block the event loop; only model loading (the constructor) is synchronous.

import { createRequire } from 'node:module';

export type GpuBackend = 'cuda' | 'vulkan';
export type Backend = 'cpu' | GpuBackend;

export interface NativeSegment {
  text: string;
  /** Milliseconds from the start of the audio passed in. */
  t0: number;
  t1: number;
}

export interface NativeResult {
  result: string;
  language?: string;
  segments: NativeSegment[];
  isAborted: boolean;
}

export interface NativeTranscribeOptions {
  language?: string;
  prompt?: string;
  maxThreads?: number;
  temperature?: number;
  temperatureInc?: number;
  beamSize?: number;
  bestOf?: number;
}

export interface NativeContext {
  /** PCM16 mono 16 kHz bytes. */
  transcribeData(
    audio: ArrayBuffer,
    opts: NativeTranscribeOptions,
  ): { stop: () => Promise<void>; promise: Promise<NativeResult> };
  release(): Promise<void>;
}

interface NativeModule {
  WhisperContext: {
    new (opts: { filePath: string; useGpu?: boolean; useFlashAttn?: boolean }): NativeContext;
    toggleNativeLog(enable: boolean, cb?: (level: string, text: string) => void): void;
  };
}

export interface LoadedBinding {
  module: NativeModule;
  backend: Backend;
  /** Why the requested GPU build is not the one running. */
  notice?: string;
}

const require = createRequire(import.meta.url);
let loaded: LoadedBinding | null = null;

const packageName = (backend: Backend) =>
  `@fugood/node-whisper-${process.platform}-${process.arch}${backend === 'cpu' ? '' : `-${backend}`}`;

/**
 * The native module for the wanted backend, falling back to the CPU build with a notice.
 * Two builds cannot share a process (both carry ggml), so the first one loaded stays.
 */
export function loadBinding(gpu: GpuBackend | null): LoadedBinding {
  const want: Backend = gpu ?? 'cpu';
  if (loaded) {
    if (loaded.backend === want) return loaded;
    return { ...loaded, notice: `whisper.cpp ${loaded.backend} build already loaded in this process; ${want} not used` };
  }
  let notice: string | undefined;
  if (want !== 'cpu') {
    try {
      loaded = { module: require(packageName(want)) as NativeModule, backend: want };
      return loaded;
    } catch (err) {
      notice = `whisper.cpp ${want} build could not be loaded (${firstLine(err)}); running on CPU`;
    }
  }
  try {
    loaded = { module: require(packageName('cpu')) as NativeModule, backend: 'cpu', ...(notice ? { notice } : {}) };
    return loaded;
  } catch (err) {
    throw new Error(
      `no whisper.cpp build for ${process.platform}-${process.arch} could be loaded (${firstLine(err)}); ` +
        'reinstall @fugood/whisper.node with its optional dependencies',
    );
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200);
}

// ---------------------------------------------------------------- native log

// whisper.cpp logs to stderr by default (dozens of lines per model, one per auto-detected
// language). We route it into a ring buffer, used for error messages, and print it only
// when WHISPER_NATIVE_LOG=1. The hook is process-wide and keeps the event loop alive, so
// it is reference-counted and removed when the last engine closes.
const RING = 200;
const lines: { level: string; text: string }[] = [];
let seq = 0;
let users = 0;

export function acquireNativeLog(mod: NativeModule): void {
  if (users++ > 0) return;
  const echo = process.env.WHISPER_NATIVE_LOG === '1';
  mod.WhisperContext.toggleNativeLog(true, (level, text) => {
    const t = text.trimEnd();
    if (!t) return;
    seq++;
    lines.push({ level, text: t });
    if (lines.length > RING) lines.shift();
    if (echo) process.stderr.write(`[whisper.cpp ${level}] ${t}\n`);
  });
}

export function releaseNativeLog(mod: NativeModule): void {
  if (users === 0 || --users > 0) return;
  mod.WhisperContext.toggleNativeLog(false);
}

/** A mark to read the log lines written after it. */
export function logMark(): number {
  return seq;
}

/**
 * Log lines since a mark. Native calls made on the main thread deliver their log lines
 * asynchronously, so this waits briefly for them first.
 */
export async function logSince(mark: number, waitMs = 30): Promise<{ level: string; text: string }[]> {
  await new Promise((r) => setTimeout(r, waitMs));
  const n = Math.min(seq - mark, lines.length);
  return n > 0 ? lines.slice(-n) : [];
}
