// The one language-tag check and the one base-language parser of protocol/languages.ts, which the
// server's init and REST checks, the whisper engine and the popup's language names all use.
import { describe, expect, it } from 'vitest';
import { baseLanguage, isLanguageTag, normalizeLanguage } from '../../../protocol/languages.ts';
import { languageName } from '../../../src/shared/languages.ts';

describe('protocol language tags', () => {
  it('accepts "auto" and BCP 47-shaped tags, refuses anything else', () => {
    for (const ok of ['auto', 'en', 'yue', 'en-US', 'zh-Hant-TW', 'sr-Latn']) expect(isLanguageTag(ok), ok).toBe(true);
    for (const bad of ['', 'EN', 'e', 'engl', 'en_US', 'en-', 'en-x', ' en', 'en;drop', 'auto-US']) expect(isLanguageTag(bad), bad).toBe(false);
  });

  it('takes the lower-cased primary subtag as the base language', () => {
    expect(baseLanguage('en-US')).toBe('en');
    expect(baseLanguage('PT_br')).toBe('pt');
    expect(baseLanguage(' zh-Hant-TW ')).toBe('zh');
    expect(baseLanguage('de')).toBe('de');
  });

  it('normalizes on top of it (deprecated and ISO 639-3 codes) and the popup names by it', () => {
    expect(normalizeLanguage('iw-IL')).toBe('he');
    expect(normalizeLanguage('ENG')).toBe('en');
    expect(normalizeLanguage('123')).toBeNull();
    expect(languageName('es-MX')).toBe('Spanish');
    expect(languageName('xx-YY')).toBe('xx-YY');
  });
});
