// The content side of media times: what a reading of a media element says, and when the
// transcript panel's click may seek it (a live stream or an unseekable media says why not).
import { describe, expect, it } from 'vitest';
import { readMedia, seekMedia, type MediaLike } from '../../../../src/content/media-clock.ts';

const ranges = (...r: [number, number][]) => ({ length: r.length, start: (i: number) => r[i][0], end: (i: number) => r[i][1] });
const media = (o: Partial<MediaLike> = {}): MediaLike => ({
  currentTime: 12.5,
  duration: 60,
  playbackRate: 1,
  paused: false,
  ended: false,
  seeking: false,
  readyState: 4,
  muted: false,
  volume: 1,
  currentSrc: 'http://site/v.mp4',
  seekable: ranges([0, 60]),
  ...o,
});

describe('media clock (content script)', () => {
  it('reads the clock: playing only while it advances', () => {
    expect(readMedia(media(), 1000)).toEqual({ at: 1000, time: 12.5, rate: 1, playing: true, src: 'http://site/v.mp4', live: false, seekable: true });
    expect(readMedia(media({ paused: true }), 1).playing).toBe(false);
    expect(readMedia(media({ seeking: true }), 1).playing).toBe(false);
    expect(readMedia(media({ readyState: 2 }), 1).playing).toBe(false); // waiting for data
    expect(readMedia(media({ duration: Infinity, seekable: ranges([100, 130]) }), 1)).toMatchObject({ live: true, seekable: false });
  });

  it('seeks a seekable media to the line; a live stream, an unseekable or a gone media says why not', () => {
    const m = media();
    expect(seekMedia(m, 31.25)).toEqual({ ok: true });
    expect(m.currentTime).toBe(31.25);
    const live = media({ duration: Infinity, seekable: ranges([100, 130]) });
    expect(seekMedia(live, 110)).toEqual({ ok: false, reason: 'live' });
    expect(live.currentTime).toBe(12.5);
    expect(seekMedia(media({ seekable: ranges() }), 5)).toEqual({ ok: false, reason: 'not-seekable' });
    expect(seekMedia(media({ seekable: ranges([0, 20]) }), 45)).toEqual({ ok: false, reason: 'not-seekable' });
    expect(seekMedia(null, 5)).toEqual({ ok: false, reason: 'no-media' });
  });
});
