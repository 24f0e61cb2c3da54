import { describe, expect, it } from 'vitest';
import { corpusWer, editDistance, normalizeWords, wer } from '../helpers/wer.ts';

describe('normalizeWords', () => {
  it('lowercases and strips punctuation, keeping digits', () => {
    expect(normalizeWords('In 1465, Sweynheim & Pannartz began "printing".')).toEqual(['in', '1465', 'sweynheim', 'pannartz', 'began', 'printing']);
  });
  it('splits hyphenated words and joins apostrophes', () => {
    expect(normalizeWords("the lower-case letters don't")).toEqual(['the', 'lower', 'case', 'letters', 'dont']);
  });
  it('drops accents and handles empty text', () => {
    expect(normalizeWords('Lübeck café')).toEqual(['lubeck', 'cafe']);
    expect(normalizeWords('  ... ')).toEqual([]);
  });
});

describe('word error rate', () => {
  it('counts substitutions, insertions and deletions', () => {
    expect(editDistance(['a', 'b', 'c'], ['a', 'x', 'c'])).toBe(1);
    expect(editDistance(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toBe(1);
    expect(editDistance(['a', 'b', 'c'], ['a', 'c'])).toBe(1);
    expect(editDistance(['a', 'b'], [])).toBe(2);
    expect(editDistance([], ['a'])).toBe(1);
  });
  it('is 0 for a match modulo case and punctuation, errors/reference words otherwise', () => {
    expect(wer('Ask not, what your country can do!', 'ask not what your country can do')).toBe(0);
    expect(wer('one two three four', 'one too three')).toBe(0.5);
    expect(wer('', '')).toBe(0);
    expect(wer('', 'noise')).toBe(1);
    // Digits are not spelled out: a recognizer writing "fourteen" for "14" is charged.
    expect(wer('in 14 days', 'in fourteen days')).toBeCloseTo(1 / 3);
  });
  it('weighs clips by length in corpus WER', () => {
    const pairs = [
      { reference: 'a b c d e f g h i j', hypothesis: 'a b c d e f g h i j' },
      { reference: 'x y', hypothesis: '' },
    ];
    expect(corpusWer(pairs)).toBeCloseTo(2 / 12);
  });
});
