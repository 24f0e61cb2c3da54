import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/offscreen/backoff.ts';
import { FrameBuffer } from '../../src/offscreen/frame-buffer.ts';

describe('backoffDelay', () => {
  const opts = { baseMs: 500, maxMs: 8000, factor: 2 };
  it('doubles per attempt up to the cap, with half of it random', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, () => 0))).toEqual([250, 500, 1000, 2000, 4000, 4000]);
  });
  it('never goes below half the exponential delay', () => {
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});

describe('FrameBuffer', () => {
  const f = (n: number, samples = 1600) => new Int16Array(samples).fill(n).buffer;

  it('numbers frames with sequence and sample offsets, buffered or not', () => {
    const b = new FrameBuffer(1_000_000);
    const a = b.stamp(f(1));
    const c = b.stamp(f(2, 800));
    const d = b.stamp(f(3));
    expect([a.seq, c.seq, d.seq]).toEqual([0, 1, 2]);
    expect([a.sampleOffset, c.sampleOffset, d.sampleOffset]).toEqual([0, 1600, 2400]);
  });

  it('drops the oldest frames beyond its byte limit and counts them', () => {
    const b = new FrameBuffer(3200 * 2);
    for (let i = 0; i < 4; i++) b.push(b.stamp(f(i)));
    expect(b.length).toBe(2);
    expect(b.droppedFrames).toBe(2);
    expect(b.seconds()).toBeCloseTo(0.2);
    expect(b.drain().map((x) => new Int16Array(x.pcm)[0])).toEqual([2, 3]);
    expect(b.length).toBe(0);
    expect(b.byteLength).toBe(0);
  });
});
