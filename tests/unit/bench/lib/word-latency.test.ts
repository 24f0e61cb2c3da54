// The word-latency scoring of bench:latency (bench/lib/word-latency.ts) and its statistics helpers.
import { describe, expect, it } from 'vitest';
import { alignWords, wordLatencies, type CaptionVersion } from '../../../../bench/lib/word-latency.ts';
import { linearRegression, percentile } from '../../../../bench/lib/stats.ts';

describe('per-word caption latency', () => {
  it('aligns equal words only, skipping substitutions and insertions', () => {
    expect(alignWords(['ask', 'not', 'what', 'your'], ['ask', 'knot', 'what', 'the', 'your'])).toEqual([
      [0, 0],
      [2, 2],
      [3, 4],
    ]);
  });

  it('times each matched word from its end to its first appearance and to its final', () => {
    const ref = [
      { word: 'ask', endAt: 1000 },
      { word: 'not', endAt: 1500 },
      { word: 'what', endAt: 2000 },
      { word: 'country', endAt: 5000 },
    ];
    const versions: CaptionVersion[] = [
      { t: 1600, id: '0', kind: 'partial', text: 'ask' },
      { t: 2100, id: '0', kind: 'partial', text: 'ask knot' },
      { t: 2600, id: '0', kind: 'partial', text: 'Ask not what' },
      { t: 3000, id: '0', kind: 'final', text: 'Ask not, what.' },
      { t: 5800, id: '1', kind: 'final', text: 'country' },
    ];
    const r = wordLatencies(ref, versions);
    expect(r.matched).toBe(4);
    expect(r.words.map((w) => [w.word, w.firstSeen, w.final])).toEqual([
      ['ask', 0.6, 2],
      ['not', 1.1, 1.5], // "knot" is not "not": first seen at 2600
      ['what', 0.6, 1],
      ['country', 0.8, 0.8], // no partial: first seen = final
    ]);
  });

  it('counts repeated words by occurrence and leaves out words the captions got wrong', () => {
    const ref = [
      { word: 'you', endAt: 1000 },
      { word: 'can', endAt: 1200 },
      { word: 'you', endAt: 1400 },
    ];
    const versions: CaptionVersion[] = [
      { t: 1300, id: 'a', kind: 'partial', text: 'you' },
      { t: 1900, id: 'a', kind: 'partial', text: 'you cat you' },
      { t: 2500, id: 'a', kind: 'final', text: 'you cat you' },
    ];
    const r = wordLatencies(ref, versions);
    expect(r.matched).toBe(2);
    expect(r.words.map((w) => [w.refIndex, w.firstSeen])).toEqual([
      [0, 0.3],
      [2, 0.5],
    ]);
  });
});

describe('bench statistics', () => {
  it('nearest-rank percentiles', () => {
    const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });

  it('least-squares slope', () => {
    const r = linearRegression([0, 1, 2, 3].map((x) => ({ x, y: 3 + 2 * x })));
    expect(r.slope).toBeCloseTo(2);
    expect(r.intercept).toBeCloseTo(3);
    expect(r.r2).toBeCloseTo(1);
  });
});
