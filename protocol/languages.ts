// Language codes and tags of the wire contract: the one tag check (init's sourceLanguage, REST's
// language), the one "base language" parser, and the ISO 639-1/639-3 mapping for translation.
// Clients speak ISO 639-1 ("en", "es", "en-US"); Apertium names its pairs in ISO 639-3 ("eng-spa");
// old Java/Chrome codes ("iw", "in", "ji") still turn up. Inside, everything is a lower-case base code.

/** A language tag as the wire takes it: "auto", or "en", "en-US", "zh-Hant-TW" (BCP 47 shaped). */
export const LANGUAGE_TAG_RE = /^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/;

/** Whether `tag` is "auto" or a language tag the wire accepts (the length limit is checked apart). */
export const isLanguageTag = (tag: string): boolean => LANGUAGE_TAG_RE.test(tag);

/** The primary subtag, lower-cased: "en-US" → "en", " PT_br" → "pt". No validation or mapping. */
export function baseLanguage(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0]!;
}

/** Deprecated codes some platforms still report, mapped to their current ISO 639-1 code. */
const DEPRECATED: Record<string, string> = { iw: 'he', in: 'id', ji: 'yi', jw: 'jv', mo: 'ro' };

/** ISO 639-1 → ISO 639-3 for languages Apertium ships pairs for (and the popup offers). */
const ISO3: Record<string, string> = {
  en: 'eng', es: 'spa', fr: 'fra', de: 'deu', it: 'ita', pt: 'por', nl: 'nld', sv: 'swe', pl: 'pol',
  uk: 'ukr', ru: 'rus', tr: 'tur', ar: 'ara', he: 'heb', hi: 'hin', zh: 'zho', ja: 'jpn', ko: 'kor',
  ca: 'cat', gl: 'glg', eu: 'eus', oc: 'oci', an: 'arg', ast: 'ast', ro: 'ron', da: 'dan', nb: 'nob',
  nn: 'nno', is: 'isl', cy: 'cym', br: 'bre', ga: 'gle', mt: 'mlt', eo: 'epo', id: 'ind', ms: 'msa',
  be: 'bel', kk: 'kaz', tt: 'tat', bg: 'bul', mk: 'mkd', sr: 'srp', hr: 'hrv', bs: 'bos', sl: 'slv',
  cs: 'ces', sk: 'slk', fi: 'fin', et: 'est', lv: 'lav', lt: 'lit', el: 'ell', hu: 'hun', ur: 'urd',
};
const ISO1 = Object.fromEntries(Object.entries(ISO3).map(([one, three]) => [three, one]));

/** "en-US" → "en", "iw" → "he", "ENG" → "en"; null for anything that is not a language code. */
export function normalizeLanguage(code: unknown): string | null {
  if (typeof code !== 'string') return null;
  const base = baseLanguage(code);
  if (!/^[a-z]{2,3}$/.test(base)) return null;
  return DEPRECATED[base] ?? ISO1[base] ?? base;
}

/** ISO 639-1 → the ISO 639-3 code Apertium uses (unknown codes pass through). */
export const toIso3 = (code: string): string => ISO3[code] ?? code;

/** An Apertium code ("eng", "eng_US", "spa") → ISO 639-1 where we know it. */
export const fromIso3 = (code: string): string => normalizeLanguage(code.split('_')[0]) ?? code;
