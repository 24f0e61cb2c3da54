// LibreTranslate back end: any LibreTranslate server (self-hosted or libretranslate.com)
// with an optional API key, which stays on our server.
import { backendJson, fetchBackend, TranslationError, type LanguageInfo, type TranslationBackend } from './backend.ts';
import { normalizeLanguage } from '../../protocol/languages.ts';

export class LibreTranslateBackend implements TranslationBackend {
  readonly name = 'libretranslate';
  private cachedLanguages: LanguageInfo[] | null = null;

  constructor(
    private readonly url: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs = 20_000,
  ) {}

  async languages(): Promise<LanguageInfo[]> {
    if (this.cachedLanguages) return this.cachedLanguages;
    const res = await fetchBackend('LibreTranslate', new URL('languages', this.base()).href, {}, this.timeoutMs);
    const data = await backendJson('LibreTranslate', res);
    if (!res.ok || !Array.isArray(data)) throw failure(res.status, data);
    this.cachedLanguages = data
      .filter((l): l is { code: string; name?: string; targets?: unknown } => typeof l?.code === 'string')
      .map((l) => ({
        code: normalizeLanguage(l.code) ?? l.code,
        name: typeof l.name === 'string' ? l.name : l.code,
        targets: Array.isArray(l.targets) ? l.targets.filter((t): t is string => typeof t === 'string').map((t) => normalizeLanguage(t) ?? t) : [],
      }));
    return this.cachedLanguages;
  }

  async translate(texts: string[], source: string, target: string): Promise<string[]> {
    const body = { q: texts, source, target, format: 'text', ...(this.apiKey ? { api_key: this.apiKey } : {}) };
    const res = await fetchBackend(
      'LibreTranslate',
      new URL('translate', this.base()).href,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      this.timeoutMs,
    );
    const data = (await backendJson('LibreTranslate', res)) as { translatedText?: unknown };
    if (!res.ok) throw failure(res.status, data);
    const out = data.translatedText;
    if (!Array.isArray(out) || out.length !== texts.length || !out.every((t) => typeof t === 'string')) {
      throw new TranslationError(502, 'LibreTranslate answered without one translatedText per text');
    }
    return out as string[];
  }

  async close(): Promise<void> {}

  /** The configured URL as a folder, so "https://host/lt" + "translate" keeps its path. */
  private base(): string {
    return this.url.endsWith('/') ? this.url : `${this.url}/`;
  }
}

function failure(status: number, data: unknown): TranslationError {
  const why = typeof (data as { error?: unknown })?.error === 'string' ? (data as { error: string }).error : `HTTP ${status}`;
  if (status === 400) return new TranslationError(400, `LibreTranslate refused the request: ${why}`);
  if (status === 403) return new TranslationError(503, `LibreTranslate refused our API key (check --libretranslate-key): ${why}`);
  if (status === 429) return new TranslationError(503, `LibreTranslate is rate-limiting us: ${why}`);
  return new TranslationError(503, `LibreTranslate failed: ${why}`);
}
