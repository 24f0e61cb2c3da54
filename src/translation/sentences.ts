// Sentence ends, found with Intl.Segmenter (ICU's sentence rules for the language) rather
// than a hand-written splitter: the buffered finals end a sentence when ICU's last sentence
// segment is terminated (., !, ?, 。, ؟ … possibly followed by quotes or brackets).

const TERMINATED = /[.!?。！？…؟।]["'”’»)\]]*\s*$/u;

/** Does `text` end with a complete sentence (in `language`)? */
export function endsWithSentence(text: string, language: string): boolean {
  let segmenter: Intl.Segmenter;
  try {
    segmenter = new Intl.Segmenter(language, { granularity: 'sentence' });
  } catch {
    segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
  }
  let last = '';
  for (const s of segmenter.segment(text.trim())) last = s.segment;
  return last !== '' && TERMINATED.test(last);
}
