// Pins the channel → mono rule the capture worklet and the server share (average, not sum).
import { describe, expect, it } from 'vitest';
import { downmixToMono } from '../../../dsp/downmix.ts';

describe('downmixToMono', () => {
  it('averages stereo', () => {
    const out = new Float32Array(3);
    expect(downmixToMono([new Float32Array([1, 0.5, -1]), new Float32Array([1, -0.5, 0])], out)).toBe(3);
    expect(Array.from(out)).toEqual([1, 0, -0.5]);
  });

  it('copies mono and averages any channel count', () => {
    const out = new Float32Array(2);
    downmixToMono([new Float32Array([0.25, -0.75])], out);
    expect(Array.from(out)).toEqual([0.25, -0.75]);
    downmixToMono([new Float32Array([3, 0]), new Float32Array([0, 3]), new Float32Array([0, 0])], out);
    expect(Array.from(out)).toEqual([1, 1]);
  });

  it('writes silence for zero channels and honours length', () => {
    const out = new Float32Array([9, 9, 9, 9]);
    expect(downmixToMono([], out, 3)).toBe(3);
    expect(Array.from(out)).toEqual([0, 0, 0, 9]);
    downmixToMono([new Float32Array([1, 1, 1, 1])], out, 2);
    expect(Array.from(out)).toEqual([1, 1, 0, 9]);
  });

  it('refuses an output buffer that is too small', () => {
    expect(() => downmixToMono([new Float32Array(4)], new Float32Array(2))).toThrow(RangeError);
  });
});
