// Checks the shared resampler (dsp/, causal as the capture worklet runs it) as a filter, not just as code: frequency response from
// real tones (passband flatness, aliasing rejection), exact output count, time alignment,
// and that streaming in render-quantum blocks gives the same samples as one big block.
import { describe, expect, it } from 'vitest';
import { StreamingResampler, resampleAll } from '../../../dsp/resampler.ts';

const OUT = 16000;

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** Amplitude of the component at `freq` (Hann-windowed single-bin DFT), skipping the start-up transient. */
function amplitudeAt(y: Float32Array, freq: number, rate: number, skip = 400): number {
  const n = y.length - skip;
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const v = y[skip + i] * w;
    const ph = (2 * Math.PI * freq * i) / rate;
    re += v * Math.cos(ph);
    im -= v * Math.sin(ph);
    wsum += w;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

function rms(y: Float32Array, skip = 400): number {
  let s = 0;
  for (let i = skip; i < y.length; i++) s += y[i] * y[i];
  return Math.sqrt(s / (y.length - skip));
}

const db = (ratio: number) => 20 * Math.log10(ratio);

/** Where a tone at `freq` lands after sampling at 16 kHz. */
function aliasOf(freq: number): number {
  const f = freq % OUT;
  return f > OUT / 2 ? OUT - f : f;
}

function processInBlocks(r: StreamingResampler, x: Float32Array, sizes: (i: number) => number): Float32Array {
  const out: number[] = [];
  const buf = new Float32Array(r.maxOutput(4096));
  let off = 0;
  let k = 0;
  while (off < x.length) {
    const len = Math.min(sizes(k++), x.length - off);
    const n = r.process(x.subarray(off, off + len), buf);
    for (let i = 0; i < n; i++) out.push(buf[i]);
    off += len;
  }
  return Float32Array.from(out);
}

function noise(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32) * 2 - 1;
  }
  return x;
}

describe('resampler design', () => {
  it.each([44100, 48000])('uses a Kaiser-windowed sinc with cutoff 7.2–7.6 kHz at %i Hz', (rate) => {
    const { design } = new StreamingResampler(rate);
    expect(design.cutoffHz).toBeGreaterThanOrEqual(7200);
    expect(design.cutoffHz).toBeLessThanOrEqual(7600);
    expect(design.stopbandEdgeHz).toBeLessThanOrEqual(8000);
    expect(design.attenuationDb).toBeGreaterThanOrEqual(60);
    expect(design.exact).toBe(true);
    expect(design.taps).toBeGreaterThan(100);
  });

  it('falls back to interpolated phases for rates with a huge reduced ratio', () => {
    const r = new StreamingResampler(47999);
    expect(r.design.exact).toBe(false);
  });

  it('rejects nonsense rates', () => {
    expect(() => new StreamingResampler(0)).toThrow(RangeError);
    expect(() => new StreamingResampler(44100.5)).toThrow(RangeError);
  });
});

describe('resampler frequency response', () => {
  const passband = [100, 250, 500, 1000, 2000, 3000, 4000, 5000, 6000, 6500];

  it.each([48000, 44100, 96000, 22050])('passband 100 Hz–6.5 kHz is flat within ±1 dB (measured ±0.1) at %i Hz input', (rate) => {
    for (const f of passband) {
      const y = resampleAll(tone(f, rate, 0.5), rate);
      const gainDb = db(amplitudeAt(y, f, OUT) / 0.5);
      expect(Math.abs(gainDb), `${f} Hz: ${gainDb.toFixed(3)} dB`).toBeLessThan(0.1);
    }
  });

  it.each([
    [48000, [10000, 12000, 20000]],
    [44100, [10000, 12000, 20000]],
  ])('tones above 8 kHz at %i Hz input do not alias into the band (≥ 60 dB down)', (rate, freqs) => {
    for (const f of freqs) {
      const y = resampleAll(tone(f, rate, 0.5), rate);
      const alias = aliasOf(f); // 10k → 6k, 12k → 4k, 20k → 4k
      const atAlias = db(amplitudeAt(y, alias, OUT) / 0.5);
      const total = db(rms(y) / (0.5 / Math.SQRT2));
      expect(atAlias, `${f} Hz → ${alias} Hz: ${atAlias.toFixed(1)} dB`).toBeLessThan(-60);
      expect(total, `${f} Hz total: ${total.toFixed(1)} dB`).toBeLessThan(-60);
    }
  });

  it('the whole stopband 8 kHz–24 kHz at 48 kHz input is ≥ 60 dB down (tone sweep)', () => {
    let worst = -Infinity;
    let worstF = 0;
    for (let f = 8000; f < 24000; f += 250) {
      const y = resampleAll(tone(f, 48000, 0.25), 48000);
      const total = db(rms(y) / (0.5 / Math.SQRT2));
      if (total > worst) {
        worst = total;
        worstF = f;
      }
    }
    expect(worst, `worst ${worst.toFixed(1)} dB at ${worstF} Hz`).toBeLessThan(-60);
  });

  it('upsamples 8 kHz input cleanly (no image at 16 kHz − f)', () => {
    const y = resampleAll(tone(1000, 8000, 0.5), 8000);
    expect(Math.abs(db(amplitudeAt(y, 1000, OUT) / 0.5))).toBeLessThan(0.1);
    expect(db(amplitudeAt(y, 7000, OUT) / 0.5)).toBeLessThan(-60);
  });
});

