// Settings from chrome.storage.sync (the token from local), saved as the user edits them.

import { useEffect, useState } from 'preact/hooks';
import { loadSettings, saveSettings, type CaptionSettings } from '../shared/settings.ts';

export function useSettings(): [CaptionSettings | null, (patch: Partial<CaptionSettings>) => void] {
  const [settings, setSettings] = useState<CaptionSettings | null>(null);

  useEffect(() => {
    void loadSettings().then(setSettings);
  }, []);

  const update = (patch: Partial<CaptionSettings>) => {
    setSettings((prev) => {
      if (!prev) return prev;
      const next = { ...prev, ...patch };
      void saveSettings(next, 'serverToken' in patch);
      return next;
    });
  };

  return [settings, update];
}
