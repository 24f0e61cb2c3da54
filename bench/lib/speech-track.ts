// The benches' speech: real recorded clips joined with pauses, and for every reference word
// its end time on the track (forced alignment, see forced-align.ts).
import { encodeWav, joinWithSilence, realClips } from '../../tests/helpers/fixtures.ts';
import { ForcedAligner } from './forced-align.ts';

/** Clips whose every word is in the en-us dictionary (the aligner needs that): JFK, LibriVox, LJ Speech. */
export const LATENCY_CLIPS = [
  'en-jfk',
  'en-librivox-0870',
  'en-librivox-0880',
  'en-librivox-0890',
  'en-librivox-0920',
  'en-librivox-0930',
  'en-LJ001-0001',
  'en-LJ001-0004',
  'en-LJ001-0009',
];

export interface AlignedTrack {
  pcm: Int16Array;
  wav: Buffer;
  text: string;
  seconds: number;
  clipIds: string[];
  /** Every reference word with its end (seconds on the track). */
  words: { word: string; end: number }[];
}

export function alignedTrack(ids: readonly string[] = LATENCY_CLIPS, gapSeconds = 1.0, leadSeconds = 0.5): AlignedTrack {
  const all = realClips();
  const clips = ids.map((id) => {
    const c = all.find((x) => x.id === id);
    if (!c) throw new Error(`no speech clip ${id}`);
    return c;
  });
  const aligner = new ForcedAligner();
  const words: { word: string; end: number }[] = [];
  const gap = Math.round(gapSeconds * 16000);
  const lead = new Int16Array(Math.round(leadSeconds * 16000));
  // joinWithSilence puts `gap` after every part, the lead included.
  let at = lead.length + gap;
  try {
    for (const c of clips) {
      for (const w of aligner.align(c.pcm, c.text)) words.push({ word: w.word, end: at / 16000 + w.end });
      at += c.pcm.length + gap;
    }
  } finally {
    aligner.close();
  }
  const pcm = joinWithSilence([lead, ...clips.map((c) => c.pcm)], gapSeconds);
  return { pcm, wav: encodeWav(pcm), text: clips.map((c) => c.text).join(' '), seconds: pcm.length / 16000, clipIds: [...ids], words };
}
