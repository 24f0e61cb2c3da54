import { describe, expect, it } from 'vitest';
import { Resampler, downmix, resampleTo16k } from '../../../../server/audio/resample.ts';

const tone = (hz: number, rate: number, seconds: number, amp = 10000, phase = 0) =>
  Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate + phase)));

const rms = (x: ArrayLike<number>, from = 0, to = x.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
};

/** RMS difference from an ideal tone at 16 kHz, ignoring edges where the filter sees zeros. */
function errorVsIdeal(out: Int16Array, hz: number, amp = 10000): number {
  const ideal = tone(hz, 16000, out.length / 16000, amp);
  const diff = Array.from(out, (v, i) => v - ideal[i]);
  return rms(diff, 200, out.length - 200) / amp;
}

describe('resampleTo16k', () => {
  it('passes 16 kHz mono through unchanged', () => {
    const x = tone(440, 16000, 0.1);
    expect(resampleTo16k(x, 16000)).toEqual(x);
  });

  it.each([22050, 44100, 48000, 8000, 11025, 32000])('keeps a 1 kHz tone intact from %i Hz', (rate) => {
    const out = resampleTo16k(tone(1000, rate, 0.5), rate);
    expect(out.length).toBe(Math.ceil((Math.round(rate * 0.5) * 16000) / rate));
    expect(errorVsIdeal(out, 1000)).toBeLessThan(0.002);
  });

  it('keeps speech-band tones up to ~7 kHz', () => {
    const out = resampleTo16k(tone(6500, 22050, 0.5), 22050);
    expect(errorVsIdeal(out, 6500)).toBeLessThan(0.02);
  });

  it.each([
    [44100, 10000],
    [48000, 12000],
    [22050, 9000],
  ])('suppresses tones above 8 kHz from %i Hz (%i Hz tone) instead of aliasing them', (rate, hz) => {
    const input = tone(hz, rate, 0.5);
    const out = resampleTo16k(input, rate);
    expect(rms(out, 200, out.length - 200) / rms(input)).toBeLessThan(0.001); // below -60 dB
  });

  it('keeps a constant signal exactly constant', () => {
    const out = resampleTo16k(new Int16Array(22050).fill(1234), 22050);
    expect(out.slice(100, -100).every((v) => v === 1234)).toBe(true);
  });

  it('downmixes stereo by averaging the channels', () => {
    const l = tone(1000, 48000, 0.2);
    const both = new Int16Array(l.length * 2);
    const opposite = new Int16Array(l.length * 2);
    l.forEach((v, i) => {
      both[2 * i] = both[2 * i + 1] = v;
      opposite[2 * i] = v;
      opposite[2 * i + 1] = -v;
    });
    expect(resampleTo16k(both, 48000, 2)).toEqual(resampleTo16k(l, 48000));
    expect(rms(resampleTo16k(opposite, 48000, 2))).toBeLessThan(1);
    expect([...resampleTo16k(Int16Array.from([100, 300, -5, 5]), 16000, 2)]).toEqual([200, 0]);
  });
});

describe('Resampler (streaming)', () => {
  it('gives the same output whatever the chunking', () => {
    const input = tone(523, 44100, 1, 8000);
    const whole = resampleTo16k(input, 44100);
    const r = new Resampler(44100);
    const parts: number[] = [];
    let i = 0;
    let k = 1;
    while (i < input.length) {
      const n = (k * 997) % 3000; // 0 .. 2999 samples, including empty chunks
      parts.push(...r.push(input.subarray(i, i + n)));
      i += n;
      k++;
    }
    parts.push(...r.flush());
    expect(parts.length).toBe(whole.length);
    expect(Int16Array.from(parts)).toEqual(whole);
  });

  it('is reusable after flush()', () => {
    const r = new Resampler(22050);
    const a = [...r.push(tone(300, 22050, 0.1)), ...r.flush()];
    const b = [...r.push(tone(300, 22050, 0.1)), ...r.flush()];
    expect(b).toEqual(a);
  });

  it('handles odd rates whose phase count exceeds the table limit', () => {
    const out = resampleTo16k(tone(1000, 44057, 0.5), 44057);
    expect(errorVsIdeal(out, 1000)).toBeLessThan(0.005);
  });

  it('rejects bad arguments', () => {
    expect(() => new Resampler(0)).toThrow(/rate/);
    expect(() => new Resampler(16000, 16000, 0)).toThrow(/channels/);
    expect(() => new Resampler(44100, 16000, 2).push(new Int16Array(3))).toThrow(/frames/);
    expect(() => downmix(new Int16Array(4), 0)).toThrow(/channel/);
  });
});
