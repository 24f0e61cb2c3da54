// One interface for every way the extension can translate captions: Chrome's on-device
// Translator, our server's /translate, or none. The caption pipeline only sees this.

// The provider names are settings values, so they live with the settings (shared/ depends on no feature).
import type { ProviderChoice, ProviderId } from '../shared/settings.ts';
export type { ProviderChoice, ProviderId };

/** Mirrors Translator.availability(): can this pair be translated, and is a download needed? */
export type PairAvailability = 'available' | 'downloadable' | 'downloading' | 'unavailable';

export interface PrepareOptions {
  /** Download progress, 0…1, while a model is fetched. */
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
}

export interface TranslationProvider {
  readonly id: ProviderId;
  availability(source: string, target: string): Promise<PairAvailability>;
  /** Gets the pair ready (downloads a model if needed and allowed); rejects when it cannot. */
  prepare(source: string, target: string, options?: PrepareOptions): Promise<void>;
  /** One translation per text, in order. */
  translate(texts: string[], source: string, target: string, signal?: AbortSignal): Promise<string[]>;
  /** Cancels everything in flight (language change, session end). */
  abort(): void;
}

/** A provider failure in plain words, shown to the user as the reason for falling back. */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderId,
    message: string,
  ) {
    super(message);
  }
}

/** Rejects after `ms` (and aborts `controller`), because some calls can hang forever offline. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string, controller?: AbortController): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject first: the abort makes `work` reject too, and the timeout is the real reason.
      reject(new Error(`${what} did not finish within ${Math.round(ms / 100) / 10} s`));
      controller?.abort();
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The `none` provider: original captions only. */
export const noneProvider: TranslationProvider = {
  id: 'none',
  availability: async () => 'unavailable',
  prepare: async () => {
    throw new ProviderError('none', 'translation is off');
  },
  translate: async () => {
    throw new ProviderError('none', 'translation is off');
  },
  abort: () => {},
};
