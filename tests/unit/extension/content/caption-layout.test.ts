import { describe, expect, it } from 'vitest';
import { autoFontPx, captionLayout, CHAR_EM, MEASURE_CHARS } from '../../../../src/content/caption-layout.ts';
import { defaultPlacement, resolvePlacement } from '../../../../src/content/placement.ts';
import { DEFAULT_STYLE } from '../../../../src/shared/caption-style.ts';

const video = { left: 40, top: 100, width: 960, height: 540 };

describe('broadcast-style caption layout', () => {
  it('at default settings on a 960×540 video: 2 rows, at most a fifth of the height', () => {
    const l = captionLayout(video, true, DEFAULT_STYLE, false);
    expect(l.rows).toEqual({ text: 2, translation: 0 });
    expect(l.maxBoxHeightPx / video.height).toBeLessThanOrEqual(0.2);
    expect(l.maxBoxHeightPx).toBeGreaterThan(2 * 1.3 * l.fontPx);
  });

  it('2 + 2 rows only while a translation is shown, and only in "both"', () => {
    expect(captionLayout(video, true, DEFAULT_STYLE, true).rows).toEqual({ text: 2, translation: 2 });
    expect(captionLayout(video, true, { ...DEFAULT_STYLE, display: 'original' }, true).rows).toEqual({ text: 2, translation: 0 });
    expect(captionLayout(video, true, { ...DEFAULT_STYLE, display: 'translation' }, true).rows).toEqual({ text: 2, translation: 0 });
    const both = captionLayout(video, true, DEFAULT_STYLE, true);
    expect(both.maxBoxHeightPx).toBeGreaterThan(captionLayout(video, true, DEFAULT_STYLE, false).maxBoxHeightPx * 1.6);
  });

  it('"Lines on screen" counts rows: the box height grows by one row per line', () => {
    const h = (lines: number) => captionLayout(video, true, { ...DEFAULT_STYLE, lines }, false).maxBoxHeightPx;
    const font = captionLayout(video, true, DEFAULT_STYLE, false).fontPx;
    for (let n = 1; n < 6; n++) expect(h(n + 1) - h(n)).toBeCloseTo(1.35 * font, -0.1);
  });

  it('the measure holds about 42 characters and scales with the video width', () => {
    const l = captionLayout(video, true, DEFAULT_STYLE, false);
    expect(l.measurePx).toBeGreaterThan(MEASURE_CHARS * CHAR_EM * l.fontPx);
    expect(l.measurePx).toBeLessThan(video.width * 0.8);
    const half = captionLayout({ ...video, width: 480, height: 270 }, true, DEFAULT_STYLE, false);
    expect(half.measurePx / l.measurePx).toBeCloseTo(0.5, 1);
    // A portrait player: the row still fits its width.
    const portrait = captionLayout({ left: 0, top: 0, width: 405, height: 720 }, true, DEFAULT_STYLE, false);
    expect(portrait.measurePx).toBeLessThan(405);
  });

  it('the default box is no wider than the measure and sits clear of the controls', () => {
    const l = captionLayout(video, true, DEFAULT_STYLE, false);
    const box = resolvePlacement(video, defaultPlacement(video, true, l.measurePx), l.maxBoxHeightPx);
    expect(box.width).toBe(l.measurePx);
    expect(video.top + video.height - box.bottom).toBeGreaterThanOrEqual(50);
    expect(box.bottom - l.maxBoxHeightPx).toBeGreaterThan(video.top + video.height * 0.7);
  });

  it('over the page (no video) the size is steady', () => {
    expect(autoFontPx({ left: 0, top: 0, width: 1280, height: 800 }, false)).toBe(24);
    expect(autoFontPx({ left: 0, top: 0, width: 1280, height: 3000 }, false)).toBe(28);
  });
});
