// The `whisper` engine: whisper.cpp through our addon (whisper-binding.ts), made streaming by
// running it repeatedly over the utterance's buffered audio under the LocalAgreement-2 policy
// (local-agreement.ts). One model is loaded once; a bounded pool of decoding states (workers)
// runs passes for many sessions in parallel (whisper-scheduler.ts), each pass sized to its
// audio (whisper-sizing.ts).

import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import {
  EngineUnavailableError,
  type Engine,
  type EngineInfo,
  type Hypothesis,
  type Recognizer,
  type RecognizerOptions,
} from './engine.ts';
import { DEFAULT_SILENCE_DB, frameLevelsDb, peakDb } from './hallucination.ts';
import { LocalAgreement, type Pass, type PolicyOptions } from './local-agreement.ts';
import { findModel, modelNameOf, readModelHeader, type ModelHeader } from './models.ts';
import { NativeModel, simdFeatures, type Backend, type NativePassOptions, type NativeResult } from './whisper-binding.ts';
import { PassScheduler, SupersededError } from './whisper-scheduler.ts';
import { passSize } from './whisper-sizing.ts';
import { baseLanguage } from '../../protocol/languages.ts';

const SAMPLE_RATE = 16000;
/** Passes on less audio than this are not worth running; the caption just waits. */
const MIN_PASS_SECONDS = 0.5;
/** whisper.cpp refuses input under 1 s; shorter buffers are padded with silence. */
const MIN_INPUT_SAMPLES = Math.ceil(1.1 * SAMPLE_RATE);

/** Languages whisper.cpp knows ('yue' only in large-v3 vocabularies). */
export const WHISPER_LANGUAGES: readonly string[] = (
  'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la ' +
  'mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be ' +
  'tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue'
).split(' ');

// ISO codes Whisper spells differently.
const ALIASES: Record<string, string> = { nb: 'no', jv: 'jw', iw: 'he', in: 'id', fil: 'tl' };

export interface WhisperEngineOptions {
  /** Path to a ggml model file (a catalog name already in the cache folder also works). */
  modelPath: string;
  /** GPU requested; this build is CPU-only, so it runs on CPU and says so in `notice`. */
  gpu?: 'cuda' | 'vulkan' | null;
  /** CPU threads all passes share; default min(8, CPU count). */
  threads?: number;
  /** Passes that may run at once (decoding states over the one model); default 2-3. */
  workers?: number;
  /** Encode the full 30 s window on every pass (no audio_ctx sizing): for comparisons. */
  fullWindow?: boolean;
  /** Streaming policy overrides (buffer length, forced commit, prompt size...). */
  policy?: Partial<Omit<PolicyOptions, 'language' | 'sampleRate'>>;
  /**
   * Benches with weightless models: make every pass decode exactly this many tokens per
   * second of audio (a weightless model would otherwise stop at once), as real speech would.
   */
  benchTokensPerSecond?: number;
}

/** One decoding state: what the scheduler hands a pass. Our NativeState, or a bench's stand-in. */
export interface PassWorker {
  transcribe(pcm: Float32Array, opts: NativePassOptions): Promise<NativeResult>;
  free(): void;
}

export interface WhisperEngine extends Engine {
  /** Build actually running inference. */
  readonly backend: Backend;
  /** SIMD instruction sets the running build uses (from whisper.cpp's system info). */
  readonly simd: string[];
  /** Something the user should know: GPU fallback, a model without weights. */
  readonly notice?: string;
  readonly threads: number;
  readonly workers: number;
  /** Passes run and waiting, for benches and /health. */
  stats(): ReturnType<PassScheduler<PassWorker>['stats']>;
}

export class UnsupportedLanguageError extends Error {
  readonly code = 'unsupported_language';
}

/** Default pool: two passes at once even on small machines (so one long pass never blocks everyone), three at most. */
export function defaultWorkers(cores = availableParallelism()): number {
  return Math.min(3, Math.max(2, cores));
}

