import { describe, expect, it } from 'vitest';
import {
  escapeVtt,
  exportFileName,
  formatTimestamp,
  toPlainText,
  toSrt,
  toVtt,
} from '../../../../src/shared/transcript-format.ts';
import type { TranscriptEntry } from '../../../../src/shared/transcript.ts';

const entry = (start: number, end: number, text: string, translation?: string): TranscriptEntry => ({
  id: `1:${start}`,
  start,
  end,
  text,
  ...(translation ? { translation, translationLanguage: 'ar' } : {}),
});

describe('formatTimestamp', () => {
  it('formats SRT and VTT times with milliseconds', () => {
    expect(formatTimestamp(0, ',')).toBe('00:00:00,000');
    expect(formatTimestamp(61.5, ',')).toBe('00:01:01,500');
    expect(formatTimestamp(59.9996, '.')).toBe('00:01:00.000'); // rounds into the next second
    expect(formatTimestamp(3599.999, '.')).toBe('00:59:59.999');
  });

  it('goes past one hour, and past 99 hours without wrapping', () => {
    expect(formatTimestamp(3600, ',')).toBe('01:00:00,000');
    expect(formatTimestamp(2 * 3600 + 3 * 60 + 4.25, '.')).toBe('02:03:04.250');
    expect(formatTimestamp(100 * 3600 + 1, ',')).toBe('100:00:01,000');
  });

  it('clamps negative and non-finite input to zero', () => {
    expect(formatTimestamp(-3, ',')).toBe('00:00:00,000');
    expect(formatTimestamp(Number.NaN, '.')).toBe('00:00:00.000');
  });
});

describe('toSrt', () => {
  it('numbers cues from 1 with SRT times', () => {
    const srt = toSrt([entry(1, 2.5, 'Hello there.'), entry(3700, 3702.04, 'An hour later.')]);
    expect(srt).toBe('1\n00:00:01,000 --> 00:00:02,500\nHello there.\n\n2\n01:01:40,000 --> 01:01:42,040\nAn hour later.\n');
  });

  it('keeps an arrow in the text from reading as a timing line, and never writes a blank line inside a cue', () => {
    const srt = toSrt([entry(0, 1, 'a --> b\n\nc')]);
    expect(srt).toBe('1\n00:00:00,000 --> 00:00:01,000\na -> b\nc\n');
    expect(srt.split('\n').filter((l) => l.includes('-->'))).toHaveLength(1);
  });

  it('writes original, translation or both', () => {
    const list = [entry(0, 1, 'Good morning', 'صباح الخير'), entry(1, 2, 'Untranslated')];
    expect(toSrt(list, 'both')).toContain('Good morning\nصباح الخير\n');
    expect(toSrt(list, 'translation')).toContain('\nصباح الخير\n');
    expect(toSrt(list, 'translation')).not.toContain('Good morning');
    // An entry without translation still appears (in its original), so no speech is lost.
    expect(toSrt(list, 'translation')).toContain('Untranslated');
    expect(toSrt(list, 'original')).not.toContain('صباح');
  });

  it('gives a zero-length entry a positive duration', () => {
    expect(toSrt([entry(5, 5, 'x')])).toContain('00:00:05,000 --> 00:00:05,001');
  });
});

describe('toVtt', () => {
  it('starts with the WEBVTT header and uses dots in times', () => {
    expect(toVtt([entry(1, 2, 'Hi')])).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n');
    expect(toVtt([])).toBe('WEBVTT\n');
  });

  it('escapes &, < and > (which also defuses -->)', () => {
    expect(escapeVtt('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
    const vtt = toVtt([entry(0, 1, 'if x --> y & <b>bold</b>')]);
    expect(vtt).toContain('if x --&gt; y &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(vtt.split('\n').filter((l) => l.includes('-->'))).toHaveLength(1);
  });
});

describe('toPlainText', () => {
  it('stamps each entry and indents its translation', () => {
    expect(toPlainText([entry(3725.4, 3727, 'Hello', 'مرحبا'), entry(3730, 3731, 'Bye')])).toBe(
      '[01:02:05] Hello\n           مرحبا\n[01:02:10] Bye',
    );
  });
});

describe('long sessions', () => {
  it('exports a three-hour session of 5400 cues in order, with valid monotonic times', () => {
    const list = Array.from({ length: 5400 }, (_, i) => entry(i * 2, i * 2 + 1.8, `Sentence number ${i}.`));
    const srt = toSrt(list);
    const vtt = toVtt(list);
    const srtTimes = [...srt.matchAll(/^(\d+):(\d\d):(\d\d),(\d{3}) --> /gm)].map((m) => +m[1] * 3600 + +m[2] * 60 + +m[3] + +m[4] / 1000);
    expect(srtTimes).toHaveLength(5400);
    expect(srtTimes.every((t, i) => i === 0 || t > srtTimes[i - 1])).toBe(true);
    expect(srtTimes.at(-1)).toBeCloseTo(5399 * 2, 3);
    expect(srt).toContain('5400\n02:59:58,000 --> 02:59:59,800\nSentence number 5399.\n');
    expect(vtt.match(/ --> /g)).toHaveLength(5400);
    expect(vtt.endsWith('02:59:58.000 --> 02:59:59.800\nSentence number 5399.\n')).toBe(true);
  });
});

describe('exportFileName', () => {
  it('makes a safe file name from the page title and date', () => {
    const at = new Date(2026, 10, 23, 9, 5).getTime();
    expect(exportFileName('A lecture: <part 2/3>', at, 'srt')).toBe('captions-A-lecture-part-2-3-2026-11-23_0905.srt');
    expect(exportFileName('محاضرة', at, 'vtt')).toMatch(/^captions-.+-2026-11-23_0905\.vtt$/);
    expect(exportFileName(undefined, at, 'txt')).toBe('captions-2026-11-23_0905.txt');
  });
});
