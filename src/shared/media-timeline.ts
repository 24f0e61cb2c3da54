// Maps capture time (epoch ms, when the tab's audio was heard) to the playing media's own time
// (its currentTime), across seeks, pauses, rate changes and a change of media. Pure: the content
// script reports samples of the media clock, the background keeps the spans, finals are mapped.

/** One reading of the playing media's clock, taken by the content script. */
export interface MediaSample {
  /** Epoch ms when `time` was read. */
  at: number;
  /** The media's currentTime, seconds. */
  time: number;
  /** playbackRate. */
  rate: number;
  /** The clock advances (playing, not paused, ended or waiting for data). */
  playing: boolean;
  /** The media's currentSrc: which media this is, within its frame. */
  src: string;
  /** A live stream (infinite duration): its times cannot be sought back to. */
  live: boolean;
  /** The media can be sought (finite seekable range). */
  seekable: boolean;
}

/**
 * A stretch of capture time over which media time advances linearly: a seek, a pause or play,
 * a rate change or another media starts a new span. `at`/`time` is the span's latest
 * consistent reading (refined while it lasts); `from`/`to` bound it in capture time.
 */
export interface MediaSpan {
  from: number;
  /** Epoch ms where the next span begins; null for the current one. */
  to: number | null;
  at: number;
  time: number;
  rate: number;
  playing: boolean;
  src: string;
  /** The frame of the tab that holds the media (chrome frameId). */
  frameId: number;
  live: boolean;
  seekable: boolean;
}

/** Where a stretch of heard audio lies on the media's own timeline. */
export interface MediaTime {
  start: number;
  end: number;
  src: string;
  frameId: number;
  live: boolean;
  seekable: boolean;
}

/** A reading this far (s) from where the current span predicts is a seek, not clock jitter. */
export const SEEK_TOLERANCE_S = 0.25;
/** Spans kept per tab (a seek or pause each); older ones go first. */
export const MAX_SPANS = 2000;

/** The span's media time at capture time `at` (epoch ms). */
export function positionAt(span: MediaSpan, at: number): number {
  return span.playing ? span.time + ((at - span.at) / 1000) * span.rate : span.time;
}

/**
 * Adds a reading from frame `frameId`. Returns the same array when nothing changed, a copy with
 * the current span's reading refined when the reading continues it, or a copy with a new span.
 */
export function addSample(spans: readonly MediaSpan[], s: MediaSample, frameId: number): MediaSpan[] {
  const last = spans.at(-1);
  const fresh: MediaSpan = { from: s.at, to: null, at: s.at, time: s.time, rate: s.rate, playing: s.playing, src: s.src, frameId, live: s.live, seekable: s.seekable };
  if (!last || s.at < last.from) return last ? (spans as MediaSpan[]) : [fresh];
  const sameMedia = last.src === s.src && last.frameId === frameId;
  // Another media pausing (or sitting paused) elsewhere does not change what is heard.
  if (!sameMedia && !s.playing && last.playing) return spans as MediaSpan[];
  const continues =
    sameMedia && last.playing === s.playing && last.rate === s.rate && Math.abs(positionAt(last, s.at) - s.time) <= SEEK_TOLERANCE_S;
  if (continues) {
    if (last.at === s.at && last.time === s.time && last.live === s.live && last.seekable === s.seekable) return spans as MediaSpan[];
    return [...spans.slice(0, -1), { ...last, at: s.at, time: s.time, live: s.live, seekable: s.seekable }];
  }
  const next = [...spans.slice(0, -1), { ...last, to: s.at }, fresh];
  return next.length > MAX_SPANS ? next.slice(next.length - MAX_SPANS) : next;
}

/**
 * Where audio heard from `from` to `to` (epoch ms) lies on the media's timeline: on the playing
 * span that holds most of it, clipped to that span (audio across a seek is not spread over both
 * sides). Null when no media was playing then (the speech came from elsewhere).
 */
export function mediaTimeOf(spans: readonly MediaSpan[], from: number, to: number): MediaTime | null {
  const end = Math.max(from, to);
  let best: MediaSpan | null = null;
  let bestOverlap = -1;
  for (const span of spans) {
    if (!span.playing) continue;
    const spanEnd = span.to ?? Infinity;
    // A zero-length stretch counts when it lies inside the span.
    const overlap = Math.min(end, spanEnd) - Math.max(from, span.from);
    if (overlap < 0 || (overlap === 0 && (from < span.from || from >= spanEnd))) continue;
    if (overlap > bestOverlap) {
      best = span;
      bestOverlap = overlap;
    }
  }
  if (!best) return null;
  const a = Math.max(from, best.from);
  const b = Math.min(end, best.to ?? end);
  return {
    start: round3(Math.max(0, positionAt(best, a))),
    end: round3(Math.max(0, positionAt(best, b))),
    src: best.src,
    frameId: best.frameId,
    live: best.live,
    seekable: best.seekable,
  };
}

/** A sample from a content script, checked (it runs in the page's process); null when malformed. */
export function parseSample(raw: unknown): MediaSample | null {
  const s = raw as Partial<MediaSample> | null;
  if (!s || typeof s !== 'object' || ![s.at, s.time, s.rate].every(Number.isFinite) || typeof s.src !== 'string') return null;
  return { at: s.at!, time: s.time!, rate: s.rate!, playing: s.playing === true, src: s.src.slice(0, 2048), live: s.live === true, seekable: s.seekable === true };
}

/** Accepts only well-formed spans from storage. */
export function parseSpans(raw: unknown): MediaSpan[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (s): s is MediaSpan =>
      !!s &&
      typeof s === 'object' &&
      [s.from, s.at, s.time, s.rate, s.frameId].every(Number.isFinite) &&
      (s.to === null || Number.isFinite(s.to)) &&
      typeof s.src === 'string' &&
      typeof s.playing === 'boolean',
  );
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
