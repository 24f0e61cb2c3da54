import { describe, expect, it } from 'vitest';
import { CaptionModel, stabilize } from '../../../../src/content/caption-model.ts';
import type { CaptionUpdate } from '../../../../src/shared/messages.ts';

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
      { id: '1:0', kind: 'final', text: 'hello world', stable: 'hello world', tail: '', language: 'en', updatedAt: 2, age: 0, fading: false },
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

  it('configure() changes the number of lines live', () => {
    const m = new CaptionModel({ maxLines: 3 });
    for (let i = 0; i < 3; i++) m.apply(final(`1:${i}`, `line ${i}`), i);
    m.configure({ maxLines: 1 });
    expect(texts(m, 3)).toEqual(['final:line 2']);
  });
});

describe('stable text', () => {
  it('commits words two hypotheses agree on; only the tail changes', () => {
    expect(stabilize('', '', 'the cat')).toEqual({ stable: '', tail: 'the cat' });
    expect(stabilize('', 'the cat', 'the cat sat')).toEqual({ stable: 'the cat', tail: 'sat' });
    expect(stabilize('the cat', 'the cat sat', 'the cat sat on')).toEqual({ stable: 'the cat sat', tail: 'on' });
  });

  it('never takes back a committed word, even when a partial rewrites it', () => {
    // The recognizer changed its mind about "cat": the committed words stay as they were.
    expect(stabilize('the cat sat', 'the cat sat on', 'the hat sat on a')).toEqual({ stable: 'the cat sat', tail: 'on a' });
    // A shorter hypothesis does not remove committed words either.
    expect(stabilize('the cat sat', 'the cat sat on', 'the')).toEqual({ stable: 'the cat sat', tail: '' });
  });

  it('compares loosely: case and punctuation do not undo agreement', () => {
    expect(stabilize('', 'Hello, world', 'hello world again').stable).toBe('hello world');
  });

  it('a stream of realistic partials: committed text only ever grows by appending', () => {
    const m = new CaptionModel();
    const hyps = [
      'we',
      'we choose',
      'we chose to',
      'we choose to go',
      'we choose to go to the',
      'we choose to go to the moon',
      'we choose to go to the moon in this',
      'we choose to go to the moon in this decade',
    ];
    let prevStable = '';
    hyps.forEach((h, i) => {
      m.apply(partial('1:0', h), i);
      const [line] = m.snapshot(i);
      // What was committed before is still the exact start of what is committed now.
      expect(line.stable.startsWith(prevStable)).toBe(true);
      expect(line.text).toBe(line.tail ? `${line.stable} ${line.tail}`.trim() : line.stable);
      prevStable = line.stable;
    });
    expect(prevStable).toBe('we choose to go to the moon in this');
    m.apply(final('1:0', 'We choose to go to the moon in this decade.'), 10);
    expect(m.snapshot(10)[0]).toMatchObject({ kind: 'final', stable: 'We choose to go to the moon in this decade.', tail: '' });
  });

  it('shows no duplicate line when a sentence is sent again after a pause or reconnect', () => {
    const m = new CaptionModel();
    m.apply(final('1:4', 'And so, my fellow Americans.'), 1000);
    // The connection dropped in the pause; the resumed stream repeats the last sentence.
    expect(m.apply(partial('2:0', 'and so my fellow americans'), 3000)).toBe(false);
    expect(m.apply(final('2:0', 'And so my fellow Americans'), 3500)).toBe(false);
    expect(texts(m, 3500)).toEqual(['final:And so, my fellow Americans.']);
    // Its late partials and translations are ignored as well.
    expect(m.apply(partial('2:0', 'and so my'), 3600)).toBe(false);
    // New speech shows as usual.
    expect(m.apply(partial('2:1', 'ask not'), 4000)).toBe(true);
    expect(texts(m, 4000)).toEqual(['final:And so, my fellow Americans.', 'partial:ask not']);
  });

  it('after a long pause, after the old line faded, a repeat is genuine speech and shows again', () => {
    const m = new CaptionModel({ lingerMs: 1000, fadeMs: 500 });
    m.apply(final('1:0', 'one more time please'), 0);
    m.prune(2000);
    expect(m.size).toBe(0);
    expect(m.apply(final('1:1', 'one more time please'), 30_000)).toBe(true);
    expect(texts(m, 30_000)).toEqual(['final:one more time please']);
  });

  it('short replies said twice are both shown', () => {
    const m = new CaptionModel();
    m.apply(final('1:0', 'Yes.'), 0);
    m.apply(final('1:1', 'Yes.'), 500);
    expect(texts(m, 500)).toEqual(['final:Yes.', 'final:Yes.']);
  });
});

describe('translations', () => {
  it('sit under the first line they cover and survive that line being finalized again', () => {
    const m = new CaptionModel();
    m.apply(final('1:0', 'Good'), 0);
    m.apply(final('1:1', 'morning.'), 1);
    expect(m.setTranslation({ ids: ['1:0', '1:1'], text: 'صباح الخير', language: 'ar' }, 2)).toBe(true);
    expect(m.snapshot(2).map((l) => l.translation ?? null)).toEqual(['صباح الخير', null]);
    expect(m.snapshot(2)[0].translationLanguage).toBe('ar');
    m.apply(final('1:0', 'Good,'), 3);
    expect(m.snapshot(3)[0]).toMatchObject({ text: 'Good,', translation: 'صباح الخير' });
  });

  it('a newer translation over the same lines replaces the older one; unknown ids change nothing', () => {
    const m = new CaptionModel();
    m.apply(final('1:0', 'Good'), 0);
    m.apply(final('1:1', 'morning.'), 1);
    m.setTranslation({ ids: ['1:1'], text: 'صباحا', language: 'ar' }, 2);
    m.setTranslation({ ids: ['1:0', '1:1'], text: 'صباح الخير', language: 'ar' }, 3);
    expect(m.snapshot(3).map((l) => l.translation ?? null)).toEqual(['صباح الخير', null]);
    expect(m.setTranslation({ ids: ['9:9'], text: 'x', language: 'ar' }, 4)).toBe(false);
    expect(m.setTranslation({ ids: ['1:0'], text: '  ', language: 'ar' }, 4)).toBe(false);
  });
});
