// The caption style from chrome.storage.sync, saved as the user edits it (the overlay on every
// captioned tab picks each change up live).

import { useEffect, useState } from 'preact/hooks';
import { loadStyle, normalizeStyle, saveStyle, watchStyle, type CaptionStyle } from '../shared/caption-style.ts';

export function useStyle(): [CaptionStyle | null, (patch: Partial<CaptionStyle>) => void] {
  const [style, setStyle] = useState<CaptionStyle | null>(null);
  useEffect(() => {
    void loadStyle().then(setStyle);
    return watchStyle(setStyle);
  }, []);
  const update = (patch: Partial<CaptionStyle>) => {
    setStyle((prev) => {
      if (!prev) return prev;
      const next = normalizeStyle({ ...prev, ...patch });
      void saveStyle(next);
      return next;
    });
  };
  return [style, update];
}
