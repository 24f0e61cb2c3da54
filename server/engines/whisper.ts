// The `whisper` engine: whisper.cpp through @fugood/whisper.node, made streaming by running
// it repeatedly over the utterance's buffered audio under the LocalAgreement-2 policy
// (local-agreement.ts). One model (native context) is shared by all sessions; passes are
// queued so only one runs at a time — whisper.cpp's context holds one decoding state, and
// queueing in JS keeps waiting passes from each occupying a libuv pool thread.

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
import {
  acquireNativeLog,
  loadBinding,
  logMark,
  logSince,
  releaseNativeLog,
  type Backend,
  type LoadedBinding,
  type NativeContext,
  type NativeResult,
  type NativeTranscribeOptions,
} from './whisper-binding.ts';

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
  /** GPU build to load; falls back to CPU with a notice when it cannot be loaded. */
  gpu?: 'cuda' | 'vulkan' | null;
  /** Threads per pass; default min(8, CPU count). */
  threads?: number;
  /** Streaming policy overrides (buffer length, forced commit, prompt size...). */
  policy?: Partial<Omit<PolicyOptions, 'language' | 'sampleRate'>>;
}

export interface WhisperEngine extends Engine {
  /** Build actually running inference. */
  readonly backend: Backend;
  /** Something the user should know: GPU fallback, a model without weights. */
  readonly notice?: string;
}

export class UnsupportedLanguageError extends Error {
  readonly code = 'unsupported_language';
}

export async function createWhisperEngine(opts: WhisperEngineOptions): Promise<WhisperEngine> {
  const file = resolveModelFile(opts.modelPath);
  let header: ModelHeader;
  try {
    header = await readModelHeader(file);
  } catch (err) {
    throw new EngineUnavailableError('whisper', (err as Error).message);
  }

  let binding: LoadedBinding;
  try {
    binding = loadBinding(opts.gpu ?? null);
  } catch (err) {
    throw new EngineUnavailableError('whisper', (err as Error).message);
  }
  acquireNativeLog(binding.module);

  const mark = logMark();
  let ctx: NativeContext;
  try {
    // Synchronous in the binding: blocks the event loop for the load (~0.1-1 s by size).
    ctx = new binding.module.WhisperContext({ filePath: file, useGpu: binding.backend !== 'cpu' });
  } catch (err) {
    const errors = (await logSince(mark)).filter((l) => l.level === 'error').map((l) => l.text);
    releaseNativeLog(binding.module);
    const why = errors.length ? errors.join('; ') : (err as Error).message;
    throw new EngineUnavailableError('whisper', `could not load model ${file}: ${why}`);
  }

  const notices = binding.notice ? [binding.notice] : [];
  const log = await logSince(mark, binding.backend !== 'cpu' ? 30 : 0);
  if (binding.backend !== 'cpu' && log.some((l) => /no GPU found/i.test(l.text))) {
    notices.push(`whisper.cpp ${binding.backend} build loaded but found no GPU; running on CPU`);
  }
  // The native log arrives asynchronously and may come after this point, so the file's size
  // decides too: the smallest real model (tiny q5_1) is ~31 MB, the test models ~0.6 MB.
  if (statSync(file).size < 8 * 2 ** 20 || log.some((l) => /no tensors loaded/i.test(l.text))) {
    notices.push(`model ${file} has no weights (a test model); it transcribes nothing`);
  }
  for (const n of notices) console.warn(`[whisper] ${n}`);

  const threads = opts.threads ?? Math.max(1, Math.min(8, availableParallelism()));
  return new WhisperEngineImpl(ctx, binding, file, header, threads, opts.policy ?? {}, notices.join('; ') || undefined);
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

class WhisperEngineImpl implements WhisperEngine {
  readonly info: EngineInfo;
  readonly backend: Backend;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ctx: NativeContext,
    private readonly binding: LoadedBinding,
    file: string,
    readonly header: ModelHeader,
    readonly threads: number,
    private readonly policy: Partial<PolicyOptions>,
    readonly notice: string | undefined,
  ) {
    this.backend = binding.backend;
    this.info = { name: 'whisper', model: modelNameOf(file), languages: header.multilingual ? 'multi' : ['en'] };
  }

  async createRecognizer(opts: RecognizerOptions): Promise<Recognizer> {
    if (this.closed) throw new Error('whisper engine is closed');
    const language = this.resolveLanguage(opts.language);
    return new WhisperRecognizer(this, new LocalAgreement({ ...this.policy, language, sampleRate: SAMPLE_RATE }));
  }

  /** 'auto' or a whisper language code for this model; throws for one it cannot do. */
  resolveLanguage(requested: string): string {
    const req = (requested || 'auto').trim().toLowerCase();
    if (!this.header.multilingual) {
      if (req === 'auto' || req === 'en' || req.startsWith('en-')) return 'en';
      throw new UnsupportedLanguageError(`model ${this.info.model} is English-only; it cannot transcribe "${requested}"`);
    }
    if (req === 'auto') return 'auto';
    const primary = req.split('-')[0];
    const code = ALIASES[primary] ?? primary;
    const ok = WHISPER_LANGUAGES.includes(code) && (code !== 'yue' || this.header.nVocab >= 51866);
    if (!ok) throw new UnsupportedLanguageError(`Whisper cannot transcribe language "${requested}"`);
    return code;
  }

  /** Runs one transcription, after those already queued. */
  transcribe(pcm: Int16Array, opts: NativeTranscribeOptions): Promise<NativeResult> {
    const run = async () => {
      if (this.closed) throw new Error('whisper engine is closed');
      const bytes = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer;
      const res = await this.ctx.transcribeData(bytes, { maxThreads: this.threads, ...opts }).promise;
      if (res.isAborted) throw new Error('whisper transcription was aborted');
      return res;
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.ctx.release();
    releaseNativeLog(this.binding.module);
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
    const pass = await this.runPass(false);
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
    const res = await this.engine.transcribe(input, {
      language: this.policy.passLanguage(),
      prompt: this.policy.prompt(),
      temperature: 0,
      temperatureInc: final ? 0.2 : 0,
    });
    return {
      samples,
      ...(res.language ? { language: res.language } : {}),
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
