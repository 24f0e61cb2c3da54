// Broadcast-style caption geometry, free of the DOM: the text size that follows the video, the
// readable measure (about 42 characters, so it scales with the video's width) and the height
// the box may take (rows × line height). The overlay applies it; unit tests check the maths.

import { captionRows, type CaptionStyle } from '../shared/caption-style.ts';
import type { Rect } from './video-tracker.ts';

/** Line height of caption text, in em (the overlay's CSS uses the same). */
export const LINE_HEIGHT = 1.35;
/** Translations are drawn a little smaller than the original. */
export const TRANSLATION_EM = 0.92;
/** Vertical padding of the caption box (top + bottom), in em. */
export const PADDING_Y_EM = 0.5;
/** Horizontal padding of the caption box (left + right), in em. */
export const PADDING_X_EM = 1.2;
/** The subtitle style guides' line length: at most about 42 characters per row. */
export const MEASURE_CHARS = 42;
/** Average advance of a character of running text, in em (sans-serif text ≈ 0.5). */
export const CHAR_EM = 0.5;

export interface CaptionLayout {
  /** Font size before the user's text-size percentage (px). */
  autoFontPx: number;
  /** Font size actually drawn (px). */
  fontPx: number;
  /** Width of the box that holds about MEASURE_CHARS characters per row (px, padding included). */
  measurePx: number;
  /** Tallest the box gets: every row filled (px, padding included). */
  maxBoxHeightPx: number;
  rows: { text: number; translation: number };
}

/**
 * The automatic text size: over a video it follows the video's height (like television
 * captions) and its width (so a row of ~42 characters stays inside a narrow or portrait
 * player); over the page it is a steady readable size.
 */
export function autoFontPx(box: Rect, overVideo: boolean): number {
  if (!overVideo) return Math.round(clamp(box.height * 0.03, 16, 28));
  return Math.round(clamp(Math.min(box.height * 0.048, box.width * 0.027), 14, 40));
}

/** Layout of the caption box for `style` over `box`, with or without a translation on screen. */
export function captionLayout(
  box: Rect,
  overVideo: boolean,
  style: Pick<CaptionStyle, 'fontScale' | 'lines' | 'display'>,
  translating: boolean,
): CaptionLayout {
  const autoFont = autoFontPx(box, overVideo);
  const fontPx = autoFont * (style.fontScale / 100);
  const rows = captionRows(style, translating);
  const textEm = rows.text * LINE_HEIGHT + rows.translation * LINE_HEIGHT * TRANSLATION_EM;
  return {
    autoFontPx: autoFont,
    fontPx,
    measurePx: Math.round((MEASURE_CHARS * CHAR_EM + PADDING_X_EM) * fontPx),
    maxBoxHeightPx: Math.ceil((textEm + PADDING_Y_EM) * fontPx),
    rows,
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
