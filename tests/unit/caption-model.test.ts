import { describe, expect, it } from 'vitest';
import { CaptionModel } from '../../src/content/caption-model.ts';
import type { CaptionUpdate } from '../../src/shared/messages.ts';

const partial = (id: string, text: string): CaptionUpdate => ({ kind: 'partial', id, segmentId: 0, text, start: 0, end: 0 });
const final = (id: string, text: string, language?: string): CaptionUpdate => ({
  kind: 'final',
  id,
  segmentId: 0,
  text,
  start: 0,
  end: 0,
  ...(language ? { language } : {}),
});

const texts = (m: CaptionModel, now = 0) => m.snapshot(now).map((l) => `${l.kind}:${l.text}`);

describe('CaptionModel', () => {
  it('merges partials and the final of a segment into one line', () => {
    const m = new CaptionModel();
    expect(m.apply(partial('1:0', 'hel'), 0)).toBe(true);
    expect(m.apply(partial('1:0', 'hello wor'), 1)).toBe(true);
    expect(texts(m)).toEqual(['partial:hello wor']);
    expect(m.apply(final('1:0', 'hello world', 'en'), 2)).toBe(true);
    expect(m.snapshot(2)).toEqual([
      { id: '1:0', kind: 'final', text: 'hello world', language: 'en', updatedAt: 2, age: 0, fading: false },
    ]);
  });

  it('ignores a partial that arrives after its final, and unchanged updates', () => {
    const m = new CaptionModel();
    m.apply(final('1:0', 'done'), 0);
    expect(m.apply(partial('1:0', 'do'), 1)).toBe(false);
    expect(m.apply(final('1:0', 'done'), 2)).toBe(false);
    expect(texts(m)).toEqual(['final:done']);
  });

  it('keeps the last N lines, oldest first, with ages counting back from the newest', () => {
    const m = new CaptionModel({ maxLines: 3 });
    for (let i = 0; i < 5; i++) m.apply(final(`1:${i}`, `line ${i}`), i);
    m.apply(partial('1:5', 'line 5 so'), 5);
    const snap = m.snapshot(5);
    expect(snap.map((l) => l.text)).toEqual(['line 3', 'line 4', 'line 5 so']);
    expect(snap.map((l) => l.age)).toEqual([2, 1, 0]);
    // A late partial for a line that scrolled away cannot bring it back.
    expect(m.apply(partial('1:0', 'line 0 again'), 6)).toBe(false);
  });

  it('drops a segment whose final turns out empty (it was noise)', () => {
    const m = new CaptionModel();
    m.apply(partial('1:0', 'uh'), 0);
    expect(m.apply(final('1:0', '   '), 1)).toBe(true);
    expect(m.size).toBe(0);
    expect(m.apply(final('1:1', ''), 2)).toBe(false);
  });

  it('fades finals out after a quiet spell, then prunes them; partials stay', () => {
    const m = new CaptionModel({ lingerMs: 1000, fadeMs: 500 });
    m.apply(final('1:0', 'old news'), 0);
    expect(m.nextDeadline(0)).toBe(1000);
    expect(m.snapshot(999)[0].fading).toBe(false);
    expect(m.snapshot(1000)[0].fading).toBe(true);
    expect(m.nextDeadline(1000)).toBe(1500);
    expect(m.prune(1200)).toBe(false);
    expect(m.prune(1500)).toBe(true);
    expect(m.size).toBe(0);
    expect(m.nextDeadline(1500)).toBeNull();

    m.apply(partial('1:1', 'still talking'), 2000);
    expect(m.prune(10_000)).toBe(false);
    expect(m.snapshot(10_000)[0]).toMatchObject({ kind: 'partial', fading: false });
  });

  it('keeps captions of different connections apart (ids are connection-scoped)', () => {
    const m = new CaptionModel();
    m.apply(final('1:0', 'before the outage'), 0);
    m.apply(final('2:0', 'after the outage'), 1);
    expect(texts(m)).toEqual(['final:before the outage', 'final:after the outage']);
  });

  it('trims surrounding whitespace and keeps the text otherwise untouched (no markup)', () => {
    const m = new CaptionModel();
    m.apply(final('1:0', '  <img src=x onerror=alert(1)>  '), 0);
    expect(m.snapshot(0)[0].text).toBe('<img src=x onerror=alert(1)>');
  });
});
