// Builds a tab's caption translator from the user's settings: which providers, in what order.
// Browser glue (the Translator API, fetch) lives in the providers; this only chooses.

import type { TranslationUpdate } from '../shared/messages.ts';
import type { CaptionSettings } from '../shared/settings.ts';
import { CaptionTranslator, type TranslationStatus } from './caption-translator.ts';
import { ChromeProvider, translatorApi } from './chrome-provider.ts';
import { noneProvider, type TranslationProvider } from './provider.ts';
import { httpBaseFor, ServerProvider } from './server-provider.ts';

/**
 * Whether init should ask the server to push translations: always for `server`; for `auto`
 * only where this browser has no on-device Translator (otherwise `auto` tries it first and
 * falls back to the server's /translate).
 */
export const wantsServerPush = (s: CaptionSettings, hasTranslator = translatorApi() !== null): boolean =>
  !!s.targetLanguage && (s.translationProvider === 'server' || (s.translationProvider === 'auto' && !hasTranslator));

export function providersFor(settings: CaptionSettings): TranslationProvider[] {
  const base = httpBaseFor(settings.serverUrl);
  const server = base ? [new ServerProvider(base, settings.serverToken)] : [];
  // Outside the popup there is no user gesture: Chrome may only use models already downloaded.
  const chrome = [new ChromeProvider({ allowDownload: false })];
  switch (settings.translationProvider) {
    case 'auto':
      return [...chrome, ...server, noneProvider];
    case 'chrome':
      return [...chrome, noneProvider];
    case 'server':
      return [...server, noneProvider];
    case 'none':
      return [];
  }
}

/** A tab's translator, or null when the user wants no translation. */
export function createTabTranslator(
  settings: CaptionSettings,
  emit: (u: TranslationUpdate) => void,
  onStatus: (s: TranslationStatus) => void,
): CaptionTranslator | null {
  if (!settings.targetLanguage) return null;
  if (settings.translationProvider === 'none') {
    onStatus({ provider: 'none', note: 'Translation is off: showing original captions only.' });
    return null;
  }
  return new CaptionTranslator({
    providers: providersFor(settings),
    target: settings.targetLanguage,
    sourceHint: settings.sourceLanguage,
    emit,
    onStatus,
  });
}
