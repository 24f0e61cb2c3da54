// Streaming sample-rate converter for the capture worklet: tab audio arrives at the
// AudioContext's rate (usually 44.1 or 48 kHz) and the transcription server wants 16 kHz.
// Plain decimation or linear interpolation would fold everything between 8 kHz and the
// input Nyquist back into the speech band, so this is a real anti-aliasing filter: a
// Kaiser-windowed sinc evaluated as a polyphase bank with precomputed per-phase taps.
// It is pure (no Web Audio, no DOM) so it runs unchanged in an AudioWorklet and in
// Node unit tests, and it allocates nothing per call once its buffers have grown.

/** Options for the filter design; defaults meet ±0.01 dB to 6.6 kHz and ≥ 75 dB from 8 kHz. */
export interface ResamplerOptions {
  /** Stopband attenuation the Kaiser design targets, in dB. Default 75. */
  attenuationDb?: number;
  /**
   * Passband edge as a fraction of the lower Nyquist frequency (min(in, out) / 2).
   * Default 0.825 (6.6 kHz for a 16 kHz output). The stopband starts at that Nyquist.
   */
  passbandFraction?: number;
  /**
   * Largest number of exact polyphase phases to tabulate (the reduced L of L/M).
   * Rates whose ratio needs more (odd rates such as 47999 Hz) use a table of
   * `interpolatedPhases` phases with linear interpolation between neighbours.
   * Default 1024 — every common rate (8k, 11.025k, 22.05k, 32k, 44.1k, 48k, 88.2k,
   * 96k, 176.4k, 192k) stays exact.
   */
  maxExactPhases?: number;
  /** Phase-table size for the interpolated fallback. Default 512. */
  interpolatedPhases?: number;
}

/** The designed low-pass, exposed for tests and diagnostics. */
export interface ResamplerDesign {
  inputRate: number;
  outputRate: number;
  /** Reduced ratio: output n sits at input time n * m / l. */
  l: number;
  m: number;
  /** Taps per phase (the filter length in input samples). */
  taps: number;
  /** Number of tabulated phases. */
  phases: number;
  /** True when each output uses an exact phase (no coefficient interpolation). */
  exact: boolean;
  /** -6 dB cutoff in Hz. */
  cutoffHz: number;
  passbandEdgeHz: number;
  stopbandEdgeHz: number;
  kaiserBeta: number;
  attenuationDb: number;
  /** Group delay in input samples (the filter is causal: output lags input by this). */
  delayInputSamples: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
  return 0;
}

/**
 * Streaming resampler from any input rate to `outputRate` (default 16 kHz).
 *
 * Output sample n is the band-limited input evaluated at input time n·M/L − delay, where
 * M/L = inputRate/outputRate reduced; position is tracked with integers, so there is no
 * drift: after N input samples exactly ceil(N·outputRate/inputRate) outputs have been
 * produced (48 000 in → 16 000 out). Output depends only on the input stream, not on how
 * it was split into blocks. Equal rates bypass the filter (bit-exact copy).
 */
