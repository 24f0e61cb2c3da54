// UI text through chrome.i18n, from public/_locales/<lang>/messages.json. Outside the extension
// (unit tests, a page without chrome.i18n) the English file answers, so every string has one
// source. Keys are typed from the English file: a missing key is a compile error.

import en from '../../public/_locales/en/messages.json' with { type: 'json' };

export type MessageKey = keyof typeof en;

interface MessageEntry {
  message: string;
  placeholders?: Record<string, { content: string }>;
}

/** Chrome's own substitution rules, for the fallback: `$name$` → placeholder → `$1`. */
function substitute(entry: MessageEntry, subs: readonly string[]): string {
  return entry.message
    .replace(/\$([a-z0-9_]+)\$/gi, (_m, name: string) => entry.placeholders?.[name.toLowerCase()]?.content ?? '')
    .replace(/\$(\d)/g, (_m, n: string) => subs[Number(n) - 1] ?? '')
    .replace(/\$\$/g, '$');
}

export function t(key: MessageKey, ...subs: (string | number)[]): string {
  const strings = subs.map(String);
  try {
    const got = globalThis.chrome?.i18n?.getMessage?.(key, strings);
    if (got) return got;
  } catch {
    // Not an extension context: fall through to English.
  }
  return substitute((en as Record<string, MessageEntry>)[key], strings);
}

/**
 * The writing direction of the messages Chrome picked ('rtl' for Arabic). Read from the
 * messages file itself, not `@@bidi_dir`: Chrome may pick the Arabic messages (from the
 * preferred languages) while its own UI locale, which `@@bidi_dir` follows, is still English.
 */
export function uiDirection(): 'ltr' | 'rtl' {
  return t('localeDirection') === 'rtl' ? 'rtl' : 'ltr';
}

/** The language of the messages shown (BCP 47), e.g. `ar` or `en`. */
export function uiLanguage(): string {
  return t('localeCode') || 'en';
}

/** Sets `lang` and `dir` on an extension page's root, so right-to-left languages lay out mirrored. */
export function localizeDocument(doc: Document = document): void {
  doc.documentElement.lang = uiLanguage();
  doc.documentElement.dir = uiDirection();
}

/** A language's name in the UI language ("Arabic" / "العربية"), or null when unknown. */
export function displayLanguageName(code: string): string | null {
  try {
    return new Intl.DisplayNames([uiLanguage()], { type: 'language' }).of(code) ?? null;
  } catch {
    return null;
  }
}
