import { describe, expect, it } from 'vitest';
import type { CaptionUpdate } from '../../../../src/shared/messages.ts';
import { addFinal, addTranslation, emptyTranscript, parseTranscript, searchTranscript } from '../../../../src/shared/transcript.ts';

const T0 = 1_700_000_000_000;
const fin = (id: string, start: number, end: number, text: string): CaptionUpdate => ({ kind: 'final', id, segmentId: 0, text, start, end });

describe('transcript', () => {
  it('anchors each connection once and keeps session-relative times', () => {
    let t = emptyTranscript(1, T0);
    t = addFinal(t, fin('a:0', 1, 3, 'one'), T0 + 3_200);
    t = addFinal(t, fin('a:1', 4, 6, 'two'), T0 + 6_900); // arrives late: same anchor, no drift
    // Reconnected 20 s in: the new connection's clock starts at zero again.
    t = addFinal(t, fin('b:0', 0.5, 2, 'three'), T0 + 22_000);
    expect(t.entries.map((e) => [e.id, e.start, e.end, e.text])).toEqual([
      ['a:0', 1.2, 3.2, 'one'],
      ['a:1', 4.2, 6.2, 'two'],
      ['b:0', 20.5, 22, 'three'],
    ]);
  });

  it('ignores partials, replaces a repeated final, drops an emptied one', () => {
    let t = emptyTranscript(1, T0);
    t = addFinal(t, { ...fin('a:0', 0, 1, 'partial'), kind: 'partial' }, T0 + 1000);
    expect(t.entries).toEqual([]);
    t = addFinal(t, fin('a:0', 0, 1, 'hello'), T0 + 1000);
    t = addFinal(t, fin('a:0', 0, 1, 'hello world'), T0 + 1100);
    expect(t.entries.map((e) => e.text)).toEqual(['hello world']);
    t = addFinal(t, fin('a:0', 0, 1, '  '), T0 + 1200);
    expect(t.entries).toEqual([]);
  });

  it('puts a translation on the first entry it covers and keeps it across a repeated final', () => {
    let t = emptyTranscript(1, T0);
    t = addFinal(t, fin('a:0', 0, 1, 'Good'), T0 + 1000);
    t = addFinal(t, fin('a:1', 1, 2, 'morning.'), T0 + 2000);
    t = addTranslation(t, { ids: ['a:0', 'a:1'], text: 'صباح الخير', language: 'ar', provider: 'server' });
    expect(t.entries.map((e) => e.translation ?? null)).toEqual(['صباح الخير', null]);
    t = addFinal(t, fin('a:0', 0, 1, 'Good'), T0 + 2100);
    expect(t.entries[0]).toMatchObject({ translation: 'صباح الخير', translationLanguage: 'ar' });
    // Unknown ids change nothing.
    expect(addTranslation(t, { ids: ['z:9'], text: 'x', language: 'ar', provider: 'push' })).toBe(t);
  });

  it('searches original and translation, every word, case-insensitively', () => {
    let t = emptyTranscript(1, T0);
    t = addFinal(t, fin('a:0', 0, 1, 'The Quick brown fox'), T0 + 1000);
    t = addFinal(t, fin('a:1', 1, 2, 'jumps over'), T0 + 2000);
    t = addTranslation(t, { ids: ['a:1'], text: 'salta sobre', language: 'es', provider: 'chrome' });
    expect(searchTranscript(t.entries, 'quick FOX').map((e) => e.id)).toEqual(['a:0']);
    expect(searchTranscript(t.entries, 'salta').map((e) => e.id)).toEqual(['a:1']);
    expect(searchTranscript(t.entries, '   ')).toHaveLength(2);
    expect(searchTranscript(t.entries, 'quick jumps')).toEqual([]);
  });

  it('parses stored transcripts defensively', () => {
    expect(parseTranscript(null)).toBeNull();
    expect(parseTranscript({ tabId: 'x' })).toBeNull();
    const parsed = parseTranscript({ tabId: 1, startedAt: T0, entries: [{ id: 'a:0', start: 0, end: 1, text: 'ok' }, { id: 3 }] });
    expect(parsed?.entries).toEqual([{ id: 'a:0', start: 0, end: 1, text: 'ok' }]);
  });
});
