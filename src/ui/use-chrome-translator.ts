// The popup's view of Chrome's on-device translator for the chosen pair: its availability,
// and a download started from the user's click (the only place with a user gesture), with
// progress. create() can hang forever offline, so the download has a deadline.

import { useCallback, useEffect, useState } from 'preact/hooks';
import { ChromeProvider, translatorApi } from '../translation/chrome-provider.ts';
import type { PairAvailability } from '../translation/provider.ts';

export type ChromeTranslatorState =
  | { kind: 'missing' }
  | { kind: 'checking' }
  | { kind: 'ready'; availability: PairAvailability }
  | { kind: 'downloading'; progress: number }
  | { kind: 'failed'; message: string };

/** How long a model download may show no result before the popup gives up on it. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;

export function useChromeTranslator(source: string, target: string, timeoutMs = DOWNLOAD_TIMEOUT_MS) {
  const [state, setState] = useState<ChromeTranslatorState>({ kind: translatorApi() ? 'checking' : 'missing' });
  // Speech language "auto": English is the most likely source; the check is a hint only.
  const from = source === 'auto' ? 'en' : source;

  useEffect(() => {
    if (!target || !translatorApi()) return;
    let live = true;
    setState({ kind: 'checking' });
    void new ChromeProvider().availability(from, target).then((availability) => live && setState({ kind: 'ready', availability }));
    return () => {
      live = false;
    };
  }, [from, target]);

  /** Must run inside the click handler: Translator.create needs the user's gesture. */
  const download = useCallback(() => {
    const provider = new ChromeProvider({ allowDownload: true, createTimeoutMs: timeoutMs });
    setState({ kind: 'downloading', progress: 0 });
    provider
      .prepare(from, target, { onProgress: (progress) => setState({ kind: 'downloading', progress }) })
      .then(
        () => setState({ kind: 'ready', availability: 'available' }),
        (err: Error) =>
          setState({
            kind: 'failed',
            message: `The on-device model could not be downloaded (${err.message}). Captions will be translated by the server instead.`,
          }),
      );
  }, [from, target, timeoutMs]);

  return { state, download };
}
