// Ties the transcript to the video: keeps the playing media's clock (spans) in the transcript
// and places each final on the media's own timeline, from when its audio was captured.

import { addSample, mediaTimeOf, type MediaSample } from './media-timeline.ts';
import type { CaptionUpdate } from './messages.ts';
import type { Transcript } from './transcript.ts';

/**
 * How long after the media plays a sound the tab capture hears it (ms): the renderer's output
 * buffer. Measured end to end (tests/e2e/transcript-video.test.ts) as small next to the 0.5 s
 * the cue times must meet.
 */
export const CAPTURE_LATENCY_MS = 0;

/** Adds a reading of the media clock from frame `frameId`; the same object when nothing changed. */
export function addMediaSample(t: Transcript, sample: MediaSample, frameId: number): Transcript {
  const spans = t.media ?? [];
  const next = addSample(spans, sample, frameId);
  return next === spans ? t : { ...t, media: next };
}

/** How many spans (seeks, pauses…) the transcript holds: a change is worth a storage write. */
export const spanCount = (t: Transcript) => t.media?.length ?? 0;

/**
 * Places the final `caption` (already added to `t`) on the media timeline, from when its audio
 * was heard. The transcript unchanged when the caption has no capture times or no media played.
 */
export function placeOnMedia(t: Transcript, caption: CaptionUpdate): Transcript {
  if (caption.kind !== 'final' || !caption.capturedAt || !t.media?.length) return t;
  const i = t.entries.findIndex((e) => e.id === caption.id);
  if (i < 0) return t;
  const { start, end } = caption.capturedAt;
  const media = mediaTimeOf(t.media, start - CAPTURE_LATENCY_MS, end - CAPTURE_LATENCY_MS);
  if (!media) return t;
  const entries = t.entries.slice();
  entries[i] = { ...entries[i], media };
  return { ...t, entries };
}
