// The start/stop shortcut as the user has it set (they can change it at chrome://extensions/shortcuts).

import { useEffect, useState } from 'preact/hooks';

export function useShortcut(): string | null {
  const [keys, setKeys] = useState<string | null>(null);
  useEffect(() => {
    void chrome.commands
      .getAll()
      .then((all) => setKeys(all.find((c) => c.name === 'toggle-captions')?.shortcut || null))
      .catch(() => {});
  }, []);
  return keys;
}
