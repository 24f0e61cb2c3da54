// The popup: settings, Start/Stop for the current tab, and its live status. Opening it is
// the user gesture Chrome requires before the extension may capture the tab.

import { useState } from 'preact/hooks';
import { sendRuntime } from '../shared/messages.ts';
import { isActive } from '../shared/session-state.ts';
import { validateServerUrl } from '../shared/settings.ts';
import { SettingsForm } from './SettingsForm.tsx';
import { StatusPanel } from './StatusPanel.tsx';
import { useSettings } from './use-settings.ts';
import { useTabSession } from './use-tab-session.ts';

export function App() {
  const [settings, updateSettings] = useSettings();
  const { tabId, state, lastCaption } = useTabSession();
  const [busy, setBusy] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);

  if (!settings || tabId === undefined) return <main class="popup" aria-busy="true" />;

  const active = isActive(state ?? undefined);
  const canStart = tabId !== null && validateServerUrl(settings.serverUrl) === null;

  const toggle = async () => {
    if (tabId === null) return;
    setBusy(true);
    setStartError(null);
    try {
      if (active) {
        await sendRuntime({ to: 'background', type: 'stop', tabId });
      } else {
        const res = await sendRuntime({ to: 'background', type: 'start', tabId, settings });
        if (!res.ok) setStartError(res.error);
      }
    } catch (err) {
      setStartError(`The extension did not answer: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="popup">
      <header class="header">
        <h1>Tab Captions</h1>
      </header>
      <SettingsForm settings={settings} disabled={active || busy} onChange={updateSettings} />
      <button
        id="toggle"
        type="button"
        class={active ? 'toggle stop' : 'toggle start'}
        disabled={busy || (!active && !canStart)}
        onClick={() => void toggle()}
      >
        {active ? 'Stop captions' : 'Start captions'}
      </button>
      {tabId === null && <p class="field-error">There is no tab to caption here.</p>}
      {startError && state?.phase !== 'error' && (
        <p class="field-error" role="alert">
          {startError}
        </p>
      )}
      <StatusPanel state={state} lastCaption={lastCaption} />
    </main>
  );
}
