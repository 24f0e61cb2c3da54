// User settings, persisted in chrome.storage.sync so they follow the user's Chrome profile;
// all but the server token, which stays on this device (token-store.ts).

import { t } from './i18n.ts';
import { cleanToken, loadServerToken, saveServerToken, SETTINGS_KEY } from './token-store.ts';

export type EngineChoice = 'default' | 'whisper' | 'sphinx';

/** Who translates captions (src/translation/ implements each): Chrome on-device, our server, or nobody. */
export type ProviderId = 'chrome' | 'server' | 'none';

/** The user's choice in the popup; `auto` prefers Chrome's on-device model, then the server. */
export type ProviderChoice = 'auto' | ProviderId;

/** Audio on the wire: uncompressed PCM16 (lossless, ~256 kbit/s) or Opus (~18 kbit/s). */
export type WireAudio = 'pcm' | 'opus';

export interface CaptionSettings {
  /** 'auto' or an ISO 639-1 code. */
  sourceLanguage: string;
  /** '' for no translation, else an ISO 639-1 code. */
  targetLanguage: string;
  serverUrl: string;
  engine: EngineChoice;
  /** Who translates: Chrome on-device first (`auto`), only Chrome, only our server, or nobody. */
  translationProvider: ProviderChoice;
  /** Shared secret of a server started with --token; '' for none. */
  serverToken: string;
  wireAudio: WireAudio;
}

export const DEFAULT_SETTINGS: CaptionSettings = {
  sourceLanguage: 'auto',
  targetLanguage: '',
  serverUrl: 'ws://localhost:7860/ws',
  engine: 'default',
  translationProvider: 'auto',
  serverToken: '',
  // PCM by default: lossless, and bandwidth costs nothing on the default local server.
  wireAudio: 'pcm',
};

export const WIRE_AUDIO: readonly { value: WireAudio; label: string }[] = [
  { value: 'pcm', label: t('wireAudioPcm') },
  { value: 'opus', label: t('wireAudioOpus') },
];

export const TRANSLATION_PROVIDERS: readonly { value: ProviderChoice; label: string }[] = [
  { value: 'auto', label: t('providerAuto') },
  { value: 'chrome', label: t('providerChrome') },
  { value: 'server', label: t('providerServer') },
  { value: 'none', label: t('providerNone') },
];

export const ENGINES: readonly { value: EngineChoice; label: string }[] = [
  { value: 'default', label: t('engineDefault') },
  { value: 'whisper', label: t('engineWhisper') },
  { value: 'sphinx', label: t('engineSphinx') },
];

const STORAGE_KEY = SETTINGS_KEY;

/** Returns a reason in plain words when the URL cannot be a transcription server, else null. */
export function validateServerUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return t('urlInvalid');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return t('urlScheme');
  return null;
}

/** Fills gaps and drops junk so older or hand-edited storage never breaks the popup. */
export function normalizeSettings(raw: unknown): CaptionSettings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof CaptionSettings, unknown>>;
  const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const engine = ENGINES.some((e) => e.value === r.engine) ? (r.engine as EngineChoice) : DEFAULT_SETTINGS.engine;
  const serverUrl = str(r.serverUrl, DEFAULT_SETTINGS.serverUrl);
  return {
    sourceLanguage: str(r.sourceLanguage, DEFAULT_SETTINGS.sourceLanguage) || 'auto',
    targetLanguage: str(r.targetLanguage, DEFAULT_SETTINGS.targetLanguage),
    serverUrl: validateServerUrl(serverUrl) === null ? serverUrl.trim() : DEFAULT_SETTINGS.serverUrl,
    engine,
    translationProvider: TRANSLATION_PROVIDERS.some((p) => p.value === r.translationProvider)
      ? (r.translationProvider as ProviderChoice)
      : DEFAULT_SETTINGS.translationProvider,
    serverToken: cleanToken(r.serverToken),
    wireAudio: r.wireAudio === 'opus' ? 'opus' : 'pcm',
  };
}

/** The synced settings with the token from local storage (moved there from sync once). */
export async function loadSettings(): Promise<CaptionSettings> {
  const serverToken = await loadServerToken();
  const got = await chrome.storage.sync.get(STORAGE_KEY);
  const synced = got[STORAGE_KEY];
  return normalizeSettings({ ...(typeof synced === 'object' && synced !== null ? synced : {}), serverToken });
}

/** Saves the settings to sync without the token; the token (to local) only when `withToken`. */
export async function saveSettings(settings: CaptionSettings, withToken = false): Promise<void> {
  const { serverToken, ...synced } = settings;
  await chrome.storage.sync.set({ [STORAGE_KEY]: synced });
  if (withToken) await saveServerToken(serverToken);
}
