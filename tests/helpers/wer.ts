// Word error rate for scoring recognizers against reference transcripts.

/**
 * Lowercases, drops apostrophes ("don't" → "dont") and accents, and turns every other
 * punctuation into a word break ("lower-case" → "lower case"). Digits stay digits:
 * LJ Speech writes numbers that way, so a recognizer that spells them out is (rightly) charged.
 */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
}

/** Minimum substitutions + insertions + deletions turning `ref` into `hyp` (word Levenshtein). */
export function editDistance(ref: readonly string[], hyp: readonly string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const sub = prev[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    prev = cur;
  }
  return prev[hyp.length];
}

export interface WerCount {
  errors: number;
  refWords: number;
}

export function wordErrors(reference: string, hypothesis: string): WerCount {
  const ref = normalizeWords(reference);
  return { errors: editDistance(ref, normalizeWords(hypothesis)), refWords: ref.length };
}

/** WER of one pair: errors / reference words (an empty reference scores 0 only for an empty hypothesis). */
export function wer(reference: string, hypothesis: string): number {
  const { errors, refWords } = wordErrors(reference, hypothesis);
  if (refWords === 0) return errors === 0 ? 0 : 1;
  return errors / refWords;
}

/** Alias of wer(). */
export const wordErrorRate = wer;

/** Corpus WER: total errors over total reference words (long clips weigh more, as they should). */
export function corpusWer(pairs: Iterable<{ reference: string; hypothesis: string }>): number {
  let errors = 0;
  let refWords = 0;
  for (const p of pairs) {
    const c = wordErrors(p.reference, p.hypothesis);
    errors += c.errors;
    refWords += c.refWords;
  }
  return refWords === 0 ? 0 : errors / refWords;
}
