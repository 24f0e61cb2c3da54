// How far subtitle cues lie from when their words were spoken: the track's reference words are
// placed by forced alignment (bench/lib/forced-align.ts), the cues' words are paired with them
// on a minimum-edit alignment, and each cue's first and last word (when recognised right) give
// its start and end error.
import { ForcedAligner } from '../../../bench/lib/forced-align.ts';
import { alignWords } from '../../../bench/lib/word-latency.ts';
import { realClips } from '../../helpers/fixtures.ts';
import { normalizeWords } from '../../helpers/wer.ts';

export interface TimedWord {
  word: string;
  /** Seconds on the track (= the video's media time). */
  start: number;
  end: number;
}

/** Every reference word of `makeSpeechTrack(ids, gap, lead)`, placed on that track. */
export function alignedTrackWords(ids: readonly string[], gapSeconds = 1.0, leadSeconds = 0.5): TimedWord[] {
  const all = realClips();
  const aligner = new ForcedAligner();
  const words: TimedWord[] = [];
  // joinWithSilence puts the gap after every part, the lead included.
  let at = leadSeconds + gapSeconds;
  try {
    for (const id of ids) {
      const clip = all.find((c) => c.id === id);
      if (!clip) throw new Error(`no speech clip ${id}`);
      for (const w of aligner.align(clip.pcm, clip.text)) words.push({ word: w.word, start: at + w.start, end: at + w.end });
      at += clip.pcm.length / 16000 + gapSeconds;
    }
  } finally {
    aligner.close();
  }
  return words;
}

export interface Cue {
  start: number;
  end: number;
  text: string;
}

export interface CueError {
  cue: number;
  edge: 'start' | 'end';
  word: string;
  /** Cue time minus the word's spoken time (s): positive means the cue is late. */
  error: number;
}

/** Start and end errors of `cues` (in media order) against `words` (the same stretch of media). */
export function cueErrors(cues: readonly Cue[], words: readonly TimedWord[]): CueError[] {
  const hyp: { word: string; cue: number; first: boolean; last: boolean }[] = [];
  cues.forEach((c, i) => {
    const ws = normalizeWords(c.text);
    ws.forEach((word, k) => hyp.push({ word, cue: i, first: k === 0, last: k === ws.length - 1 }));
  });
  const out: CueError[] = [];
  for (const [ri, hi] of alignWords(words.map((w) => w.word), hyp.map((h) => h.word))) {
    const h = hyp[hi]!;
    const w = words[ri]!;
    if (h.first) out.push({ cue: h.cue, edge: 'start', word: w.word, error: cues[h.cue]!.start - w.start });
    if (h.last) out.push({ cue: h.cue, edge: 'end', word: w.word, error: cues[h.cue]!.end - w.end });
  }
  return out;
}

/** Parses SRT cues (`HH:MM:SS,mmm --> HH:MM:SS,mmm` then text lines). */
export function parseSrt(srt: string): Cue[] {
  const secs = (s: string) => {
    const [h, m, rest] = s.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(rest!.replace(',', '.'));
  };
  return srt
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\n\n+/)
    .map((block) => {
      const lines = block.split('\n');
      const [a, b] = lines[1]!.split(' --> ');
      return { start: secs(a!), end: secs(b!), text: lines.slice(2).join(' ') };
    });
}
