// DeepL back end (API v2). The key never leaves our server. Free-plan keys end in ":fx" and
// use api-free.deepl.com; others use api.deepl.com.
import { backendJson, fetchBackend, TranslationError, type LanguageInfo, type TranslationBackend } from './backend.ts';
import { normalizeLanguage } from '../../protocol/languages.ts';

/** DeepL wants a variant for some targets; "EN" and "PT" alone are deprecated as targets. */
const TARGET_VARIANT: Record<string, string> = { en: 'EN-US', pt: 'PT-BR' };

export const deeplBaseUrl = (key: string) => (key.endsWith(':fx') ? 'https://api-free.deepl.com' : 'https://api.deepl.com');

export class DeepLBackend implements TranslationBackend {
  readonly name = 'deepl';
  private cachedLanguages: LanguageInfo[] | null = null;

  constructor(
    private readonly apiKey: string,
    private readonly url: string = deeplBaseUrl(apiKey),
    private readonly timeoutMs = 20_000,
  ) {}

  async languages(): Promise<LanguageInfo[]> {
    if (this.cachedLanguages) return this.cachedLanguages;
    const [sources, targets] = await Promise.all([this.list('source'), this.list('target')]);
    const targetCodes = [...new Set(targets.map((t) => t.code))];
    this.cachedLanguages = sources.map((s) => ({ ...s, targets: targetCodes.filter((t) => t !== s.code) }));
    return this.cachedLanguages;
  }

  async translate(texts: string[], source: string, target: string): Promise<string[]> {
    const body = { text: texts, source_lang: source.toUpperCase(), target_lang: TARGET_VARIANT[target] ?? target.toUpperCase() };
    const res = await fetchBackend(
      'DeepL',
      `${this.url}/v2/translate`,
      { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) },
      this.timeoutMs,
    );
    const data = (await backendJson('DeepL', res)) as { translations?: { text?: unknown }[] };
    if (!res.ok) throw failure(res.status, data);
    const out = data.translations?.map((t) => t.text);
    if (!out || out.length !== texts.length || !out.every((t) => typeof t === 'string')) {
      throw new TranslationError(502, 'DeepL answered without one translation per text');
    }
    return out as string[];
  }

  async close(): Promise<void> {}

  private async list(type: 'source' | 'target'): Promise<{ code: string; name: string }[]> {
    const res = await fetchBackend('DeepL', `${this.url}/v2/languages?type=${type}`, { headers: this.headers() }, this.timeoutMs);
    const data = await backendJson('DeepL', res);
    if (!res.ok || !Array.isArray(data)) throw failure(res.status, data);
    return data
      .filter((l): l is { language: string; name?: string } => typeof l?.language === 'string')
      .map((l) => ({ code: normalizeLanguage(l.language) ?? l.language, name: typeof l.name === 'string' ? l.name : l.language }));
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `DeepL-Auth-Key ${this.apiKey}`, ...extra };
  }
}

function failure(status: number, data: unknown): TranslationError {
  const why = typeof (data as { message?: unknown })?.message === 'string' ? (data as { message: string }).message : `HTTP ${status}`;
  if (status === 400) return new TranslationError(400, `DeepL refused the request: ${why}`);
  if (status === 403) return new TranslationError(503, `DeepL refused our API key (check --deepl-key): ${why}`);
  if (status === 456) return new TranslationError(503, `the DeepL quota is used up: ${why}`);
  if (status === 429) return new TranslationError(503, `DeepL is rate-limiting us: ${why}`);
  return new TranslationError(503, `DeepL failed: ${why}`);
}
