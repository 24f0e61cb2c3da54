// Word-level view of recognizer text, shared by the streaming policy and the hallucination
// guard. Pure: no I/O, no binding.

export interface Word {
  /** The word as printed, punctuation included ("sunny,"). */
  text: string;
  /** Whitespace that preceded it in the source text ('' inside CJK runs). */
  sep: string;
  /** Comparison key: case, punctuation and width differences removed. */
  norm: string;
  /** Seconds from the start of the utterance (estimated inside a segment). */
  start: number;
  end: number;
}

// Scripts written without spaces: each character is treated as a word so that agreement
// can still commit inside a sentence.
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}';
const TOKEN_RE = new RegExp(`(\\s*)([${CJK}]|[^\\s${CJK}]+)`, 'gu');

export function normalizeWord(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Splits text into words spread evenly (by length) over [start, end]. Punctuation-only
 * tokens ("-", "...") are glued to a neighbour so every word has a non-empty norm.
 */
export function splitWords(text: string, start = 0, end = start): Word[] {
  const raw: { sep: string; text: string }[] = [];
  let pendingPrefix = '';
  let pendingSep: string | null = null;
  for (const m of text.matchAll(TOKEN_RE)) {
    const sep = m[1];
    const tok = m[2];
    if (normalizeWord(tok) === '') {
      const last = raw[raw.length - 1];
      if (last) last.text += sep + tok;
      else {
        pendingSep ??= sep;
        pendingPrefix += (pendingPrefix ? sep : '') + tok;
      }
      continue;
    }
    if (pendingPrefix) {
      raw.push({ sep: pendingSep ?? sep, text: pendingPrefix + sep + tok });
      pendingPrefix = '';
      pendingSep = null;
    } else {
      raw.push({ sep, text: tok });
    }
  }
  const weights = raw.map((w) => Math.max(1, normalizeWord(w.text).length));
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0, end - start);
  let acc = 0;
  return raw.map((w, i) => {
    const s = start + (span * acc) / total;
    acc += weights[i];
    return { text: w.text, sep: w.sep, norm: normalizeWord(w.text), start: s, end: start + (span * acc) / total };
  });
}

/** Joins words back into text, keeping the original spacing; leading space dropped. */
export function joinWords(words: readonly Word[]): string {
  return words.map((w) => w.sep + w.text).join('').trim();
}

/** Joins two pieces of transcript, adding a space unless either side is CJK. */
export function joinText(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  const noSpace = new RegExp(`[${CJK}]$`, 'u').test(a) || new RegExp(`^[${CJK}]`, 'u').test(b);
  return noSpace ? a + b : `${a} ${b}`;
}
