// A transcript tied to the video: finals placed on the media's own timeline from their capture
// times, across a seek back and a pause, and exported as subtitles for that video.
import { describe, expect, it } from 'vitest';
import type { MediaSample } from '../../../../src/shared/media-timeline.ts';
import type { CaptionUpdate } from '../../../../src/shared/messages.ts';
import { formatVideoSubtitles, videoEntries } from '../../../../src/shared/transcript-format.ts';
import { addFinal, emptyTranscript, parseTranscript, type Transcript } from '../../../../src/shared/transcript.ts';
import { addMediaSample, placeOnMedia } from '../../../../src/shared/transcript-media.ts';

const T0 = 1_700_000_000_000;
const VIDEO = 'http://site/lecture.mp4';
const ms = (s: number) => T0 + s * 1000;
const reading = (atS: number, time: number, o: Partial<MediaSample> = {}): MediaSample => ({
  at: ms(atS),
  time,
  rate: 1,
  playing: true,
  src: VIDEO,
  live: false,
  seekable: true,
  ...o,
});
/** A final heard from `fromS` to `toS` of wall time (the connection clock starts at T0 here). */
const heard = (id: string, fromS: number, toS: number, text: string): CaptionUpdate => ({
  kind: 'final',
  id,
  segmentId: 0,
  text,
  start: fromS,
  end: toS,
  capturedAt: { start: ms(fromS), end: ms(toS) },
});

function session(events: (MediaSample | CaptionUpdate)[]): Transcript {
  let t = emptyTranscript(1, T0);
  for (const e of events) {
    if ('kind' in e) t = placeOnMedia(addFinal(t, e, (e.capturedAt?.end ?? T0) + 800), e);
    else t = addMediaSample(t, e, 0);
  }
  return t;
}

describe('subtitles for this video', () => {
  // The user starts captions at 5 s of the video, plays, seeks back 10 s at 20 s of wall time,
  // pauses for 6 s, plays on.
  const t = session([
    reading(0, 5),
    heard('1:0', 1, 4, 'one'),
    reading(5, 10),
    heard('1:1', 6, 9, 'two'),
    reading(12, 17.01),
    heard('1:2', 13, 15, 'three'),
    reading(15, 10), // seek back 10 s
    heard('1:3', 16, 18.5, 'three again'),
    reading(19, 14, { playing: false }), // pause
    reading(25, 14), // play
    heard('1:4', 25.5, 27, 'four'),
  ]);

  it('places each final on the media timeline; a seek or pause does not shift what follows', () => {
    expect(t.entries.map((e) => [e.text, e.start, e.media?.start, e.media?.end])).toEqual([
      ['one', 1, 6, 9],
      ['two', 6, 11, 14],
      ['three', 13, 18.01, 20.01], // the reading at 12 s (17.01) refined the clock
      ['three again', 16, 11, 13.5],
      ['four', 25.5, 14.5, 16],
    ]);
    // It survives storage (the background keeps it in chrome.storage.session).
    expect(parseTranscript(JSON.parse(JSON.stringify(t)))).toEqual(JSON.parse(JSON.stringify(t)));
  });

  it('keeps what was heard twice once, in video order, without overlapping cues', () => {
    const cues = videoEntries(t.entries).map((e) => [e.text, e.start, e.end]);
    // "three again" (11–13.5) overlaps "two" (11–14) as a whole: heard twice, kept as first heard.
    expect(cues).toEqual([
      ['one', 6, 9],
      ['two', 11, 14],
      ['four', 14.5, 16],
      ['three', 18.01, 20.01],
    ]);
    expect(formatVideoSubtitles(t.entries, 'srt', 'original')).toBe(
      [
        '1\n00:00:06,000 --> 00:00:09,000\none\n',
        '2\n00:00:11,000 --> 00:00:14,000\ntwo\n',
        '3\n00:00:14,500 --> 00:00:16,000\nfour\n',
        '4\n00:00:18,010 --> 00:00:20,010\nthree\n',
      ].join('\n'),
    );
    expect(formatVideoSubtitles(t.entries, 'vtt', 'original')).toMatch(/^WEBVTT\n\n00:00:06\.000 --> 00:00:09\.000\none\n/);
  });

  it('leaves out what was heard while no media played, and other media', () => {
    const t2 = session([
      heard('1:0', 1, 2, 'before the video'),
      reading(3, 0),
      heard('1:1', 4, 5, 'in the video'),
      reading(6, 0, { src: 'http://ads/ad.mp4' }),
      heard('1:2', 7, 8, 'an advert'),
    ]);
    expect(t2.entries.map((e) => e.media?.src ?? null)).toEqual([null, VIDEO, 'http://ads/ad.mp4']);
    expect(videoEntries(t2.entries, VIDEO).map((e) => e.text)).toEqual(['in the video']);
    // "This video" is the one heard last.
    expect(videoEntries(t2.entries).map((e) => e.text)).toEqual(['an advert']);
  });

  it('a final without capture times keeps its session time only', () => {
    const plain: CaptionUpdate = { kind: 'final', id: '1:9', segmentId: 9, text: 'old offscreen', start: 1, end: 2 };
    const t3 = session([reading(0, 0), plain]);
    expect(t3.entries[0].media).toBeUndefined();
    expect(formatVideoSubtitles(t3.entries, 'srt', 'original')).toBe('');
  });
});
