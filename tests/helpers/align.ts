// Word alignment of a hypothesis against a reference (Levenshtein with backtrace), to tell
// which reference words a transcript lost, and which words it repeated.
import { normalizeWords } from './wer.ts';

export type RefStatus = 'match' | 'sub' | 'del';

export interface Alignment {
  ref: string[];
  hyp: string[];
  /** What became of each reference word. */
  status: RefStatus[];
  insertions: number;
}

export function alignWords(reference: string, hypothesis: string): Alignment {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  const n = ref.length;
  const m = hyp.length;
  const d = Array.from({ length: n + 1 }, (_, i) => Uint32Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      d[i][j] = Math.min(d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1), d[i - 1][j] + 1, d[i][j - 1] + 1);
    }
  }
  const status: RefStatus[] = new Array(n);
  let insertions = 0;
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i][j] === d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      status[i - 1] = ref[i - 1] === hyp[j - 1] ? 'match' : 'sub';
      i--;
      j--;
    } else if (i > 0 && d[i][j] === d[i - 1][j] + 1) {
      status[i - 1] = 'del';
      i--;
    } else {
      insertions++;
      j--;
    }
  }
  return { ref, hyp, status, insertions };
}

/** Reference indices deleted in runs of at least `minRun` consecutive words (lost audio looks like this). */
export function deletionRuns(status: RefStatus[], minRun: number): number[][] {
  const runs: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i <= status.length; i++) {
    if (status[i] === 'del') cur.push(i);
    else {
      if (cur.length >= minRun) runs.push(cur);
      cur = [];
    }
  }
  return runs;
}

/** Word n-grams of `hyp` that occur more often than in every one of `others` (repeated text). */
export function repeatedNgrams(hyp: string[], others: string[][], n = 3): string[] {
  const count = (words: string[]) => {
    const c = new Map<string, number>();
    for (let i = 0; i + n <= words.length; i++) {
      const k = words.slice(i, i + n).join(' ');
      c.set(k, (c.get(k) ?? 0) + 1);
    }
    return c;
  };
  const mine = count(hyp);
  const theirs = others.map(count);
  return [...mine].filter(([k, c]) => c > 1 && theirs.every((t) => c > (t.get(k) ?? 0))).map(([k]) => k);
}

export interface LossReport {
  /** Reference words lost: deleted in a run of 3 or more that the fault-free run got right. */
  wordsLost: number;
  /** Each lost run, as text. */
  lostWords: string[];
  /** Trigrams the faulty run repeats more often than the reference and the fault-free run. */
  repeatedTrigrams: string[];
}

/**
 * What a fault (a killed server, a reset connection) cost a transcript, judged against the same
 * server's fault-free transcript of the same audio: lost audio removes whole stretches of words,
 * while scattered deletions (and words the fault-free run also missed) are the recognizer's own.
 */
export function lossAgainstBaseline(reference: string, hypothesis: string, baseline: string): LossReport {
  const run = alignWords(reference, hypothesis);
  const base = alignWords(reference, baseline);
  const lostRuns = deletionRuns(run.status, 3)
    .map((r) => r.filter((i) => base.status[i] === 'match'))
    .filter((r) => r.length > 0);
  return {
    wordsLost: lostRuns.reduce((n, r) => n + r.length, 0),
    lostWords: lostRuns.map((r) => r.map((i) => run.ref[i]).join(' ')),
    repeatedTrigrams: repeatedNgrams(run.hyp, [run.ref, base.hyp]),
  };
}