export async function createWhisperEngine(opts: WhisperEngineOptions): Promise<WhisperEngine> {
  const file = resolveModelFile(opts.modelPath);
  let header: ModelHeader;
  try {
    header = await readModelHeader(file);
  } catch (err) {
    throw new EngineUnavailableError('whisper', (err as Error).message);
  }

  let model: NativeModel;
  let simd: string[];
  try {
    simd = simdFeatures();
    // Synchronous: blocks the event loop for the load (~0.1-1 s by size).
    model = NativeModel.load(file, false);
  } catch (err) {
    const why = (err as Error).message;
    throw new EngineUnavailableError('whisper', /addon/.test(why) ? why : `could not load model ${file}: ${why}`);
  }

  const notices: string[] = [];
  if (opts.gpu) notices.push(`this whisper.cpp build is CPU-only; ${opts.gpu} not used, running on CPU`);
  // The smallest real model (tiny q5_1) is ~31 MB, the weightless test models ~0.6 MB.
  if (statSync(file).size < 8 * 2 ** 20) notices.push(`model ${file} has no weights (a test model); it transcribes nothing`);
  for (const n of notices) console.warn(`[whisper] ${n}`);

  const workers = Math.max(1, Math.floor(opts.workers ?? defaultWorkers()));
  const states: PassWorker[] = [];
  for (let i = 0; i < workers; i++) states.push(model.newState());
  const threads = opts.threads ?? Math.max(1, Math.min(8, availableParallelism()));
  return new WhisperEngineImpl({
    states,
    freeModel: () => model.free(),
    model: modelNameOf(file),
    header,
    threads,
    backend: 'cpu',
    simd,
    fullWindow: !!opts.fullWindow,
    benchTokensPerSecond: opts.benchTokensPerSecond,
    policy: opts.policy ?? {},
    notice: notices.join('; ') || undefined,
  });
}

function resolveModelFile(modelPath: string): string {
  const direct = (() => {
    try {
      return statSync(modelPath).isFile() ? modelPath : null;
    } catch {
      return null;
    }
  })();
  const file = direct ?? findModel(modelPath);
  if (!file) {
    throw new EngineUnavailableError(
      'whisper',
      `model file not found: ${modelPath}. Download one with "npm run model -- base" and pass its path`,
    );
  }
  return file;
}

export interface EngineParts {
  states: PassWorker[];
  freeModel: () => void;
  model: string;
  header: ModelHeader;
  threads: number;
  backend: Backend;
  simd: string[];
  fullWindow: boolean;
  benchTokensPerSecond?: number;
  policy: Partial<PolicyOptions>;
  notice: string | undefined;
}

/** Exported for benches that run the same engine over another binding's workers. */
export class WhisperEngineImpl implements WhisperEngine {
  readonly info: EngineInfo;
  readonly backend: Backend;
  readonly simd: string[];
  readonly notice: string | undefined;
  readonly threads: number;
  readonly workers: number;
  readonly fullWindow: boolean;
  readonly benchTokensPerSecond: number | undefined;
  private readonly scheduler: PassScheduler<PassWorker>;
  private closed = false;

  constructor(private readonly parts: EngineParts) {
    this.backend = parts.backend;
    this.simd = parts.simd;
    this.notice = parts.notice;
    this.threads = parts.threads;
    this.workers = parts.states.length;
    this.fullWindow = parts.fullWindow;
    this.benchTokensPerSecond = parts.benchTokensPerSecond;
    this.scheduler = new PassScheduler(parts.states);
    this.info = { name: 'whisper', model: parts.model, languages: parts.header.multilingual ? 'multi' : ['en'] };
  }

  async createRecognizer(opts: RecognizerOptions): Promise<Recognizer> {
    if (this.closed) throw new Error('whisper engine is closed');
    const language = this.resolveLanguage(opts.language);
    return new WhisperRecognizer(this, new LocalAgreement({ ...this.parts.policy, language, sampleRate: SAMPLE_RATE }));
  }

  /** 'auto' or a whisper language code for this model; throws for one it cannot do. */
  resolveLanguage(requested: string): string {
    const req = (requested || 'auto').trim().toLowerCase();
    if (!this.parts.header.multilingual) {
      if (req === 'auto' || baseLanguage(req) === 'en') return 'en';
      throw new UnsupportedLanguageError(`model ${this.info.model} is English-only; it cannot transcribe "${requested}"`);
    }
    if (req === 'auto') return 'auto';
    const primary = baseLanguage(req);
    const code = ALIASES[primary] ?? primary;
    const ok = WHISPER_LANGUAGES.includes(code) && (code !== 'yue' || this.parts.header.nVocab >= 51866);
    if (!ok) throw new UnsupportedLanguageError(`Whisper cannot transcribe language "${requested}"`);
    return code;
  }

