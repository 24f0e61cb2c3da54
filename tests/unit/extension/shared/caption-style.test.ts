import { describe, expect, it } from 'vitest';
import { contrastRatio, DEFAULT_STYLE, normalizeStyle, rgba, styleVariables, worstCaseContrast } from '../../../../src/shared/caption-style.ts';

describe('caption style', () => {
  it('fills gaps with defaults and clamps junk', () => {
    expect(normalizeStyle(undefined)).toEqual(DEFAULT_STYLE);
    expect(
      normalizeStyle({ fontScale: 9000, font: 'wingdings', textColor: 'red', backgroundColor: '#FFCC00', backgroundOpacity: -1, lines: '4', display: 'x', hideAfterSeconds: 'soon', readingMode: 'yes' }),
    ).toEqual({ ...DEFAULT_STYLE, fontScale: 250, backgroundColor: '#ffcc00', backgroundOpacity: 0, lines: 4 });
  });

  it('turns a style into the overlay CSS variables', () => {
    const v = styleVariables({ ...DEFAULT_STYLE, fontScale: 150, backgroundColor: '#102030', backgroundOpacity: 0.5, lines: 2, display: 'both' });
    expect(v['--caption-scale']).toBe('1.5');
    expect(v['--caption-bg']).toBe('rgba(16, 32, 48, 0.5)');
    // Rows are rendered rows: no room for a translation unless one is on screen (then 2 + 2).
    expect(v['--caption-rows']).toBe('2');
    expect(v['--caption-translation-rows']).toBe('0');
    expect(styleVariables({ ...DEFAULT_STYLE, lines: 2 }, true)['--caption-translation-rows']).toBe('2');
    expect(styleVariables({ ...DEFAULT_STYLE, lines: 2, display: 'original' }, true)['--caption-translation-rows']).toBe('0');
    expect(DEFAULT_STYLE.lines).toBe(2);
    expect(rgba('#ffffff', 1)).toBe('rgba(255, 255, 255, 1)');
  });

  it('measures contrast (WCAG) including what shows through a translucent background', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBeCloseTo(1, 5);
    expect(worstCaseContrast(DEFAULT_STYLE)).toBeGreaterThan(7);
    // White text on a nearly transparent background is unreadable over a bright frame.
    expect(worstCaseContrast({ ...DEFAULT_STYLE, backgroundOpacity: 0.1 })).toBeLessThan(2);
  });
});
