// The caption position per site, kept in chrome.storage.local on behalf of content scripts
// (that area is closed to them because it holds the server token). A content script only ever
// reads or writes the key of its own site, named by Chrome's sender.origin, never by the message.

import { parsePlacement, placementKey, type Placement } from '../content/placement.ts';

/** The site a content script runs in, from what Chrome says about the sender; null if none. */
export function senderSite(sender: chrome.runtime.MessageSender): string | null {
  let origin = sender.origin;
  if (!origin && sender.url) {
    try {
      origin = new URL(sender.url).origin;
    } catch {
      return null;
    }
  }
  return origin && origin !== 'null' ? origin : null;
}

export async function getPlacement(sender: chrome.runtime.MessageSender): Promise<{ placement: Placement | null }> {
  const site = senderSite(sender);
  if (!site) return { placement: null };
  const key = placementKey(site);
  return { placement: parsePlacement((await chrome.storage.local.get(key))[key]) };
}

export async function setPlacement(sender: chrome.runtime.MessageSender, raw: unknown): Promise<{ ok: boolean }> {
  const site = senderSite(sender);
  if (!site) return { ok: false };
  const placement = parsePlacement(raw);
  if (placement) await chrome.storage.local.set({ [placementKey(site)]: placement });
  else await chrome.storage.local.remove(placementKey(site));
  return { ok: true };
}

/**
 * Tells the open tabs of a site when its placement changes (moved in another tab of the site,
 * or forgotten in the options page), so they follow live as they did when they read storage.
 */
export function relayPlacementChanges(toTab: (tabId: number, placement: Placement | null) => void): void {
  const prefix = placementKey('');
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== 'local') return;
    for (const [key, change] of Object.entries(changes)) {
      if (!key.startsWith(prefix)) continue;
      const site = key.slice(prefix.length);
      const placement = parsePlacement(change.newValue);
      chrome.tabs.query({ url: `${site}/*` }).then(
        (tabs) => tabs.forEach((tab) => tab.id !== undefined && toTab(tab.id, placement)),
        () => {}, // not a pattern tabs.query takes (e.g. a file: page): nothing to follow
      );
    }
  });
}
