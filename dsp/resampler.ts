// The one streaming sample-rate converter of the product: the capture worklet (tab audio at
// 44.1/48 kHz → 16 kHz, causal) and the server (clients' 8–48 kHz PCM → 16 kHz, zero delay)
// both run it. A real anti-aliasing filter (dsp/kaiser.ts) evaluated as a polyphase bank;
// pure (no Web Audio, DOM or Node) and allocation-free per call once its buffers have grown,
// so it is fit for the audio render thread.
import { designPolyphase, type FilterOptions, type ResamplerDesign } from './kaiser.ts';

export type { FilterOptions, ResamplerDesign } from './kaiser.ts';

/**
 * Where output samples sit in time:
 * - `causal` (default; the worklet): output n is the input at time n·in/out − taps/2. Outputs
 *   come as soon as their newest input arrives; nothing is held back, so there is nothing to flush.
 * - `centered` (the server): output n is the input at exactly n·in/out, as if the input had
 *   zeros before its first sample; each output waits for taps/2 input samples of look-ahead,
 *   which `flush()` releases at the end of the stream.
 * Either way, after N inputs (and a flush) exactly ceil(N·out/in) outputs have been produced.
 */
export type Alignment = 'causal' | 'centered';

export interface ResamplerOptions extends FilterOptions {
  alignment?: Alignment;
}

/**
 * Streaming resampler from any input rate to `outputRate` (default 16 kHz).
 *
 * Position is tracked with integers, so there is no drift: 48 000 in → 16 000 out. Output
 * depends only on the input stream, not on how it was split into blocks. Equal rates bypass
 * the filter (bit-exact copy).
 */
