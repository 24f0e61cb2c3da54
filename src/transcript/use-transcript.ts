// The transcript of one tab, live from chrome.storage.session (written by the background).

import { useEffect, useState } from 'preact/hooks';
import { parseTranscript, transcriptKey, type Transcript } from '../shared/transcript.ts';

/** Which tab: `?tab=<id>`, else the active tab of this window (following tab switches). */
export function useTranscriptTab(): number | null | undefined {
  const [tabId, setTabId] = useState<number | null | undefined>(undefined);
  useEffect(() => {
    const fromQuery = Number(new URLSearchParams(location.search).get('tab'));
    if (Number.isInteger(fromQuery) && fromQuery > 0) {
      setTabId(fromQuery);
      return;
    }
    const pick = () =>
      void chrome.tabs
        .query({ active: true, currentWindow: true })
        .then(([tab]) => setTabId(tab?.id ?? null))
        .catch(() => setTabId(null));
    pick();
    const onActivated = () => pick();
    chrome.tabs.onActivated.addListener(onActivated);
    return () => chrome.tabs.onActivated.removeListener(onActivated);
  }, []);
  return tabId;
}

export function useTranscript(tabId: number | null | undefined): Transcript | null {
  const [transcript, setTranscript] = useState<Transcript | null>(null);
  useEffect(() => {
    setTranscript(null);
    if (tabId == null) return;
    const key = transcriptKey(tabId);
    void chrome.storage.session.get(key).then((got) => setTranscript(parseTranscript(got[key])));
    const onChange = (changes: Record<string, chrome.storage.StorageChange>, area: string) => {
      if (area === 'session' && key in changes) setTranscript(parseTranscript(changes[key].newValue));
    };
    chrome.storage.onChanged.addListener(onChange);
    return () => chrome.storage.onChanged.removeListener(onChange);
  }, [tabId]);
  return transcript;
}
