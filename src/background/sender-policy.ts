// Who may send which runtime message: the rule table the background (and the offscreen
// document) check every incoming message against, so a compromised page renderer cannot drive them.

import type { BackgroundMessage, OffscreenMessage } from '../shared/messages.ts';
import { OFFSCREEN_PATH } from './offscreen-document.ts';

/**
 * What sent a message, as Chrome (the browser process, not the sender) describes it:
 * - `page`: one of the extension's own pages (popup, options, transcript, the service worker);
 * - `offscreen`: the extension's offscreen document;
 * - `content`: a content script in a web page (sender.tab set, sender.url the page's);
 * - `foreign`: anything else (another extension, no URL): never trusted.
 */
export type SenderKind = 'page' | 'offscreen' | 'content' | 'foreign';

/** Which sender kinds each message type to the background is meant to come from. */
export const BACKGROUND_SENDERS: { readonly [T in BackgroundMessage['type']]: readonly SenderKind[] } = {
  start: ['page'], // the popup, on the user's click; a content script must never pick a server URL
  stop: ['page'],
  'content-hello': ['content'], // the tab is always sender.tab, never a field of the message
  'session-update': ['offscreen'],
  caption: ['offscreen'],
  translation: ['offscreen'],
  'capture-ended': ['offscreen'],
  'placement-get': ['content'], // only its own site's key, from sender.origin
  'placement-set': ['content'],
  'frame-video': ['content'],
  'media-state': ['content'],
};

/** The offscreen document takes orders only from the service worker (an extension page). */
export const OFFSCREEN_SENDERS: { readonly [T in OffscreenMessage['type']]: readonly SenderKind[] } = {
  start: ['page'],
  stop: ['page'],
  list: ['page'],
};

export function senderKind(sender: chrome.runtime.MessageSender, extensionId: string): SenderKind {
  if (!extensionId || sender.id !== extensionId) return 'foreign';
  const origin = `chrome-extension://${extensionId}/`;
  const url = sender.url ?? '';
  if (url.startsWith(origin)) {
    const path = url.slice(origin.length).replace(/[?#].*$/s, '');
    return path === OFFSCREEN_PATH ? 'offscreen' : 'page';
  }
  // A content script: Chrome sets sender.tab (and sender.url to the page's URL).
  if (sender.tab?.id !== undefined && sender.tab.id >= 0) return 'content';
  return 'foreign';
}

export type SenderRules<T extends string> = { readonly [K in T]: readonly SenderKind[] };

/** Whether `rules` let this sender send a message of this type (unknown types: no). */
export function isAllowed<T extends string>(rules: SenderRules<T>, type: string, sender: chrome.runtime.MessageSender, extensionId: string): boolean {
  const allowed = Object.hasOwn(rules, type) ? rules[type as T] : undefined;
  return !!allowed && allowed.includes(senderKind(sender, extensionId));
}

/**
 * Wraps a runtime-message handler so that messages from the wrong sender are ignored (the
 * handler never sees them, the sender gets no answer) and logged once per type and sender kind.
 */
export function guardSenders<M extends { type: string }, R>(
  rules: SenderRules<M['type']>,
  extensionId: () => string,
  handler: (msg: M, sender: chrome.runtime.MessageSender) => R | undefined,
  log: (line: string) => void = (line) => console.warn(line),
): (msg: M, sender: chrome.runtime.MessageSender) => R | undefined {
  const logged = new Set<string>();
  return (msg, sender) => {
    const id = extensionId();
    if (isAllowed(rules, msg.type, sender, id)) return handler(msg, sender);
    const kind = senderKind(sender, id);
    const key = `${msg.type}|${kind}`;
    if (!logged.has(key)) {
      logged.add(key);
      log(`[sender-policy] ignored '${msg.type}' from a ${kind} sender (${sender.url ?? 'no url'})`);
    }
    return undefined;
  };
}
