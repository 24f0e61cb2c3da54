// Per-word caption latency: for every reference word the captions got right, the time from
// the word's end in the audio to its first appearance (in a partial or the final) and to its
// final. Pure logic: the benches feed it timestamped caption versions from the page DOM or
// from a protocol client, and word end times from forced alignment.
import { normalizeWords } from '../../tests/helpers/wer.ts';

/** One version of one caption segment, as seen by the client at wall-clock time `t` (ms). */
export interface CaptionVersion {
  t: number;
  id: string;
  kind: 'partial' | 'final';
  text: string;
}

/** A reference word and the wall-clock time (ms) at which its last sound was played/sent. */
export interface TimedWord {
  word: string;
  endAt: number;
}

export interface WordLatency {
  word: string;
  refIndex: number;
  /** Seconds from the word's end to its first appearance (may be < 0: shown mid-word). */
  firstSeen: number;
  /** Seconds from the word's end to its final. */
  final: number;
}

export interface WordLatencyResult {
  words: WordLatency[];
  referenceWords: number;
  /** Reference words the captions got right (only they have a latency). */
  matched: number;
}

interface HypWord {
  word: string;
  segment: string;
  /** n-th occurrence (1-based) of this word within its segment's final text. */
  occurrence: number;
  finalAt: number;
}

/** Pairs of equal words on a minimum-edit-distance alignment of ref against hyp. */
export function alignWords(ref: readonly string[], hyp: readonly string[]): [number, number][] {
  const n = ref.length;
  const m = hyp.length;
  const d: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = 0; i <= n; i++) d[i]![0] = i;
  for (let j = 0; j <= m; j++) d[0]![j] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const sub = d[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      d[i]![j] = Math.min(sub, d[i - 1]![j]! + 1, d[i]![j - 1]! + 1);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = n, j = m; i > 0 && j > 0; ) {
    const same = ref[i - 1] === hyp[j - 1];
    if (d[i]![j] === d[i - 1]![j - 1]! + (same ? 0 : 1)) {
      if (same) pairs.push([i - 1, j - 1]);
      i--;
      j--;
    } else if (d[i]![j] === d[i - 1]![j]! + 1) i--;
    else j--;
  }
  return pairs.reverse();
}

const occurrences = (words: readonly string[], w: string) => words.reduce((n, x) => n + (x === w ? 1 : 0), 0);

export function wordLatencies(reference: readonly TimedWord[], versions: readonly CaptionVersion[]): WordLatencyResult {
  // Finals in order of their segment's first appearance, as a reader sees the transcript.
  const order: string[] = [];
  const bySegment = new Map<string, CaptionVersion[]>();
  for (const v of [...versions].sort((a, b) => a.t - b.t)) {
    let list = bySegment.get(v.id);
    if (!list) bySegment.set(v.id, (list = []));
    if (list.length === 0) order.push(v.id);
    list.push(v);
  }
  const hyp: HypWord[] = [];
  for (const id of order) {
    const final = bySegment.get(id)!.find((v) => v.kind === 'final');
    if (!final) continue;
    const words = normalizeWords(final.text);
    words.forEach((word, k) => hyp.push({ word, segment: id, occurrence: occurrences(words.slice(0, k + 1), word), finalAt: final.t }));
  }
  const refWords = reference.map((r) => normalizeWords(r.word).join(' '));
  const pairs = alignWords(refWords, hyp.map((h) => h.word));
  const words: WordLatency[] = pairs.map(([ri, hi]) => {
    const h = hyp[hi]!;
    const endAt = reference[ri]!.endAt;
    // First version of the segment holding at least as many of this word as the final has up to it.
    const first = bySegment.get(h.segment)!.find((v) => v.t <= h.finalAt && occurrences(normalizeWords(v.text), h.word) >= h.occurrence);
    return { word: h.word, refIndex: ri, firstSeen: ((first?.t ?? h.finalAt) - endAt) / 1000, final: (h.finalAt - endAt) / 1000 };
  });
  return { words, referenceWords: reference.length, matched: words.length };
}