describe('resampler timing', () => {
  it.each([
    [48000, 3],
    [44100, 441 / 160],
  ])('output sample n is the input at time n·ratio − taps/2 (%i Hz)', (rate, ratio) => {
    const f = 1234;
    const r = new StreamingResampler(rate);
    const x = tone(f, rate, 0.5);
    const out = new Float32Array(r.maxOutput(x.length));
    const n = r.process(x, out);
    const delay = r.design.delayInputSamples;
    let maxErr = 0;
    for (let k = 200; k < n; k++) {
      const t = k * ratio - delay; // in input samples
      const ideal = 0.5 * Math.sin((2 * Math.PI * f * t) / rate);
      maxErr = Math.max(maxErr, Math.abs(out[k] - ideal));
    }
    expect(maxErr).toBeLessThan(1e-3);
  });

  it.each([
    [48000, 60],
    [44100, 30],
    [22050, 10],
    [96000, 10],
    [47999, 10],
  ])('produces exactly ceil(N·16000/rate) samples, no drift (%i Hz, %i s)', (rate, seconds) => {
    const r = new StreamingResampler(rate);
    const block = new Float32Array(128);
    const out = new Float32Array(r.maxOutput(128));
    let fed = 0;
    let produced = 0;
    for (let second = 1; second <= seconds; second++) {
      const target = second * rate;
      while (fed < target) {
        const len = Math.min(128, target - fed);
        produced += r.process(block, out, len);
        fed += len;
      }
      expect(Math.abs(produced - second * OUT)).toBeLessThanOrEqual(1);
    }
    expect(produced).toBe(Math.ceil((fed * OUT) / rate));
  });
});

describe('resampler streaming', () => {
  it.each([48000, 44100, 47999])('128-sample blocks (and ragged blocks) equal one-shot processing (%i Hz)', (rate) => {
    const x = noise(rate * 2, rate);
    const whole = resampleAll(x, rate);
    const quanta = processInBlocks(new StreamingResampler(rate), x, () => 128);
    const ragged = processInBlocks(new StreamingResampler(rate), x, (k) => [1, 0, 7, 128, 300, 2049, 3][k % 7]);
    expect(quanta.length).toBe(whole.length);
    expect(ragged.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(whole[i] - quanta[i]), Math.abs(whole[i] - ragged[i]));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
  });

  it('never produces NaN or infinities, for silence, full-scale noise and square waves', () => {
    const r = new StreamingResampler(44100);
    const out = new Float32Array(r.maxOutput(128));
    const inputs = [new Float32Array(128), noise(128, 7), Float32Array.from({ length: 128 }, (_, i) => (i % 20 < 10 ? 1 : -1))];
    let bad = 0;
    let total = 0;
    for (let k = 0; k < 3000; k++) {
      const n = r.process(inputs[k % 3], out);
      total += n;
      for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) bad++;
    }
    expect(total).toBeGreaterThan(100000);
    expect(bad).toBe(0);
  });

  it('reset() returns to the initial state', () => {
    const r = new StreamingResampler(48000);
    const x = noise(4800, 3);
    const a = new Float32Array(r.maxOutput(x.length));
    const na = r.process(x, a);
    r.reset();
    const b = new Float32Array(r.maxOutput(x.length));
    const nb = r.process(x, b);
    expect(nb).toBe(na);
    expect(Array.from(b.subarray(0, nb))).toEqual(Array.from(a.subarray(0, na)));
  });

  it('16 kHz input passes through unchanged', () => {
    const x = noise(4000, 5);
    const r = new StreamingResampler(16000);
    expect(processInBlocks(r, x, () => 128)).toEqual(x);
  });

  it('throws if the output buffer is too small', () => {
    const r = new StreamingResampler(48000);
    expect(() => r.process(new Float32Array(128), new Float32Array(10))).toThrow(RangeError);
  });
});
