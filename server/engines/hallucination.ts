// Guards against Whisper's well-known hallucinations: stock phrases it emits over silence or
// music (learned from subtitle training data), sound annotations, and decoding loops.
// Pure: no I/O, no binding, so every rule is unit-tested with scripted text.

import type { Word } from './text-words.ts';
import { normalizeWord } from './text-words.ts';

export interface GuardSegment {
  text: string;
  start: number;
  end: number;
  /** Loudest 100 ms frame inside the segment, dBFS; absent when unknown. */
  peakDb?: number;
}

/** Below this the audio is treated as near-silence (speech in tab audio is ~-30..-10 dBFS). */
export const DEFAULT_SILENCE_DB = -45;

const norm = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

// Segments matching these are dropped wherever they appear: nobody says them mid-speech
// in a way worth captioning, and Whisper produces them from silence or music.
const ALWAYS_DROP: RegExp[] = [
  /^(thanks|thank you|thank you so much|thank you very much) for watching( and listening)?( everyone| guys)?$/,
  /^(please )?(like and )?subscribe( to (my|our|the) channel)?$/,
  /^(subtitles|captions|transcription|transcript|subtitled|captioned|transcribed) (by|from)\b/,
  /\bamara org\b/,
  /^sous titres? (réalisés )?par\b/,
  /^untertitel (der|von|im auftrag)\b/,
  /^sottotitoli (creati )?(a cura di|da)\b/,
  /^subtítulos (realizados )?(por|de)\b/,
  /^продолжение следует$/,
  /^редактор субтитров\b/,
  /^ご視聴ありがとうございました$/,
  /^字幕/,
  /^www [a-z0-9 ]+$/,
];

// Short phrases a person may really say: dropped only when they are the whole utterance,
// the typical case of Whisper "hearing" something in noise that got past the VAD.
const DROP_WHEN_ALONE = new Set([
  'thank you',
  'thank you very much',
  'thank you so much',
  'thanks',
  'you',
  'bye',
  'bye bye',
]);

/** True when the text is only a sound annotation: "[BLANK_AUDIO]", "(music)", "*laughs*", "♪♪". */
export function isAnnotationOnly(text: string): boolean {
  return stripAnnotations(text).trim() === '' && text.trim() !== '';
}

/** Removes inline sound annotations and music symbols. */
export function stripAnnotations(text: string): string {
  return text
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\*[^*]*\*/g, ' ')
    .replace(/[♪♫♬♩]+/g, ' ')
    .replace(/\s{2,}/g, ' ');
}

export function isStockHallucination(text: string): boolean {
  const n = norm(text);
  return n !== '' && ALWAYS_DROP.some((re) => re.test(n));
}

/** "Thank you." and friends: hallucinations when they are all there is. */
export function isSuspiciousAlone(text: string): boolean {
  return DROP_WHEN_ALONE.has(norm(text));
}

/**
 * Per-segment guard: drops near-silent segments, annotation-only segments, stock
 * hallucinations, and a segment repeated 3+ times in a row (kept once).
 */
export function cleanSegments<S extends GuardSegment>(
  segments: readonly S[],
  silenceDb = DEFAULT_SILENCE_DB,
): S[] {
  const out: S[] = [];
  let runKey = '';
  let runLength = 0;
  for (const seg of segments) {
    if (seg.peakDb !== undefined && seg.peakDb < silenceDb) continue;
    const text = stripAnnotations(seg.text);
    if (normalizeWord(text) === '') continue;
    if (isStockHallucination(text)) continue;
    const key = norm(text);
    runLength = key === runKey ? runLength + 1 : 1;
    runKey = key;
    if (runLength >= 2) {
      // Hold back repeats; a third copy proves a loop, two may be real ("Yes. Yes.").
      if (runLength === 2) out.push({ ...seg, text });
      else if (runLength === 3) out.pop();
      continue;
    }
    out.push({ ...seg, text });
  }
  return out;
}

/**
 * Removes decoding loops at word level: one word 4+ times in a row ("the the the the") or a
 * phrase of 2+ words 3+ times in a row. The first occurrence is kept.
 */
export function removeRepeats(words: readonly Word[], maxPhrase = 12): Word[] {
  let cur = [...words];
  for (let changed = true; changed; ) {
    changed = false;
    for (let n = 1; n <= maxPhrase && !changed; n++) {
      const minCopies = n === 1 ? 4 : 3;
      for (let i = 0; i + n * minCopies <= cur.length; i++) {
        let copies = 1;
        while (samePhrase(cur, i, i + copies * n, n)) copies++;
        if (copies >= minCopies) {
          cur = [...cur.slice(0, i + n), ...cur.slice(i + copies * n)];
          changed = true;
          break;
        }
      }
    }
  }
  return cur;
}

function samePhrase(words: readonly Word[], a: number, b: number, n: number): boolean {
  if (b + n > words.length) return false;
  for (let k = 0; k < n; k++) if (words[a + k].norm !== words[b + k].norm) return false;
  return true;
}

// ---------------------------------------------------------------- audio level

const FRAME = 1600; // 100 ms at 16 kHz

/** RMS level of each 100 ms frame, dBFS (-100 for digital silence). */
export function frameLevelsDb(pcm: Int16Array, frame = FRAME): Float32Array {
  const n = Math.ceil(pcm.length / frame);
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let sum = 0;
    const end = Math.min(pcm.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) sum += pcm[i] * pcm[i];
    const rms = Math.sqrt(sum / Math.max(1, end - f * frame)) / 32768;
    out[f] = rms > 1e-5 ? 20 * Math.log10(rms) : -100;
  }
  return out;
}

/** Loudest frame between two times (seconds); whole range when times are degenerate. */
export function peakDb(levels: Float32Array, start: number, end: number, frameSeconds = FRAME / 16000): number {
  let a = Math.max(0, Math.floor(start / frameSeconds));
  let b = Math.min(levels.length, Math.ceil(end / frameSeconds));
  if (b <= a) {
    a = Math.max(0, Math.min(a, levels.length - 1));
    b = Math.min(levels.length, a + 1);
  }
  let peak = -100;
  for (let i = a; i < b; i++) peak = Math.max(peak, levels[i]);
  return peak;
}
