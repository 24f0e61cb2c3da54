// Translations in the caption model: shown under the last visible line they cover, never
// under a partial or another sentence's line, replaced cleanly, dropped with their lines.
import { describe, expect, it } from 'vitest';
import { CaptionModel } from '../../src/content/caption-model.ts';
import type { CaptionUpdate } from '../../src/shared/messages.ts';

const cap = (id: string, kind: 'partial' | 'final', text: string): CaptionUpdate => ({ kind, id, segmentId: 0, text, start: 0, end: 1 });
const shown = (m: CaptionModel) => m.snapshot(0).map((l) => [l.id, l.text, l.translation?.text ?? null]);

describe('CaptionModel.setTranslation', () => {
  it('puts a sentence spanning two lines under the second, and nothing under the first', () => {
    const m = new CaptionModel({ maxLines: 4 });
    m.apply(cap('1:0', 'final', 'Hello there,'), 0);
    m.apply(cap('1:1', 'final', 'how are you?'), 0);
    m.apply(cap('1:2', 'partial', 'I am'), 0);
    expect(m.setTranslation(['1:0', '1:1'], 'Hola, ¿cómo estás?', 'es', 0)).toBe(true);
    expect(shown(m)).toEqual([
      ['1:0', 'Hello there,', null],
      ['1:1', 'how are you?', 'Hola, ¿cómo estás?'],
      ['1:2', 'I am', null],
    ]);
  });

  it('never attaches to partials or to lines it does not know', () => {
    const m = new CaptionModel();
    m.apply(cap('1:0', 'partial', 'hello'), 0);
    expect(m.setTranslation(['1:0'], 'hola', 'es', 0)).toBe(false);
    expect(m.setTranslation(['9:9'], 'hola', 'es', 0)).toBe(false);
    expect(m.setTranslation(['1:0'], '   ', 'es', 0)).toBe(false);
    expect(shown(m)).toEqual([['1:0', 'hello', null]]);
  });

  it('a later translation of the same lines replaces the earlier one (push after own)', () => {
    const m = new CaptionModel();
    m.apply(cap('1:0', 'final', 'Good night.'), 0);
    m.apply(cap('1:1', 'final', 'Sleep well.'), 0);
    m.setTranslation(['1:0', '1:1'], 'Buenas noches. Duerme bien.', 'es', 0);
    m.setTranslation(['1:0'], 'Buenas noches.', 'es', 0);
    expect(shown(m)).toEqual([
      ['1:0', 'Good night.', 'Buenas noches.'],
      ['1:1', 'Sleep well.', null],
    ]);
  });

  it('keeps the translation under its remaining line when the first scrolls off, then drops it', () => {
    const m = new CaptionModel({ maxLines: 2 });
    m.apply(cap('1:0', 'final', 'one'), 0);
    m.apply(cap('1:1', 'final', 'two'), 0);
    m.setTranslation(['1:0', '1:1'], 'uno dos', 'es', 0);
    m.apply(cap('1:2', 'final', 'three'), 0);
    expect(shown(m)).toEqual([
      ['1:1', 'two', 'uno dos'],
      ['1:2', 'three', null],
    ]);
    m.apply(cap('1:3', 'final', 'four'), 0);
    expect(shown(m)).toEqual([
      ['1:2', 'three', null],
      ['1:3', 'four', null],
    ]);
  });

  it('keeps markup as text', () => {
    const m = new CaptionModel();
    m.apply(cap('1:0', 'final', 'x'), 0);
    m.setTranslation(['1:0'], '<img src=x onerror=alert(1)>', 'es', 0);
    expect(m.snapshot(0)[0]!.translation!.text).toBe('<img src=x onerror=alert(1)>');
  });
});
