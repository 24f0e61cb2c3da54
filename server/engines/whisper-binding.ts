// Loading our whisper.cpp addon (native/whisper, built on install from the whisper.cpp sources
// that the smart-whisper npm package ships) and the typed surface the engine uses.
//
// One loaded model (NativeModel) is shared by any number of decoding states; each pass runs
// on libuv's thread pool (a Napi::AsyncWorker), so inference never blocks the event loop.
// Only model loading is synchronous (~0.1-1 s by size).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type GpuBackend = 'cuda' | 'vulkan';
export type Backend = 'cpu' | GpuBackend;

export interface NativeSegment {
  text: string;
  /** Milliseconds from the start of the audio passed in. */
  t0: number;
  t1: number;
}

export interface NativeResult {
  segments: NativeSegment[];
  /** Detected (or fixed) language code. */
  language: string;
  /** Tokens decoded, timestamps included. */
  tokens: number;
  totalMs: number;
  /** Encoder start → first decoder logits (includes the prompt's decoder step). */
  encodeMs: number;
  /** First decoder logits → end. */
  decodeMs: number;
  decodeSteps: number;
}

export interface NativePassOptions {
  threads: number;
  /** 'auto' or a whisper language code. */
  language: string;
  prompt?: string;
  /** Encoder positions (50 per second of audio); 0 = the full 1500 (30 s). */
  audioCtx?: number;
  /** Most tokens per segment; 0 = no limit. */
  maxTokens?: number;
  temperature?: number;
  /** 0 turns whisper.cpp's temperature fallback off. */
  temperatureInc?: number;
  /** Benches only: decode exactly maxTokens text tokens (no end of text, one segment). */
  suppressEot?: boolean;
}

type Handle = { readonly __handle: unique symbol };

interface Addon {
  loadModel(file: string, gpu: boolean): Handle;
  freeModel(model: Handle): void;
  newState(model: Handle): Handle;
  freeState(state: Handle): void;
  isMultilingual(model: Handle): boolean;
  systemInfo(): string;
  logTail(): string[];
  setLogEcho(on: boolean): void;
  transcribe(
    model: Handle,
    state: Handle,
    pcm: Float32Array,
    opts: NativePassOptions,
    cb: (err: Error | null, res: NativeResult) => void,
  ): void;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where `npm run build:whisper` (run on install) puts the addon. */
export const ADDON_PATH = path.join(root, 'native/whisper/build/Release/tc_whisper.node');
const require = createRequire(import.meta.url);
let addon: Addon | null = null;

/** The addon, loaded once per process; throws a readable reason when it is not built. */
export function loadAddon(): Addon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) {
    throw new Error(`the whisper.cpp addon is not built (${ADDON_PATH} is missing); run "npm run build:whisper"`);
  }
  try {
    addon = require(ADDON_PATH) as Addon;
  } catch (err) {
    throw new Error(`the whisper.cpp addon could not be loaded (${firstLine(err)}); rebuild it with "npm run build:whisper"`);
  }
  addon.setLogEcho(process.env.WHISPER_NATIVE_LOG === '1');
  return addon;
}

/** whisper.cpp's system-info line, e.g. "AVX = 1 | AVX2 = 1 | ... | NEON = 0 | ...". */
export function systemInfo(): string {
  return loadAddon().systemInfo();
}

/** SIMD instruction sets the loaded build was compiled with (empty: scalar code only). */
export function simdFeatures(info = systemInfo()): string[] {
  const on = new Set([...info.matchAll(/([A-Z0-9_]+) = 1/g)].map((m) => m[1]));
  return ['AVX', 'AVX2', 'AVX512', 'FMA', 'F16C', 'NEON', 'ARM_FMA', 'FP16_VA', 'WASM_SIMD'].filter((f) => on.has(f));
}

/** Vector instructions that matter for whisper.cpp's speed on this architecture. */
export function hasUsefulSimd(features: string[], arch = process.arch): boolean {
  if (arch === 'x64' || arch === 'ia32') return features.includes('AVX2') || features.includes('AVX512');
  if (arch === 'arm64' || arch === 'arm') return features.includes('NEON');
  return features.length > 0;
}

/** whisper.cpp's last log lines (it logs to a ring buffer; WHISPER_NATIVE_LOG=1 echoes them). */
export function nativeLog(): string[] {
  return loadAddon().logTail();
}

/** One model in memory; every decoding state made from it shares its weights. */
export class NativeModel {
  private constructor(
    private readonly lib: Addon,
    private handle: Handle | null,
    readonly multilingual: boolean,
  ) {}

  /** Synchronous: blocks the event loop for the load. */
  static load(file: string, gpu = false): NativeModel {
    const lib = loadAddon();
    let handle: Handle;
    try {
      handle = lib.loadModel(file, gpu);
    } catch (err) {
      const errors = lib
        .logTail()
        .slice(-20)
        .filter((l) => l.startsWith('error:'))
        .slice(-3)
        .map((l) => l.slice(7));
      throw new Error(errors.length ? errors.join('; ') : (err as Error).message);
    }
    return new NativeModel(lib, handle, lib.isMultilingual(handle));
  }

  /** A decoding state (KV caches and compute buffers, tens of MiB) for one worker. */
  newState(): NativeState {
    if (!this.handle) throw new Error('whisper model is freed');
    return new NativeState(this.lib, this.lib.newState(this.handle), () => this.handle);
  }

  /** Frees the weights; every state must be freed first and no pass may be running. */
  free(): void {
    if (this.handle) this.lib.freeModel(this.handle);
    this.handle = null;
  }
}

export class NativeState {
  constructor(
    private readonly lib: Addon,
    private handle: Handle | null,
    private readonly model: () => Handle | null,
  ) {}

  /** One whisper_full pass over 16 kHz mono float audio, off the event loop. */
  transcribe(pcm: Float32Array, opts: NativePassOptions): Promise<NativeResult> {
    const model = this.model();
    if (!this.handle || !model) return Promise.reject(new Error('whisper state is freed'));
    const state = this.handle;
    return new Promise((resolve, reject) => {
      this.lib.transcribe(model, state, pcm, opts, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  free(): void {
    if (this.handle) this.lib.freeState(this.handle);
    this.handle = null;
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]
    .slice(0, 200);
}
