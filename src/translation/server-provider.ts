// Our server's LibreTranslate-compatible /translate, at the address of the transcription
// server the user configured (ws://host:7860/ws → http://host:7860/translate).

import { normalizeLanguage } from '../../protocol/languages.ts';
import { ProviderError, type PairAvailability, type TranslationProvider } from './provider.ts';

/** The HTTP base of the transcription server at `wsUrl`, or null when it is not a ws(s) URL. */
export function httpBaseFor(wsUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(wsUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return null;
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

interface LanguageEntry {
  code: string;
  targets: string[];
}

export class ServerProvider implements TranslationProvider {
  readonly id = 'server' as const;
  private languages: Promise<LanguageEntry[]> | null = null;
  private controllers = new Set<AbortController>();

  constructor(
    private readonly base: string,
    /** Shared secret of a server started with --token ('' for none), sent as a Bearer header. */
    private readonly token = '',
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {}

  private auth(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async availability(source: string, target: string): Promise<PairAvailability> {
    try {
      const langs = await this.listLanguages();
      const s = normalizeLanguage(source);
      const t = normalizeLanguage(target);
      return langs.some((l) => l.code === s && l.targets.includes(t ?? '')) ? 'available' : 'unavailable';
    } catch {
      this.languages = null; // ask again next time: the server may be back
      return 'unavailable';
    }
  }

  async prepare(): Promise<void> {}

  async translate(texts: string[], source: string, target: string, signal?: AbortSignal): Promise<string[]> {
    const controller = new AbortController();
    this.controllers.add(controller);
    signal?.addEventListener('abort', () => controller.abort());
    try {
      const res = await this.fetchImpl(`${this.base}/translate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.auth() },
        body: JSON.stringify({ q: texts, source, target }),
        signal: controller.signal,
      });
      const body = (await res.json().catch(() => ({}))) as { translatedText?: unknown; error?: unknown };
      if (!res.ok) {
        throw new ProviderError('server', typeof body.error === 'string' ? body.error : `HTTP ${res.status}`);
      }
      const out = body.translatedText;
      if (!Array.isArray(out) || out.length !== texts.length || !out.every((t) => typeof t === 'string')) {
        throw new ProviderError('server', 'the server answered without one translation per text');
      }
      return out;
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError('server', controller.signal.aborted ? 'cancelled' : 'the server cannot be reached');
    } finally {
      this.controllers.delete(controller);
    }
  }

  abort(): void {
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
  }

  private listLanguages(): Promise<LanguageEntry[]> {
    this.languages ??= this.fetchImpl(`${this.base}/languages`, { headers: this.auth() }).then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const data = (await res.json()) as unknown;
      if (!Array.isArray(data)) throw new Error('not a list');
      return data.filter((l): l is LanguageEntry => typeof l?.code === 'string' && Array.isArray(l?.targets));
    });
    return this.languages;
  }
}