export class StreamingResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly design: ResamplerDesign;

  private readonly bypass: boolean;
  private readonly taps: number;
  private readonly l: number;
  private readonly m: number;
  private readonly stepInt: number;
  private readonly stepRem: number;
  /** Rows of `taps` coefficients (one per phase; P+1 rows when interpolating), each time-reversed. */
  private readonly table: Float32Array;
  private readonly exact: boolean;
  private readonly phaseCount: number;
  /** Zeros of history at reset: taps−1 (causal) or taps/2−1 (centered: no delay, look-ahead). */
  private readonly historyZeros: number;
  private readonly lookahead: number;

  /** Input history + pending samples; buf[pos] is the newest sample the next output needs. */
  private buf: Float32Array;
  private filled = 0;
  private pos = 0;
  /** Phase numerator in [0, l). */
  private rem = 0;

  constructor(inputRate: number, outputRate = 16000, options: ResamplerOptions = {}) {
    if (!Number.isFinite(inputRate) || inputRate <= 0 || !Number.isInteger(inputRate)) {
      throw new RangeError(`inputRate must be a positive integer, got ${inputRate}`);
    }
    if (!Number.isFinite(outputRate) || outputRate <= 0 || !Number.isInteger(outputRate)) {
      throw new RangeError(`outputRate must be a positive integer, got ${outputRate}`);
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.bypass = inputRate === outputRate;
    if (this.bypass) {
      this.taps = 1;
      this.l = this.m = 1;
      this.stepInt = 1;
      this.stepRem = 0;
      this.exact = true;
      this.phaseCount = 1;
      this.table = new Float32Array([1]);
      this.historyZeros = this.lookahead = 0;
      this.buf = new Float32Array(0);
      this.design = {
        inputRate, outputRate, l: 1, m: 1, taps: 1, phases: 1, exact: true,
        cutoffHz: outputRate / 2, passbandEdgeHz: outputRate / 2, stopbandEdgeHz: outputRate / 2,
        kaiserBeta: 0, attenuationDb: Infinity, delayInputSamples: 0, lookaheadInputSamples: 0,
      };
      return;
    }

    const { design, table } = designPolyphase(inputRate, outputRate, options);
    this.taps = design.taps;
    this.l = design.l;
    this.m = design.m;
    this.stepInt = Math.floor(design.m / design.l);
    this.stepRem = design.m % design.l;
    this.exact = design.exact;
    this.phaseCount = design.phases;
    this.table = table;
    const half = design.taps / 2;
    const centered = options.alignment === 'centered';
    this.historyZeros = centered ? half - 1 : design.taps - 1;
    this.lookahead = centered ? half : 0;
    this.buf = new Float32Array(design.taps * 2 + 1024);
    this.design = { ...design, delayInputSamples: centered ? 0 : half, lookaheadInputSamples: this.lookahead };
    this.reset();
  }

  /** Forget all history (as if freshly constructed). */
  reset(): void {
    if (this.bypass) return;
    this.buf.fill(0);
    // Zeros of history; output 0 is due once input sample (taps − 1 − historyZeros) arrives.
    this.filled = this.historyZeros;
    this.pos = this.taps - 1;
    this.rem = 0;
  }

  /** Upper bound on how many outputs the next `process` call with `inputLength` samples can write. */
  maxOutput(inputLength: number): number {
    return Math.ceil((inputLength * this.outputRate) / this.inputRate) + 1;
  }

  /** Exactly how many outputs the next `process` call with `inputLength` samples will write. */
  outputLength(inputLength: number): number {
    if (this.bypass) return inputLength;
    // Output k is due while pos + (rem + k·m)/l < filled + inputLength.
    const room = (this.filled + inputLength - this.pos) * this.l - this.rem;
    return room > 0 ? Math.ceil(room / this.m) : 0;
  }

  /**
   * Consume `length` samples of `input` (default all) and write resampled samples into
   * `output` starting at 0. Returns the number written. `output` must hold at least
   * `maxOutput(length)` samples.
   */
  process(input: Float32Array, output: Float32Array, length: number = input.length): number {
    if (this.bypass) {
      if (output.length < length) throw new RangeError('output buffer too small');
      output.set(length === input.length ? input : input.subarray(0, length));
      return length;
    }
    if (output.length < this.maxOutput(length)) throw new RangeError('output buffer too small');
    const start = this.grow(length);
    const buf = this.buf;
    for (let k = 0; k < length; k++) buf[start + k] = input[k];
    return this.run(output);
  }

  /**
   * End of stream: release the outputs still waiting for look-ahead (centered alignment; none
   * when causal), so the stream's total is exactly ceil(N·out/in), then reset for a new stream.
   * `output` must hold `maxOutput(design.lookaheadInputSamples)` samples. Returns the number written.
   */
  flush(output: Float32Array): number {
    if (this.bypass) return 0;
    if (output.length < this.maxOutput(this.lookahead)) throw new RangeError('output buffer too small');
    const start = this.grow(this.lookahead);
    this.buf.fill(0, start, start + this.lookahead);
    const n = this.run(output);
    this.reset();
    return n;
  }

  /** Makes room for `length` more samples (grows only when a larger block than ever before arrives); returns where they go. */
  private grow(length: number): number {
    const start = this.filled;
    const need = start + length;
    if (need > this.buf.length) {
      const grown = new Float32Array(Math.max(need, this.buf.length * 2));
      grown.set(this.buf.subarray(0, start));
      this.buf = grown;
    }
    this.filled = need;
    return start;
  }

  /** Writes every output whose window is complete, then drops history no future output needs. */
  private run(output: Float32Array): number {
    const buf = this.buf;
    const taps = this.taps;
    const taps4 = taps & ~3;
    const table = this.table;
    const l = this.l;
    const stepInt = this.stepInt;
    const stepRem = this.stepRem;
    const filled = this.filled;
    let pos = this.pos;
    let rem = this.rem;
    let n = 0;

    if (this.exact) {
      while (pos < filled) {
        const c = rem * taps;
        const s = pos - taps + 1;
        // Four accumulators: breaks the add dependency chain (taps is even, so ≥ 2 left over at most).
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let k = 0;
        for (; k < taps4; k += 4) {
          a0 += table[c + k] * buf[s + k];
          a1 += table[c + k + 1] * buf[s + k + 1];
          a2 += table[c + k + 2] * buf[s + k + 2];
          a3 += table[c + k + 3] * buf[s + k + 3];
        }
        for (; k < taps; k++) a0 += table[c + k] * buf[s + k];
        output[n++] = a0 + a1 + (a2 + a3);
        pos += stepInt;
        rem += stepRem;
        if (rem >= l) {
          rem -= l;
          pos++;
        }
      }
    } else {
      const p = this.phaseCount;
      while (pos < filled) {
        const x = (rem * p) / l;
        const q = Math.floor(x);
        const a = x - q;
        const c0 = q * taps;
        const c1 = c0 + taps;
        const s = pos - taps + 1;
        let acc0 = 0;
        let acc1 = 0;
        for (let k = 0; k < taps; k++) {
          const v = buf[s + k];
          acc0 += table[c0 + k] * v;
          acc1 += table[c1 + k] * v;
        }
        output[n++] = acc0 + a * (acc1 - acc0);
        pos += stepInt;
        rem += stepRem;
        if (rem >= l) {
          rem -= l;
          pos++;
        }
      }
    }

    // Drop samples no future output can reach; keep the last taps-1 (or fewer if we skipped past them).
    const drop = Math.min(pos - taps + 1, filled);
    if (drop > 0) {
      buf.copyWithin(0, drop, filled);
      this.filled = filled - drop;
      pos -= drop;
    }
    this.pos = pos;
    this.rem = rem;
    return n;
  }
}

/** Convenience for tests and offline use: resample a whole signal in one call, flushed (allocates). */
export function resampleAll(
  input: Float32Array,
  inputRate: number,
  outputRate = 16000,
  options?: ResamplerOptions,
): Float32Array {
  const r = new StreamingResampler(inputRate, outputRate, options);
  const out = new Float32Array(r.maxOutput(input.length) + r.maxOutput(r.design.lookaheadInputSamples));
  let n = r.process(input, out);
  n += r.flush(out.subarray(n));
  return out.slice(0, n);
}
