// The toolbar badge tells at a glance which tabs are captioned: per-tab text and color.

import { badgeFor, describePhase, type TabSessionState } from '../shared/tab-session-state.ts';

const TITLE = 'Tab Captions';

export async function showBadge(tabId: number, state: TabSessionState | undefined): Promise<void> {
  const { text, color } = badgeFor(state?.phase);
  const title = state && text ? `${TITLE}: ${describePhase(state)}` : TITLE;
  try {
    await Promise.all([
      chrome.action.setBadgeText({ tabId, text }),
      text ? chrome.action.setBadgeBackgroundColor({ tabId, color }) : Promise.resolve(),
      chrome.action.setTitle({ tabId, title }),
    ]);
  } catch {
    // The tab is gone; its badge went with it.
  }
}
