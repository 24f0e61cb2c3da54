// The popup: settings, Start/Stop for the current tab, and its live status. Opening it is
// the user gesture Chrome requires before the extension may capture the tab.

import { useState } from 'preact/hooks';
import { t } from '../shared/i18n.ts';
import { sendRuntime } from '../shared/messages.ts';
import { isActive } from '../shared/tab-session-state.ts';
import { validateServerUrl } from '../shared/settings.ts';
import { SettingsForm } from '../ui/SettingsForm.tsx';
import { StatusPanel } from './StatusPanel.tsx';
import { useSettings } from '../ui/use-settings.ts';
import { useTabSession } from './use-tab-session.ts';
import { useShortcut } from '../ui/use-shortcut.ts';

export function App() {
  const [settings, updateSettings] = useSettings();
  const { tabId, state, lastCaption } = useTabSession();
  const [busy, setBusy] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const shortcut = useShortcut();

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
      setStartError(t('noAnswer', (err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="popup">
      <header class="header">
        <h1>{t('extName')}</h1>
      </header>
      <SettingsForm settings={settings} disabled={active || busy} onChange={updateSettings} />
      <button
        id="toggle"
        type="button"
        class={active ? 'toggle stop' : 'toggle start'}
        disabled={busy || (!active && !canStart)}
        onClick={() => void toggle()}
      >
        {active ? t('stopCaptions') : t('startCaptions')}
      </button>
      {shortcut && (
        <p id="shortcut" class="hint shortcut">
          {t('shortcutHint', shortcut)}
        </p>
      )}
      {tabId === null && <p class="field-error">{t('noTab')}</p>}
      {startError && state?.phase !== 'error' && (
        <p class="field-error" role="alert">
          {startError}
        </p>
      )}
      <StatusPanel state={state} lastCaption={lastCaption} />
      <nav class="links">
        <button id="open-transcript" type="button" class="link" disabled={tabId === null} onClick={() => void openTranscript(tabId)}>
          {t('openTranscript')}
        </button>
        <button id="open-options" type="button" class="link" onClick={() => void chrome.runtime.openOptionsPage()}>
          {t('openOptions')}
        </button>
      </nav>
    </main>
  );
}

/**
 * The transcript lives in the side panel, next to the page, and keeps updating after the popup
 * closes (it reads the background's storage). Opening it needs this click's user gesture.
 */
async function openTranscript(tabId: number | null): Promise<void> {
  if (tabId === null) return;
  try {
    // Called straight away: anything awaited first could use up the click's user gesture.
    // The panel's page shows the active tab's transcript, which is this tab.
    await chrome.sidePanel.open({ tabId });
  } catch {
    // No side panel here (older Chrome, a window type without one): a normal tab works too.
    await chrome.tabs.create({ url: chrome.runtime.getURL(`src/transcript/index.html?tab=${tabId}`) });
  }
  window.close();
}
