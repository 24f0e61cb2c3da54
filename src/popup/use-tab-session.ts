// The active tab and its captioning state. State comes straight from chrome.storage.session
// (written by the background), so it is right even if the service worker restarted; the
// latest caption comes from the background's forwarded caption messages.

import { useEffect, useState } from 'preact/hooks';
import { isMessageFor, type CaptionUpdate } from '../shared/messages.ts';
import { sessionKey, type TabSessionState } from '../shared/tab-session-state.ts';

export interface TabSession {
  /** Undefined until known; null when there is no capturable tab. */
  tabId: number | null | undefined;
  state: TabSessionState | null;
  lastCaption: CaptionUpdate | null;
}

export function useTabSession(): TabSession {
  const [tabId, setTabId] = useState<number | null | undefined>(undefined);
  const [state, setState] = useState<TabSessionState | null>(null);
  const [lastCaption, setLastCaption] = useState<CaptionUpdate | null>(null);

  useEffect(() => {
    // `?tab=<id>` lets the popup page be opened for a given tab (tests, debugging).
    const fromQuery = Number(new URLSearchParams(location.search).get('tab'));
    if (Number.isInteger(fromQuery) && fromQuery > 0) {
      setTabId(fromQuery);
      return;
    }
    void chrome.tabs.query({ active: true, currentWindow: true }).then(([tab]) => setTabId(tab?.id ?? null));
  }, []);

  useEffect(() => {
    if (tabId == null) return;
    const key = sessionKey(tabId);
    void chrome.storage.session.get(key).then((got) => setState((got[key] as TabSessionState | undefined) ?? null));
    const onStorage = (changes: Record<string, chrome.storage.StorageChange>, area: string) => {
      if (area === 'session' && key in changes) setState((changes[key].newValue as TabSessionState | undefined) ?? null);
    };
    const onMessage = (raw: unknown) => {
      if (isMessageFor('popup', raw) && raw.type === 'caption' && raw.tabId === tabId) setLastCaption(raw.caption);
      return false;
    };
    chrome.storage.onChanged.addListener(onStorage);
    chrome.runtime.onMessage.addListener(onMessage);
    return () => {
      chrome.storage.onChanged.removeListener(onStorage);
      chrome.runtime.onMessage.removeListener(onMessage);
    };
  }, [tabId]);

  return { tabId, state, lastCaption };
}
