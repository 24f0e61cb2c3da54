// Chrome's built-in on-device Translator API (Chrome 138+). Measured in Debian Chromium 156
// (see tests/e2e/chrome-translator.test.ts): `Translator` exists without flags in pages,
// extension pages, the offscreen document and the service worker; availability() answers per
// pair; create() for a `downloadable` pair needs a user gesture and, offline, never settles,
// so every create is wrapped in a timeout and the caller falls back.

import { normalizeLanguage } from '../../protocol/languages.ts';
import { ProviderError, withTimeout, type PairAvailability, type PrepareOptions, type TranslationProvider } from './provider.ts';

/** The part of the Translator API we use (not in TypeScript's DOM types yet). */
interface ChromeTranslator {
  translate(text: string, options?: { signal?: AbortSignal }): Promise<string>;
  destroy(): void;
}
interface CreateMonitor extends EventTarget {}
export interface TranslatorApi {
  availability(options: { sourceLanguage: string; targetLanguage: string }): Promise<PairAvailability>;
  create(options: {
    sourceLanguage: string;
    targetLanguage: string;
    monitor?: (m: CreateMonitor) => void;
    signal?: AbortSignal;
  }): Promise<ChromeTranslator>;
}

/** The Translator API of this context, or null where it is missing. */
export function translatorApi(scope: object = globalThis): TranslatorApi | null {
  const api = (scope as { Translator?: TranslatorApi }).Translator;
  return api && typeof api.availability === 'function' && typeof api.create === 'function' ? api : null;
}

/** Chrome takes BCP 47; we keep our ISO 639-1 codes but map deprecated ones (iw → he…). */
const chromeCode = (code: string) => normalizeLanguage(code) ?? code;

export interface ChromeProviderOptions {
  api?: TranslatorApi | null;
  /** create() may hang forever (offline download): give up after this. */
  createTimeoutMs?: number;
  /**
   * Whether prepare may start a model download. Only true in the popup, under the user's
   * click: elsewhere create() for a downloadable pair waits for a gesture that never comes.
   */
  allowDownload?: boolean;
}

export class ChromeProvider implements TranslationProvider {
  readonly id = 'chrome' as const;
  private readonly api: TranslatorApi | null;
  private readonly translators = new Map<string, Promise<ChromeTranslator>>();
  private controllers = new Set<AbortController>();

  constructor(private readonly opts: ChromeProviderOptions = {}) {
    this.api = opts.api === undefined ? translatorApi() : opts.api;
  }

  async availability(source: string, target: string): Promise<PairAvailability> {
    if (!this.api) return 'unavailable';
    try {
      return await this.api.availability({ sourceLanguage: chromeCode(source), targetLanguage: chromeCode(target) });
    } catch {
      return 'unavailable'; // e.g. a malformed code: this pair cannot be done here
    }
  }

  async prepare(source: string, target: string, options: PrepareOptions = {}): Promise<void> {
    await this.translator(source, target, options);
  }

  async translate(texts: string[], source: string, target: string, signal?: AbortSignal): Promise<string[]> {
    const translator = await this.translator(source, target, {});
    const out: string[] = [];
    // One at a time: the on-device model runs them serially anyway, and order is kept.
    for (const text of texts) out.push(await translator.translate(text, signal ? { signal } : {}));
    return out;
  }

  abort(): void {
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
  }

  private translator(source: string, target: string, options: PrepareOptions): Promise<ChromeTranslator> {
    const api = this.api;
    if (!api) return Promise.reject(new ProviderError('chrome', "this browser has no built-in Translator (Chrome 138+ on desktop)"));
    const key = `${chromeCode(source)}|${chromeCode(target)}`;
    const existing = this.translators.get(key);
    if (existing) return existing;
    const made = (async () => {
      const availability = await this.availability(source, target);
      if (availability === 'unavailable') throw new ProviderError('chrome', `Chrome cannot translate ${source}→${target} on this device`);
      if (availability !== 'available' && !this.opts.allowDownload) {
        throw new ProviderError('chrome', `Chrome's ${source}→${target} model is not downloaded yet: open the popup and press "Download"`);
      }
      const controller = new AbortController();
      this.controllers.add(controller);
      options.signal?.addEventListener('abort', () => controller.abort());
      try {
        return await withTimeout(
          api.create({
            sourceLanguage: chromeCode(source),
            targetLanguage: chromeCode(target),
            signal: controller.signal,
            monitor: (m) =>
              m.addEventListener('downloadprogress', (e) => options.onProgress?.(Math.max(0, Math.min(1, (e as ProgressEvent).loaded)))),
          }),
          this.opts.createTimeoutMs ?? 15_000,
          "Chrome's translator",
          controller,
        );
      } finally {
        this.controllers.delete(controller);
      }
    })();
    this.translators.set(key, made);
    made.catch(() => this.translators.delete(key)); // a later try may succeed (model arrived)
    return made;
  }
}
