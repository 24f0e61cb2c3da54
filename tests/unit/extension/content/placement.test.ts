import { describe, expect, it } from 'vitest';
import { defaultPlacement, dragBy, parsePlacement, placementOf, resizeBy, resolvePlacement } from '../../../../src/content/placement.ts';

const video = { left: 40, top: 100, width: 960, height: 540 };
const inside = (b: { left: number; bottom: number; width: number }, h: number) =>
  b.left >= video.left && b.left + b.width <= video.left + video.width && b.bottom <= video.top + video.height && b.bottom - h >= video.top;

describe('placement', () => {
  it('defaults to centred near the bottom, clear of the controls, inside the video', () => {
    const b = resolvePlacement(video, defaultPlacement(video, true), 80);
    expect(b.left + b.width / 2).toBeCloseTo(video.left + video.width / 2, 5);
    expect(video.top + video.height - b.bottom).toBeCloseTo(58, 5);
    expect(inside(b, 80)).toBe(true);
  });

  it('a drag moves the box, but never out of the video', () => {
    const start = resolvePlacement(video, defaultPlacement(video, true), 80);
    const moved = dragBy(video, start, -50, -200, 80);
    expect(moved.left).toBeCloseTo(start.left - 50, 5);
    expect(moved.bottom).toBeCloseTo(start.bottom - 200, 5);
    const flung = dragBy(video, start, -5000, -5000, 80);
    expect(inside(flung, 80)).toBe(true);
    expect(flung.left).toBeCloseTo(video.left + 4, 5);
    expect(flung.bottom).toBeCloseTo(video.top + 4 + 80, 5);
  });

  it('a resize grows the box around its centre up to the video width, and not below the minimum', () => {
    const start = resolvePlacement(video, defaultPlacement(video, true), 80);
    const wider = resizeBy(video, start, 50, 80);
    expect(wider.width).toBeCloseTo(start.width + 100, 5);
    expect(wider.left + wider.width / 2).toBeCloseTo(start.left + start.width / 2, 5);
    expect(resizeBy(video, start, 5000, 80).width).toBeCloseTo(video.width - 8, 5);
    expect(resizeBy(video, start, -5000, 80).width).toBe(160);
  });

  it('a saved placement is relative, so it fits the same spot of a bigger (fullscreen) video', () => {
    const start = resolvePlacement(video, defaultPlacement(video, true), 80);
    const p = placementOf(video, dragBy(video, start, 20, -150, 80));
    const full = { left: 0, top: 0, width: 1920, height: 1080 };
    const there = resolvePlacement(full, p, 80);
    const back = resolvePlacement(video, p, 80);
    expect(back.left).toBeCloseTo(start.left + 20, 5);
    expect((there.left + there.width / 2) / 1920).toBeCloseTo(p.cx, 5);
    expect(there.bottom / 1080).toBeCloseTo(p.bottom, 5);
  });

  it('rejects damaged stored placements', () => {
    expect(parsePlacement({ cx: 0.5, bottom: 0.9, width: 0.6 })).toEqual({ cx: 0.5, bottom: 0.9, width: 0.6 });
    expect(parsePlacement({ cx: 2, bottom: 0.9, width: 0.6 })).toBeNull();
    expect(parsePlacement({ cx: 0.5, bottom: 0.9, width: 0 })).toBeNull();
    expect(parsePlacement('x')).toBeNull();
  });
});
