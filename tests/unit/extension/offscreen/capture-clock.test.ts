// When captured samples were heard: frames arrive late by a varying delay, never early.
import { describe, expect, it } from 'vitest';
import { CaptureClock } from '../../../../src/offscreen/capture-clock.ts';

const T0 = 1_700_000_000_000;

describe('capture clock', () => {
  it('takes the least-delayed frame as the truth and maps any sample to epoch ms', () => {
    const clock = new CaptureClock(16_000, 50);
    expect(clock.epochOf(0)).toBeNull();
    expect(clock.stamp([0, 1600])).toBeUndefined();
    // Capture began at T0; frame k (100 ms) arrives 3–40 ms after its last sample was heard.
    const delays = [40, 12, 25, 3, 30, 18, 9, 33];
    delays.forEach((d, k) => clock.frame(1600, T0 + (k + 1) * 100 + d));
    expect(clock.epochOf(0)).toBe(T0 + 3);
    expect(clock.stamp([8000, 24000])).toEqual({ start: T0 + 503, end: T0 + 1503 });
  });

  it('follows the recent frames only, so a stall in the audio thread re-anchors it', () => {
    const clock = new CaptureClock(16_000, 4);
    for (let k = 1; k <= 4; k++) clock.frame(1600, T0 + k * 100);
    // The audio thread stalled for 2 s: samples resume later than the count implies.
    for (let k = 5; k <= 8; k++) clock.frame(1600, T0 + 2000 + k * 100);
    expect(clock.epochOf(8 * 1600)).toBe(T0 + 2800);
  });
});
