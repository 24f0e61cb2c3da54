// Where the caption box sits inside the video (or viewport) box: pure geometry, so dragging,
// resizing and restoring a saved position are unit-tested. Positions are stored as fractions
// of the box, so they fit any player size, fullscreen included.

import type { Placement } from '../shared/messages.ts';
import type { Rect } from './video-tracker.ts';

// The type travels in messages, so it lives in shared/messages.ts (shared/ imports nothing from content/).
export type { Placement };

export interface CaptionBox {
  /** Page (viewport) pixels. */
  left: number;
  bottom: number;
  width: number;
}

export const MIN_WIDTH_PX = 160;
const MARGIN_PX = 4;

/**
 * The default: centred, clear of the native controls bar (about 50 px) over a video, and no
 * wider than `measurePx` (a readable line length) when given.
 */
export function defaultPlacement(box: Rect, overVideo: boolean, measurePx = Infinity): Placement {
  const gap = overVideo ? Math.max(box.height * 0.1, 58) : 24;
  const width = Math.min(0.88, Math.max(MIN_WIDTH_PX, Math.min(box.width * 0.8, 900, measurePx)) / Math.max(1, box.width));
  return { cx: 0.5, bottom: Math.max(0, 1 - gap / Math.max(1, box.height)), width };
}

/**
 * The caption box in pixels for a placement, clamped so it stays inside `box`: never wider
 * than it, never past its edges, its bottom at least `minHeight` below the top edge.
 */
export function resolvePlacement(box: Rect, p: Placement, minHeight: number): CaptionBox {
  const maxWidth = Math.max(1, box.width - 2 * MARGIN_PX);
  const width = clamp(p.width * box.width, Math.min(MIN_WIDTH_PX, maxWidth), maxWidth);
  const centre = clamp(box.left + p.cx * box.width, box.left + MARGIN_PX + width / 2, box.left + box.width - MARGIN_PX - width / 2);
  const lowest = box.top + box.height - MARGIN_PX;
  const highest = Math.min(lowest, box.top + MARGIN_PX + minHeight);
  const bottom = clamp(box.top + p.bottom * box.height, highest, lowest);
  return { left: centre - width / 2, bottom, width };
}

/** The placement that puts the caption box where the user left it (inverse of resolvePlacement). */
export function placementOf(box: Rect, caption: CaptionBox): Placement {
  const w = Math.max(1, box.width);
  const h = Math.max(1, box.height);
  return {
    cx: clamp((caption.left + caption.width / 2 - box.left) / w, 0, 1),
    bottom: clamp((caption.bottom - box.top) / h, 0, 1),
    width: clamp(caption.width / w, 0.05, 1),
  };
}

/** A drag by (dx, dy) pixels from where the drag started. */
export function dragBy(box: Rect, start: CaptionBox, dx: number, dy: number, minHeight: number): CaptionBox {
  return resolvePlacement(box, placementOf(box, { ...start, left: start.left + dx, bottom: start.bottom + dy }), minHeight);
}

/** A resize by dx pixels from the right-hand handle (the box grows symmetrically around its centre). */
export function resizeBy(box: Rect, start: CaptionBox, dx: number, minHeight: number): CaptionBox {
  const width = start.width + 2 * dx;
  return resolvePlacement(box, placementOf(box, { left: start.left + start.width / 2 - width / 2, bottom: start.bottom, width }), minHeight);
}

/** Checks a placement read from storage. */
export function parsePlacement(raw: unknown): Placement | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
  return ok(r.cx) && ok(r.bottom) && ok(r.width) && (r.width as number) > 0 ? { cx: r.cx as number, bottom: r.bottom as number, width: r.width as number } : null;
}

/** chrome.storage.local key of a site's placement. */
export const placementKey = (origin: string) => `placement:${origin}`;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