  /**
   * Runs one pass for `session` on a free worker; a newer pass from the same session replaces
   * this one while it waits (it then rejects with SupersededError). Threads are split among
   * the passes running at the moment this one starts.
   */
  transcribe(session: object, pcm: Float32Array, opts: Omit<NativePassOptions, 'threads'>): Promise<NativeResult> {
    if (this.closed) return Promise.reject(new Error('whisper engine is closed'));
    return this.scheduler.submit(session, ({ worker, running }) => {
      const threads = Math.max(1, Math.floor(this.threads / running));
      return worker.transcribe(pcm, { ...opts, threads });
    });
  }

  cancel(session: object): void {
    this.scheduler.cancel(session);
  }

  stats() {
    return this.scheduler.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const states = await this.scheduler.close();
    for (const s of states) s.free();
    this.parts.freeModel();
  }
}

class WhisperRecognizer implements Recognizer {
  private buf = new Int16Array(SAMPLE_RATE * 10);
  private len = 0;
  /** Audio arrived since the last pass. */
  private dirty = false;
  private ranPass = false;
  private last: Hypothesis = { text: '' };
  private closed = false;
  private readonly silenceDb: number;

  constructor(
    private readonly engine: WhisperEngineImpl,
    private readonly policy: LocalAgreement,
  ) {
    this.silenceDb = policy.opts.silenceDb ?? DEFAULT_SILENCE_DB;
  }

  async accept(pcm: Int16Array): Promise<void> {
    this.assertOpen();
    if (pcm.length === 0) return;
    if (this.len + pcm.length > this.buf.length) {
      const grown = new Int16Array(Math.max(this.buf.length * 2, this.len + pcm.length));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(pcm, this.len);
    this.len += pcm.length;
    this.policy.addAudio(pcm.length);
    this.dirty = true;
  }

  async partial(): Promise<Hypothesis> {
    this.assertOpen();
    if (!this.dirty || this.len < MIN_PASS_SECONDS * SAMPLE_RATE) return this.last;
    let pass: Pass;
    try {
      pass = await this.runPass(false);
    } catch (err) {
      if (err instanceof SupersededError) return this.last; // a newer pass of ours took its place
      throw err;
    }
    const step = this.policy.update(pass);
    this.dropHead(step.dropSamples);
    this.last = { text: step.text, ...(step.language ? { language: step.language } : {}) };
    return this.last;
  }

  async finish(): Promise<Hypothesis> {
    this.assertOpen();
    // Reuse the last pass when no audio came since; otherwise one more, with temperature
    // fallback allowed since latency matters less than accuracy here.
    const pass = this.dirty || (!this.ranPass && this.len > 0) ? await this.runPass(true) : null;
    const final = this.policy.finish(pass);
    this.len = 0;
    this.dirty = false;
    this.ranPass = false;
    this.last = { text: '' };
    return final;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.engine.cancel(this);
    this.buf = new Int16Array(0);
    this.len = 0;
  }

  private async runPass(final: boolean): Promise<Pass> {
    const samples = this.len;
    const pcm = this.buf.subarray(0, samples);
    const levels = frameLevelsDb(pcm);
    this.dirty = false;
    this.ranPass = true;
    if (peakDb(levels, 0, samples / SAMPLE_RATE) < this.silenceDb) return { segments: [], silent: true, samples };

    let input = pcm;
    if (samples < MIN_INPUT_SAMPLES) {
      input = new Int16Array(MIN_INPUT_SAMPLES);
      input.set(pcm);
    }
    const size = passSize(samples / SAMPLE_RATE, final, { fullWindow: this.engine.fullWindow });
    const forced = this.engine.benchTokensPerSecond;
    if (forced) Object.assign(size, { maxTokens: Math.max(1, Math.ceil((forced * samples) / SAMPLE_RATE)), suppressEot: true });
    const res = await this.engine.transcribe(this, toFloat(input), {
      language: this.policy.passLanguage(),
      prompt: this.policy.prompt(),
      temperature: 0,
      ...size,
    });
    return {
      samples,
      ...(res.language && res.language !== 'auto' ? { language: res.language } : {}),
      segments: res.segments.map((s) => {
        const start = s.t0 / 1000;
        const end = s.t1 / 1000;
        return { text: s.text, start, end, peakDb: peakDb(levels, start, end) };
      }),
    };
  }

  private dropHead(n: number): void {
    if (n <= 0) return;
    const k = Math.min(n, this.len);
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('recognizer is closed');
  }
}

function toFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 32768;
  return out;
}