export class StreamingResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly design: ResamplerDesign;

  private readonly bypass: boolean;
  private readonly taps: number;
  private readonly l: number;
  private readonly stepInt: number;
  private readonly stepRem: number;
  /** Rows of `taps` coefficients (one per phase; P+1 rows when interpolating), each time-reversed so the dot product walks forward. */
  private readonly table: Float32Array;
  private readonly exact: boolean;
  private readonly phaseCount: number;

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

    const g = gcd(inputRate, outputRate);
    const l = outputRate / g;
    const m = inputRate / g;
    this.l = l;
    this.stepInt = Math.floor(m / l);
    this.stepRem = m % l;

    const attenuationDb = options.attenuationDb ?? 75;
    const passFrac = options.passbandFraction ?? 0.825;
    const nyquist = Math.min(inputRate, outputRate) / 2;
    const stopHz = nyquist;
    const passHz = nyquist * passFrac;
    const cutoffHz = (passHz + stopHz) / 2;
    const beta = kaiserBeta(attenuationDb);

    this.bypass = inputRate === outputRate;
    if (this.bypass) {
      this.taps = 1;
      this.exact = true;
      this.phaseCount = 1;
      this.table = new Float32Array([1]);
      this.buf = new Float32Array(0);
      this.design = {
        inputRate, outputRate, l, m, taps: 1, phases: 1, exact: true,
        cutoffHz: outputRate / 2, passbandEdgeHz: outputRate / 2, stopbandEdgeHz: outputRate / 2,
        kaiserBeta: 0, attenuationDb: Infinity, delayInputSamples: 0,
      };
      return;
    }

    // Kaiser length estimate (transition width normalised to the input rate), rounded up to
    // an even count so the window spans exactly ±taps/2 input samples for every phase.
    const dw = (2 * Math.PI * (stopHz - passHz)) / inputRate;
    let taps = Math.ceil((attenuationDb - 7.95) / (2.285 * dw)) + 1;
    if (taps % 2 === 1) taps++;
    taps = Math.max(taps, 4);
    this.taps = taps;

    const maxExact = options.maxExactPhases ?? 1024;
    this.exact = l <= maxExact;
    // Exact: one row per phase p/l. Interpolated: rows at q/P for q = 0..P (P+1 rows).
    this.phaseCount = this.exact ? l : (options.interpolatedPhases ?? 512);
    const rows = this.exact ? l : this.phaseCount + 1;

    const half = taps / 2;
    const fcNorm = cutoffHz / inputRate; // cycles per input sample
    const i0Beta = besselI0(beta);
    const table = new Float32Array(rows * taps);
    const row = new Float64Array(taps);
    for (let r = 0; r < rows; r++) {
      const frac = r / (this.exact ? l : this.phaseCount);
      let sum = 0;
      for (let j = 0; j < taps; j++) {
        // Tap j multiplies x[i - j]; its distance from the (delayed) output instant.
        const t = half - j - frac;
        const u = t / half;
        const w = Math.abs(u) > 1 ? 0 : besselI0(beta * Math.sqrt(Math.max(0, 1 - u * u))) / i0Beta;
        const arg = 2 * fcNorm * t;
        const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
        const h = 2 * fcNorm * sinc * w;
        row[j] = h;
        sum += h;
      }
      // Unity DC gain for every phase (removes phase-dependent gain ripple).
      for (let j = 0; j < taps; j++) table[r * taps + (taps - 1 - j)] = row[j] / sum;
    }
    this.table = table;

    this.buf = new Float32Array(taps * 2 + 1024);
    this.design = {
      inputRate, outputRate, l, m, taps, phases: this.phaseCount, exact: this.exact,
      cutoffHz, passbandEdgeHz: passHz, stopbandEdgeHz: stopHz, kaiserBeta: beta,
      attenuationDb, delayInputSamples: half,
    };
    this.reset();
  }

  /** Forget all history (as if freshly constructed). */
  reset(): void {
    if (this.bypass) return;
    this.buf.fill(0);
    // taps-1 zeros of history, then output 0 needs input sample 0.
    this.filled = this.taps - 1;
    this.pos = this.taps - 1;
    this.rem = 0;
  }

  /** Upper bound on how many outputs the next `process` call with `inputLength` samples can write. */
  maxOutput(inputLength: number): number {
    return Math.ceil((inputLength * this.outputRate) / this.inputRate) + 1;
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

    // Append the block (grows the buffer only when a larger block than ever before arrives).
    const need = this.filled + length;
    if (need > this.buf.length) {
      const grown = new Float32Array(Math.max(need, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.filled));
      this.buf = grown;
    }
    const buf = this.buf;
    for (let k = 0; k < length; k++) buf[this.filled + k] = input[k];
    this.filled = need;

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

/** Convenience for tests and offline use: resample a whole signal in one call (allocates). */
export function resampleAll(
  input: Float32Array,
  inputRate: number,
  outputRate = 16000,
  options?: ResamplerOptions,
): Float32Array {
  const r = new StreamingResampler(inputRate, outputRate, options);
  const out = new Float32Array(r.maxOutput(input.length));
  const n = r.process(input, out);
  return out.slice(0, n);
}
