// Silero VAD v5 (the ONNX file shipped by @ricky0123/vad-web) on onnxruntime-node.
//
// Model interface, checked against session.inputNames/outputNames:
//   input  float32 [B, 64 + 512]  64 samples of context (the previous window's tail) + one window
//   state  float32 [2, B, 128]    recurrent state, carried from one window to the next
//   sr     int64   []             16000
//   output float32 [B, 1]         speech probability;  stateN float32 [2, B, 128]
//
// One InferenceSession serves every stream. onnxruntime-node's run() is async in name only:
// it runs synchronously on the JS thread inside a setImmediate. So windows that several
// streams submit in the same event-loop turn are batched into one run() — batch items are
// independent (bit-identical results) and a batch of 16-50 costs ~0.06 ms/window instead
// of ~0.2 ms for single runs, which matters with 50 sessions on 2 cores.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

export const VAD_SAMPLE_RATE = 16000;
export const VAD_WINDOW = 512; // 32 ms at 16 kHz: the only window size v5 accepts at 16 kHz
const CONTEXT = 64;
const INPUT = CONTEXT + VAD_WINDOW;
const STATE = 2 * 128; // per stream: [2, 1, 128]

export interface SileroVadOptions {
  /** Path to silero_vad_v5.onnx; default: the one inside @ricky0123/vad-web. */
  modelPath?: string;
  /** Most windows per run() (one per stream at a time). Default 64. */
  maxBatch?: number;
}

export interface SileroVadStats {
  windows: number;
  runs: number;
  /** Time spent inside run(), i.e. blocking the event loop. */
  busyMs: number;
}

export function defaultSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@ricky0123/vad-web/package.json');
  return path.join(path.dirname(pkg), 'dist', 'silero_vad_v5.onnx');
}

interface Job {
  input: Float32Array; // INPUT samples
  state: Float32Array; // STATE values, [2,1,128] flattened
  resolve: (r: { prob: number; state: Float32Array }) => void;
  reject: (e: unknown) => void;
}

export class SileroVad {
  readonly stats: SileroVadStats = { windows: 0, runs: 0, busyMs: 0 };
  private queue: Job[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly maxBatch: number,
  ) {}

  static async load(opts: SileroVadOptions = {}): Promise<SileroVad> {
    const modelPath = opts.modelPath ?? defaultSileroModelPath();
    // One thread each: many sessions share 2 cores, and a 576-sample run has nothing to split.
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const want = ['input', 'state', 'sr'];
    if (want.some((n) => !session.inputNames.includes(n)) || !session.outputNames.includes('stateN')) {
      await session.release();
      throw new Error(
        `${modelPath} is not a Silero VAD v5 model (inputs ${session.inputNames.join(',')}; outputs ${session.outputNames.join(',')})`,
      );
    }
    return new SileroVad(session, Math.max(1, opts.maxBatch ?? 64));
  }

  createStream(): VadStream {
    return new VadStream(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('VAD closed'));
    await this.running; // never release the session under a run
    await this.session.release();
  }

  /** @internal One window of one stream; resolved when its batch has run. */
  infer(input: Float32Array, state: Float32Array): Promise<{ prob: number; state: Float32Array }> {
    if (this.closed) return Promise.reject(new Error('VAD closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ input, state, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate: let every stream with audio in this loop turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      const run = this.runBatch(); // never rejects: failures go to the batch's jobs
      this.running = run;
      void run.then(() => {
        this.running = null;
        this.schedule(); // windows that arrived meanwhile form the next batch
      });
    });
  }

  private async runBatch(): Promise<void> {
    const jobs = this.queue.splice(0, this.maxBatch);
    if (jobs.length === 0) return;
    const b = jobs.length;
    const input = new Float32Array(b * INPUT);
    const state = new Float32Array(b * STATE);
    jobs.forEach((j, i) => {
      input.set(j.input, i * INPUT);
      // [2, B, 128]: layer 0 of item i at i*128, layer 1 at (B + i)*128.
      state.set(j.state.subarray(0, 128), i * 128);
      state.set(j.state.subarray(128), (b + i) * 128);
    });
    try {
      const t0 = performance.now();
      const out = await this.session.run({
        input: new ort.Tensor('float32', input, [b, INPUT]),
        state: new ort.Tensor('float32', state, [2, b, 128]),
        sr: this.sr,
      });
      this.stats.busyMs += performance.now() - t0; // approximate: includes run()'s own setImmediate hop
      this.stats.runs++;
      this.stats.windows += b;
      const probs = out.output.data as Float32Array;
      const next = out.stateN.data as Float32Array;
      jobs.forEach((j, i) => {
        const s = new Float32Array(STATE);
        s.set(next.subarray(i * 128, (i + 1) * 128), 0);
        s.set(next.subarray((b + i) * 128, (b + i + 1) * 128), 128);
        j.resolve({ prob: probs[i], state: s });
      });
    } catch (e) {
      for (const j of jobs) j.reject(e);
    }
  }
}

/**
 * One audio stream's VAD: its own recurrent state, context and partial window.
 * Calls are queued, so process() may be called again before the previous one resolved;
 * results come back in call order.
 */
export class VadStream {
  private state: Float32Array = new Float32Array(STATE);
  private context: Float32Array = new Float32Array(CONTEXT);
  private rest: Int16Array = new Int16Array(0); // < VAD_WINDOW samples not yet in a window
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly vad: SileroVad) {}

  /**
   * Appends 16 kHz mono PCM16 of any length; resolves to the speech probability of each
   * 512-sample window it completed, in order (window k covers stream samples [512k, 512k+512)).
   * If it rejects (model error, VAD closed) the stream has lost its place: reset() it.
   */
  process(pcm: Int16Array): Promise<number[]> {
    const copy = pcm.slice(); // the caller may reuse its buffer before our turn comes
    const job = this.chain.then(() => this.run(copy));
    this.chain = job.catch(() => undefined); // a failed call must not poison later ones
    return job;
  }

  /** Forgets state and buffered samples; ordered after calls already made. */
  reset(): void {
    this.chain = this.chain.then(() => {
      this.state = new Float32Array(STATE);
      this.context = new Float32Array(CONTEXT);
      this.rest = new Int16Array(0);
    });
  }

  private async run(pcm: Int16Array): Promise<number[]> {
    let buf = pcm;
    if (this.rest.length > 0) {
      buf = new Int16Array(this.rest.length + pcm.length);
      buf.set(this.rest);
      buf.set(pcm, this.rest.length);
    }
    const probs: number[] = [];
    let off = 0;
    for (; off + VAD_WINDOW <= buf.length; off += VAD_WINDOW) {
      const input = new Float32Array(INPUT);
      input.set(this.context);
      for (let i = 0; i < VAD_WINDOW; i++) input[CONTEXT + i] = buf[off + i] / 32768;
      this.context = input.slice(INPUT - CONTEXT);
      const r = await this.vad.infer(input, this.state);
      this.state = r.state;
      probs.push(r.prob);
    }
    this.rest = buf.slice(off);
    return probs;
  }
}
