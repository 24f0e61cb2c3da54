// The one low-pass design both resamplers used to carry: a Kaiser-windowed sinc tabulated as a
// polyphase bank, meeting ±0.01 dB to 6.6 kHz and ≥ 75 dB from 8 kHz for a 16 kHz output.
// Pure arithmetic, run once per resampler (allocates its table; nothing here is on a hot path).

/** Options for the filter design; defaults meet ±0.01 dB to 6.6 kHz and ≥ 75 dB from 8 kHz. */
export interface FilterOptions {
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
  /** Group delay in input samples: output lags input by this (taps/2 causal, 0 centered). */
  delayInputSamples: number;
  /** Input samples an output waits for beyond its own instant (0 causal, taps/2 centered). */
  lookaheadInputSamples: number;
}

/** A design plus its coefficient table: `rows` rows of `taps`, each time-reversed so the dot product walks forward. */
export interface PolyphaseFilter {
  design: Omit<ResamplerDesign, 'delayInputSamples' | 'lookaheadInputSamples'>;
  table: Float32Array;
}

export function gcd(a: number, b: number): number {
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

/** Designs the low-pass for `inputRate` → `outputRate` (which must differ) and tabulates its phases. */
export function designPolyphase(inputRate: number, outputRate: number, options: FilterOptions = {}): PolyphaseFilter {
  const g = gcd(inputRate, outputRate);
  const l = outputRate / g;
  const m = inputRate / g;

  const attenuationDb = options.attenuationDb ?? 75;
  const passFrac = options.passbandFraction ?? 0.825;
  const nyquist = Math.min(inputRate, outputRate) / 2;
  const stopHz = nyquist;
  const passHz = nyquist * passFrac;
  const cutoffHz = (passHz + stopHz) / 2;
  const beta = kaiserBeta(attenuationDb);

  // Kaiser length estimate (transition width normalised to the input rate), rounded up to
  // an even count so the window spans exactly ±taps/2 input samples for every phase.
  const dw = (2 * Math.PI * (stopHz - passHz)) / inputRate;
  let taps = Math.ceil((attenuationDb - 7.95) / (2.285 * dw)) + 1;
  if (taps % 2 === 1) taps++;
  taps = Math.max(taps, 4);

  const exact = l <= (options.maxExactPhases ?? 1024);
  // Exact: one row per phase p/l. Interpolated: rows at q/P for q = 0..P (P+1 rows).
  const phases = exact ? l : (options.interpolatedPhases ?? 512);
  const rows = exact ? l : phases + 1;

  const half = taps / 2;
  const fcNorm = cutoffHz / inputRate; // cycles per input sample
  const i0Beta = besselI0(beta);
  const table = new Float32Array(rows * taps);
  const row = new Float64Array(taps);
  for (let r = 0; r < rows; r++) {
    const frac = r / phases;
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
  return {
    design: {
      inputRate, outputRate, l, m, taps, phases, exact,
      cutoffHz, passbandEdgeHz: passHz, stopbandEdgeHz: stopHz, kaiserBeta: beta, attenuationDb,
    },
    table,
  };
}
