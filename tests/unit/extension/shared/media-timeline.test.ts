// The capture-time → media-time core: seeks, pauses, rate changes, another media, spans.
import { describe, expect, it } from 'vitest';
import { addSample, MAX_SPANS, mediaTimeOf, parseSpans, type MediaSample, type MediaSpan } from '../../../../src/shared/media-timeline.ts';

const T0 = 1_700_000_000_000;
const sample = (atS: number, time: number, o: Partial<MediaSample> = {}): MediaSample => ({
  at: T0 + atS * 1000,
  time,
  rate: 1,
  playing: true,
  src: 'http://a/v.mp4',
  live: false,
  seekable: true,
  ...o,
});
const feed = (samples: MediaSample[], frameId = 0) => samples.reduce<MediaSpan[]>((spans, s) => addSample(spans, s, frameId), []);
const at = (fromS: number, toS: number) => [T0 + fromS * 1000, T0 + toS * 1000] as const;

describe('media timeline', () => {
  it('steady playback is one span; heard audio maps to the media clock', () => {
    // Played from 30 s of the video; readings every second with a little jitter.
    const spans = feed([sample(0, 30), sample(1, 31.01), sample(2, 31.99), sample(3, 33.02)]);
    expect(spans).toHaveLength(1);
    expect(mediaTimeOf(spans, ...at(4, 6.5))).toMatchObject({ start: 34.02, end: 36.52, src: 'http://a/v.mp4', frameId: 0, seekable: true, live: false });
  });

  it('a seek back starts a new span: audio before and after it maps to each side', () => {
    const spans = feed([sample(0, 0), sample(5, 5), sample(20, 20), sample(20.5, 10), sample(22, 11.5)]);
    expect(spans).toHaveLength(2);
    expect(spans[0].to).toBe(T0 + 20_500);
    expect(mediaTimeOf(spans, ...at(15, 18))).toMatchObject({ start: 15, end: 18 });
    expect(mediaTimeOf(spans, ...at(25, 27))).toMatchObject({ start: 14.5, end: 16.5 });
    // Audio across the seek: timed on the side that holds most of it, clipped at the seek.
    expect(mediaTimeOf(spans, ...at(19.5, 20.8))).toMatchObject({ start: 19.5, end: 20.5 });
    expect(mediaTimeOf(spans, ...at(20.3, 22))).toMatchObject({ start: 10, end: 11.5 });
  });

  it('a pause stops the clock; audio heard while paused came from elsewhere', () => {
    const spans = feed([sample(0, 0), sample(10, 10, { playing: false }), sample(14, 10), sample(16, 12)]);
    expect(spans.map((s) => s.playing)).toEqual([true, false, true]);
    expect(mediaTimeOf(spans, ...at(11, 13))).toBeNull();
    expect(mediaTimeOf(spans, ...at(15, 17))).toMatchObject({ start: 11, end: 13 });
    // Speech cut by the pause ends where the pause began.
    expect(mediaTimeOf(spans, ...at(8, 10.7))).toMatchObject({ start: 8, end: 10 });
  });

  it('a rate change starts a span that advances at the new rate', () => {
    const spans = feed([sample(0, 0), sample(10, 10, { rate: 2 }), sample(12, 14, { rate: 2 })]);
    expect(spans).toHaveLength(2);
    expect(mediaTimeOf(spans, ...at(13, 14))).toMatchObject({ start: 16, end: 18 });
    expect(mediaTimeOf(spans, ...at(5, 6))).toMatchObject({ start: 5, end: 6 });
  });

  it('drift within the tolerance refines the reading without a new span; beyond it starts one', () => {
    let spans = feed([sample(0, 0), sample(10, 10.2)]);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ from: T0, at: T0 + 10_000, time: 10.2 });
    expect(mediaTimeOf(spans, ...at(12, 12))).toMatchObject({ start: 12.2 });
    spans = addSample(spans, sample(20, 20.6), 0);
    expect(spans).toHaveLength(2);
    // The same reading again changes nothing (no storage write).
    expect(addSample(spans, sample(20, 20.6), 0)).toBe(spans);
  });

  it('another media playing takes over; another one pausing elsewhere is ignored', () => {
    let spans = feed([sample(0, 100)]);
    spans = addSample(spans, sample(5, 3, { src: 'ad.mp4', playing: false }), 0);
    expect(spans).toHaveLength(1);
    spans = addSample(spans, sample(6, 0, { src: 'http://b/embed.mp4' }), 7);
    expect(spans).toHaveLength(2);
    expect(mediaTimeOf(spans, ...at(7, 8))).toMatchObject({ start: 1, end: 2, src: 'http://b/embed.mp4', frameId: 7 });
    expect(mediaTimeOf(spans, ...at(2, 3))).toMatchObject({ start: 102, end: 103, src: 'http://a/v.mp4', frameId: 0 });
  });

  it('nothing before the first reading maps; a live stream says so', () => {
    const spans = feed([sample(10, 500, { live: true, seekable: false })]);
    expect(mediaTimeOf(spans, ...at(2, 5))).toBeNull();
    expect(mediaTimeOf(spans, ...at(11, 12))).toMatchObject({ start: 501, end: 502, live: true, seekable: false });
  });

  it('keeps at most MAX_SPANS spans and reads back only well-formed ones', () => {
    let spans: MediaSpan[] = [];
    for (let i = 0; i < MAX_SPANS + 10; i++) spans = addSample(spans, sample(i, (i % 2) * 50), 0);
    expect(spans).toHaveLength(MAX_SPANS);
    expect(parseSpans(JSON.parse(JSON.stringify(spans)))).toHaveLength(MAX_SPANS);
    expect(parseSpans([{ from: 'x' }, null, 3])).toEqual([]);
    expect(parseSpans(undefined)).toEqual([]);
  });
});
