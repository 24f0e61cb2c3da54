// The server's translation front: validates languages and sizes, skips what needs no back end
// (empty texts, same language), and hands the rest to the configured back end.
import type { Logger } from '../log.ts';
import { ApertiumBackend, DEFAULT_PAIRS_PATH, DEFAULT_PYTHON } from './apertium.ts';
import { TranslationError, type LanguageInfo, type TranslationBackend } from './backend.ts';
import { DeepLBackend } from './deepl.ts';
import { normalizeLanguage } from '../../protocol/languages.ts';
import { LibreTranslateBackend } from './libretranslate.ts';

/** Most texts in one request, and most characters in all of them together. */
export const MAX_TEXTS = 128;
export const MAX_CHARS = 20_000;

export type TranslateBackendName = 'apertium' | 'libretranslate' | 'deepl';

export interface TranslateConfig {
  backend: TranslateBackendName;
  apertiumPairs?: string;
  libretranslateUrl?: string;
  libretranslateKey?: string;
  deeplKey?: string;
  deeplUrl?: string;
}

export class TranslationService {
  constructor(readonly backend: TranslationBackend) {}

  languages(): Promise<LanguageInfo[]> {
    return this.backend.languages();
  }

  /** Does the back end offer this pair? (false when it cannot say right now) */
  async supports(source: string, target: string): Promise<boolean> {
    try {
      const langs = await this.backend.languages();
      return langs.some((l) => l.code === source && l.targets.includes(target));
    } catch {
      return false;
    }
  }

  async translate(texts: string[], sourceRaw: string, targetRaw: string): Promise<string[]> {
    const source = normalizeLanguage(sourceRaw);
    const target = normalizeLanguage(targetRaw);
    if (sourceRaw === 'auto') throw new TranslationError(400, 'source "auto" is not supported: send the language of the text (ISO 639-1, e.g. "en")');
    if (!source) throw new TranslationError(400, `source "${String(sourceRaw).slice(0, 20)}" is not a language code (ISO 639-1, e.g. "en")`);
    if (!target) throw new TranslationError(400, `target "${String(targetRaw).slice(0, 20)}" is not a language code (ISO 639-1, e.g. "es")`);
    if (texts.length > MAX_TEXTS) throw new TranslationError(413, `at most ${MAX_TEXTS} texts per request (got ${texts.length})`);
    const chars = texts.reduce((n, t) => n + t.length, 0);
    if (chars > MAX_CHARS) throw new TranslationError(413, `at most ${MAX_CHARS} characters per request (got ${chars}); split the text`);
    if (source === target) return [...texts];
    // Only non-blank texts go to the back end; blanks come back as they were.
    const todo = texts.map((t, i) => [t, i] as const).filter(([t]) => t.trim() !== '');
    const out = [...texts];
    if (todo.length === 0) return out;
    const done = await this.backend.translate(todo.map(([t]) => t), source, target);
    todo.forEach(([, i], k) => (out[i] = done[k]!));
    return out;
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}

/**
 * Builds (and for Apertium, starts) the configured back end; null when translation is off.
 * Takes only its own slice of the server configuration (`ServerConfig.translate`).
 */
export async function createTranslationService(t: TranslateConfig | undefined, log: Logger): Promise<TranslationService | null> {
  if (!t) return null;
  switch (t.backend) {
    case 'apertium': {
      const backend = new ApertiumBackend({ pairsPath: t.apertiumPairs ?? DEFAULT_PAIRS_PATH, python: DEFAULT_PYTHON, log });
      await backend.start();
      return new TranslationService(backend);
    }
    case 'libretranslate':
      return new TranslationService(new LibreTranslateBackend(t.libretranslateUrl!, t.libretranslateKey));
    case 'deepl':
      return new TranslationService(new DeepLBackend(t.deeplKey!, t.deeplUrl));
  }
}
