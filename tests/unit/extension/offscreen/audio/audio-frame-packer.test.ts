// The server rejects odd-length or oversized frames and expects pcm_s16le: these tests
// pin the packer's frame sizes, sample conversion and byte layout.
import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, FramePacker, floatToInt16 } from '../../../../../src/offscreen/audio/frame-packer.ts';

function collect(frameSamples?: number) {
  const frames: ArrayBuffer[] = [];
  const packer = new FramePacker((pcm) => frames.push(pcm), frameSamples);
  return { frames, packer };
}

const ramp = (n: number, scale = 1 / 40000) => Float32Array.from({ length: n }, (_, i) => ((i % 1000) - 500) * scale);

describe('floatToInt16', () => {
  it('scales by 32767 and rounds to nearest', () => {
    expect(floatToInt16(0)).toBe(0);
    expect(floatToInt16(1)).toBe(32767);
    expect(floatToInt16(-1)).toBe(-32767);
    expect(floatToInt16(0.5)).toBe(16384); // 16383.5 → 16384
    expect(floatToInt16(1.4 / 32767)).toBe(1);
    expect(floatToInt16(1.6 / 32767)).toBe(2);
    expect(floatToInt16(-1.4 / 32767)).toBe(-1);
    expect(floatToInt16(-1.6 / 32767)).toBe(-2);
  });

  it('clips outside ±1 and maps NaN to 0', () => {
    expect(floatToInt16(1.0001)).toBe(32767);
    expect(floatToInt16(7)).toBe(32767);
    expect(floatToInt16(Infinity)).toBe(32767);
    expect(floatToInt16(-3)).toBe(-32767);
    expect(floatToInt16(-Infinity)).toBe(-32767);
    expect(floatToInt16(NaN)).toBe(0);
  });
});

describe('FramePacker', () => {
  it('emits exact 1600-sample (3200-byte) frames regardless of push sizes', () => {
    const { frames, packer } = collect();
    expect(FRAME_SAMPLES).toBe(1600);
    const src = ramp(16000);
    let off = 0;
    for (const len of [43, 42, 43, 1, 0, 1599, 3200, 5000]) {
      packer.push(src.subarray(off, off + len));
      off += len;
    }
    packer.push(src.subarray(off)); // the rest
    expect(frames.length).toBe(10);
    for (const f of frames) expect(f.byteLength).toBe(3200);
    expect(packer.pending).toBe(0);

    const joined = new Int16Array(16000);
    frames.forEach((f, i) => joined.set(new Int16Array(f), i * 1600));
    expect(Array.from(joined)).toEqual(Array.from(src, floatToInt16));
  });

  it('respects the length argument', () => {
    const { frames, packer } = collect(4);
    packer.push(new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), 3);
    expect(frames.length).toBe(0);
    expect(packer.pending).toBe(3);
  });

  it('clips and rounds inside frames', () => {
    const { frames, packer } = collect(6);
    packer.push(new Float32Array([2, -2, 0.5, -0.5, 1e-6, NaN]));
    expect(Array.from(new Int16Array(frames[0]))).toEqual([32767, -32767, 16384, -16383, 0, 0]);
  });

  it('writes little-endian Int16', () => {
    const { frames, packer } = collect(3);
    packer.push(new Float32Array([256 / 32767, -2 / 32767, 1]));
    const bytes = new Uint8Array(frames[0]);
    expect(Array.from(bytes)).toEqual([0x00, 0x01, 0xfe, 0xff, 0xff, 0x7f]);
    const view = new DataView(frames[0]);
    expect(view.getInt16(0, true)).toBe(256);
    expect(view.getInt16(2, true)).toBe(-2);
    expect(view.getInt16(4, true)).toBe(32767);
  });

  it('flush() emits the partial frame once, then nothing', () => {
    const { frames, packer } = collect();
    packer.push(ramp(2000));
    expect(frames.length).toBe(1);
    expect(packer.flush()).toBe(400);
    expect(frames.length).toBe(2);
    expect(frames[1].byteLength).toBe(800);
    expect(Array.from(new Int16Array(frames[1]))).toEqual(Array.from(ramp(2000).subarray(1600), floatToInt16));
    expect(packer.flush()).toBe(0);
    expect(frames.length).toBe(2);
    // and it keeps working afterwards
    packer.push(ramp(1600));
    expect(frames.length).toBe(3);
    expect(frames[2].byteLength).toBe(3200);
  });

  it('hands out a distinct buffer per frame (safe to transfer)', () => {
    const { frames, packer } = collect(4);
    packer.push(new Float32Array([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3]));
    packer.flush();
    expect(new Set(frames).size).toBe(3);
    // Detaching (as postMessage transfer does) an emitted buffer must not affect later frames.
    structuredClone(frames[0], { transfer: [frames[0]] });
    packer.push(new Float32Array([0.4, 0.4, 0.4, 0.4]));
    expect(Array.from(new Int16Array(frames[3]))).toEqual([13107, 13107, 13107, 13107]);
  });

  it('reset() drops buffered samples', () => {
    const { frames, packer } = collect(4);
    packer.push(new Float32Array([0.1, 0.2]));
    packer.reset();
    expect(packer.flush()).toBe(0);
    expect(frames.length).toBe(0);
  });

  it('rejects a non-positive frame size', () => {
    expect(() => new FramePacker(() => {}, 0)).toThrow(RangeError);
  });
});
