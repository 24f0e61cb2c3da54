// The `sphinx` engine: CMU PocketSphinx (Debian's en-us model) behind the Engine interface.
// Decoding runs in a small pool of worker threads (sphinx-worker.ts); each recognizer is
// pinned to the least-loaded worker when created and talks to its decoder by message.

import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EngineUnavailableError, type Engine, type EngineInfo, type Hypothesis, type Recognizer, type RecognizerOptions } from './engine.ts';
import { baseLanguage } from '../../protocol/languages.ts';
import { DEFAULT_DECODER_OPTIONS, DEFAULT_MODEL_DIR } from './sphinx-ffi.ts';
import type { SphinxReply, SphinxRequest, SphinxWorkerData } from './sphinx-worker.ts';

export interface SphinxEngineOptions {
  /** Worker threads (default: number of CPU cores, at least 1). */
  workers?: number;
  /** Directory holding en-us/, en-us.lm.bin and cmudict-en-us.dict. */
  modelDir?: string;
  /** PocketSphinx options overriding the tuned defaults, e.g. { '-beam': '1e-40' }. */
  decoderOptions?: Record<string, string>;
}

const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_GRACE_MS = 2_000;

/** Distributive Omit, so each request variant keeps its own fields. */
type RequestBody = SphinxRequest extends infer R ? (R extends SphinxRequest ? Omit<R, 'seq'> : never) : never;

/** tsx's ESM registration API, resolved from here so the server's cwd does not matter. */
function tsxApiUrl(): string {
  try {
    if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  } catch {
    // fall through: not every runner implements import.meta.resolve
  }
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(path.join(path.dirname(pkg), 'dist/esm/api/index.mjs')).href;
}

/**
 * A .ts worker needs a TypeScript loader in its own thread: neither vitest's transform nor the
 * parent's tsx hooks reach it, and on Node 20 `execArgv: ['--import', 'tsx']` does not apply
 * to the worker's entry module. So a tiny eval'd bootstrap registers tsx, then imports it.
 * Compiled to .js, the worker needs nothing.
 */
function spawnWorker(data: SphinxWorkerData): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./sphinx-worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData: data });
  }
  return new Worker(new URL('./sphinx-worker.js', import.meta.url), { workerData: data });
}

