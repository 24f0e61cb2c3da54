// The shared resampler's two alignments and its stream accounting: centered (the server's:
// zero delay, look-ahead released by flush) and causal (the worklet's: taps/2 delay, nothing
// held back); exact output counts, outputLength() as a promise process() keeps, reuse after flush.
import { describe, expect, it } from 'vitest';
import { StreamingResampler, resampleAll, type Alignment } from '../../../dsp/resampler.ts';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
}

function noise(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** Feeds `x` in ragged blocks, checking outputLength() before each call, then flushes; returns all output. */
function stream(r: StreamingResampler, x: Float32Array, sizes: (k: number) => number): Float32Array {
  const out: number[] = [];
  const buf = new Float32Array(r.maxOutput(4096));
  for (let off = 0, k = 0; off < x.length; k++) {
    const len = Math.min(sizes(k), x.length - off);
    const promised = r.outputLength(len);
    const n = r.process(x.subarray(off, off + len), buf);
    expect(n).toBe(promised);
    for (let i = 0; i < n; i++) out.push(buf[i]);
    off += len;
  }
  const tail = new Float32Array(r.maxOutput(r.design.lookaheadInputSamples));
  const n = r.flush(tail);
  for (let i = 0; i < n; i++) out.push(tail[i]);
  return Float32Array.from(out);
}

const ragged = (k: number) => [1, 0, 7, 128, 300, 2049, 3, 4096][k % 8];

describe('centered alignment (the server)', () => {
  it.each([
    [48000, 3],
    [44100, 441 / 160],
    [8000, 0.5],
  ])('output n is the input at exactly n·ratio, no delay (%i Hz)', (rate, ratio) => {
    const f = 1234;
    const r = new StreamingResampler(rate, 16000, { alignment: 'centered' });
    expect(r.design.delayInputSamples).toBe(0);
    expect(r.design.lookaheadInputSamples).toBe(r.design.taps / 2);
    const y = stream(r, tone(f, rate, 0.5), () => 4096);
    let maxErr = 0;
    for (let k = 200; k < y.length - 200; k++) {
      maxErr = Math.max(maxErr, Math.abs(y[k] - 0.5 * Math.sin((2 * Math.PI * f * k * ratio) / rate)));
    }
    expect(maxErr).toBeLessThan(1e-3);
  });

  it.each([48000, 44100, 22050, 8000, 11025, 47999, 16000])('ends with exactly ceil(N·16000/rate) samples after flush (%i Hz)', (rate) => {
    for (const n of [0, 1, 5, 100, 1000, rate + 17]) {
      const y = stream(new StreamingResampler(rate, 16000, { alignment: 'centered' }), noise(n, n + 1), ragged);
      expect(y.length, `${n} samples in`).toBe(Math.ceil((n * 16000) / rate));
    }
  });

  it('holds back only the look-ahead before flush', () => {
    const r = new StreamingResampler(48000, 16000, { alignment: 'centered' });
    const out = new Float32Array(r.maxOutput(48000));
    const n = r.process(noise(48000), out);
    expect(16000 - n).toBe(Math.ceil(r.design.lookaheadInputSamples / 3));
  });

  it('is the same stream whatever the chunking, and reusable after flush', () => {
    const x = noise(44100, 9);
    const opts = { alignment: 'centered' as const };
    const whole = resampleAll(x, 44100, 16000, opts);
    const r = new StreamingResampler(44100, 16000, opts);
    expect(stream(r, x, ragged)).toEqual(whole);
    expect(stream(r, x, () => 128)).toEqual(whole);
  });

  it('flush needs room for the look-ahead outputs', () => {
    const r = new StreamingResampler(48000, 16000, { alignment: 'centered' });
    expect(() => r.flush(new Float32Array(1))).toThrow(RangeError);
  });
});

describe('causal alignment (the worklet)', () => {
  it.each([48000, 44100, 47999])('holds nothing back: flush adds no samples (%i Hz)', (rate) => {
    const r = new StreamingResampler(rate);
    expect(r.design.lookaheadInputSamples).toBe(0);
    const out = new Float32Array(r.maxOutput(rate));
    const n = r.process(noise(rate), out);
    expect(n).toBe(16000); // ceil(rate·16000/rate): everything is out already
    expect(r.flush(out)).toBe(0);
  });

  it.each<[number, Alignment]>([
    [48000, 'causal'],
    [44100, 'causal'],
    [47999, 'causal'],
    [8000, 'causal'],
    [47999, 'centered'],
    [8000, 'centered'],
  ])('outputLength() is exactly what process() writes (%i Hz, %s)', (rate, alignment) => {
    const r = new StreamingResampler(rate, 16000, { alignment });
    stream(r, noise(rate, 4), ragged);
  });

  it('equal rates pass through: outputLength is the input length, flush adds nothing', () => {
    const r = new StreamingResampler(16000, 16000, { alignment: 'centered' });
    const x = noise(1000, 2);
    expect(stream(r, x, ragged)).toEqual(x);
  });
});