class SphinxWorker {
  /** Open recognizers: the pool's load measure. */
  load = 0;
  readonly ready: Promise<void>;
  private started = false;
  private dead: Error | null = null;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void }>();
  private readonly worker: Worker;

  constructor(data: SphinxWorkerData, onDeath: (w: SphinxWorker) => void) {
    this.worker = spawnWorker(data);
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new Error(`sphinx worker did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
        settle(err);
        this.die(err);
        void this.worker.terminate();
      }, STARTUP_TIMEOUT_MS);
      const settle = (err: Error | null) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      this.worker.on('message', (m: SphinxReply) => {
        if (m.type === 'ready') {
          this.started = true;
          settle(null);
          this.worker.unref(); // idle workers must not keep the process alive
        } else if (m.type === 'startup-failed') {
          const err = m.unavailable ? new EngineUnavailableError('sphinx', m.message) : new Error(m.message);
          settle(err);
          this.die(err);
        } else {
          const p = this.pending.get(m.seq);
          if (!p) return;
          this.pending.delete(m.seq);
          if (this.pending.size === 0) this.worker.unref();
          if (m.ok) p.resolve(m.text);
          else p.reject(new Error(`sphinx: ${m.message}`));
        }
      });
      // Only a worker that had started is replaced: one failing at startup would fail again.
      const lost = (err: Error) => {
        settle(err);
        const replace = this.started && !this.dead;
        this.die(err);
        if (replace) onDeath(this);
      };
      this.worker.on('error', (e) => lost(new Error(`sphinx worker failed: ${e.message}`)));
      this.worker.on('exit', (code) => lost(new Error(`sphinx worker exited (code ${code})`)));
    });
    this.ready.catch(() => {}); // observed by the pool; never an unhandled rejection
  }

  get alive(): boolean {
    return this.dead === null;
  }

  request(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<string> {
    if (this.dead) return Promise.reject(this.dead);
    const seq = ++this.seq;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref(); // work in flight keeps the process alive
      this.worker.postMessage({ ...body, seq } as SphinxRequest, transfer);
    });
  }

  /** Frees native decoders, then stops the thread. */
  async close(): Promise<void> {
    if (this.alive) {
      const grace = new Promise<void>((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref());
      await Promise.race([this.request({ op: 'shutdown' }).catch(() => {}), grace]);
    }
    this.die(new Error('sphinx engine closed'));
    await this.worker.terminate();
  }

  private die(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker.unref();
  }
}

class SphinxRecognizer implements Recognizer {
  private closed = false;

  constructor(
    private readonly worker: SphinxWorker,
    private readonly id: number,
  ) {}

  async accept(pcm: Int16Array): Promise<void> {
    this.check();
    if (pcm.length === 0) return;
    // A copy we can transfer: the caller's view may share a larger (pooled) buffer.
    const copy = pcm.slice();
    await this.worker.request({ op: 'accept', decoder: this.id, pcm: copy }, [copy.buffer as ArrayBuffer]);
  }

  async partial(): Promise<Hypothesis> {
    this.check();
    return { text: await this.worker.request({ op: 'partial', decoder: this.id }), language: 'en' };
  }

  async finish(): Promise<Hypothesis> {
    this.check();
    return { text: await this.worker.request({ op: 'finish', decoder: this.id }), language: 'en' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.worker.load--;
    // A dead worker already lost the decoder; nothing left to free.
    await this.worker.request({ op: 'close', decoder: this.id }).catch(() => {});
  }

  private check(): void {
    if (this.closed) throw new Error('sphinx recognizer is closed');
  }
}

export async function createSphinxEngine(opts: SphinxEngineOptions = {}): Promise<Engine> {
  const wanted = opts.workers ?? os.availableParallelism();
  const count = Number.isFinite(wanted) ? Math.max(1, Math.floor(wanted)) : 1;
  const data: SphinxWorkerData = {
    modelDir: opts.modelDir ?? DEFAULT_MODEL_DIR,
    options: { ...DEFAULT_DECODER_OPTIONS, ...opts.decoderOptions },
  };
  let closed = false;
  let nextDecoder = 0;
  const workers: SphinxWorker[] = [];
  // A worker that dies later is replaced; its own recognizers get errors from then on.
  const respawn = (dead: SphinxWorker) => {
    const i = workers.indexOf(dead);
    if (i >= 0 && !closed) workers[i] = new SphinxWorker(data, respawn);
  };
  for (let i = 0; i < count; i++) workers.push(new SphinxWorker(data, respawn));

  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    closed = true;
    await Promise.all(workers.map((w) => w.close()));
    if (err instanceof EngineUnavailableError) throw err;
    throw new EngineUnavailableError('sphinx', (err as Error).message);
  }

  const info: EngineInfo = { name: 'sphinx', model: 'en-us (CMU PocketSphinx)', languages: ['en'] };

  return {
    info,
    async createRecognizer({ language }: RecognizerOptions): Promise<Recognizer> {
      if (closed) throw new Error('sphinx engine is closed');
      if (language !== 'auto' && baseLanguage(language) !== 'en') {
        throw new Error(`sphinx only transcribes English (en); "${language}" was requested`);
      }
      // Least open recognizers first; ties go to the lower index.
      const worker = workers.reduce((best, w) => (w.load < best.load ? w : best));
      worker.load++;
      const id = ++nextDecoder;
      try {
        await worker.ready;
        await worker.request({ op: 'open', decoder: id });
      } catch (err) {
        worker.load--;
        throw err;
      }
      return new SphinxRecognizer(worker, id);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
