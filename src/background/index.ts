// Service worker: wires Chrome events and messages to the TabSessionManager. It keeps no state
// of its own beyond the store, because Chrome stops idle workers at will.

import { listen, sendRuntime, sendToFrame } from '../shared/messages.ts';
import { showBadge } from './badge.ts';
import { FrameRouter } from './frame-router.ts';
import { closeOffscreenDocument, ensureOffscreenDocument, hasOffscreenDocument } from './offscreen-document.ts';
import { TabSessionManager } from './tab-session-manager.ts';
import { TabSessionStore } from './tab-session-store.ts';
import { BACKGROUND_SENDERS, guardSenders } from './sender-policy.ts';
import { getPlacement, relayPlacementChanges, setPlacement } from './placement-relay.ts';
import { loadSettings } from '../shared/settings.ts';
import { loadServerToken, restrictLocalStorage } from '../shared/token-store.ts';
import { chromeTranscriptStorage, TranscriptStore } from './transcript-store.ts';

/** The manifest command that starts or stops captions on the current tab. */
const TOGGLE_COMMAND = 'toggle-captions';

const store = new TabSessionStore();

// Which frame of each tab shows the captions (the one holding the playing video).
const frames = new FrameRouter({
  send: (tabId, frameId, msg) =>
    sendToFrame(tabId, frameId, msg).then(
      () => true,
      () => false, // no content script there (yet): chrome:// pages, tabs opened before install
    ),
});

const manager = new TabSessionManager({
  store,
  getStreamId: (tabId) => chrome.tabCapture.getMediaStreamId({ targetTabId: tabId }),
  ensureOffscreen: ensureOffscreenDocument,
  closeOffscreen: closeOffscreenDocument,
  hasOffscreen: hasOffscreenDocument,
  toOffscreen: (msg) => sendRuntime(msg),
  // State to every frame; captions and translations only to the frame that shows them.
  toTab: (tabId, msg) => frames.route(tabId, msg),
  injectContent: async (tabId) => {
    const files = chrome.runtime.getManifest().content_scripts?.flatMap((cs) => cs.js ?? []) ?? [];
    if (files.length) await chrome.scripting.executeScript({ target: { tabId, allFrames: true }, files });
  },
  toPopup: (msg) => {
    sendRuntime(msg).catch(() => {}); // no popup open: nobody to tell
  },
  setBadge: showBadge,
  now: Date.now,
  transcripts: new TranscriptStore(chromeTranscriptStorage),
  // Title and URL are readable here thanks to activeTab (the popup or shortcut invoked us).
  tabInfo: async (tabId) => {
    const tab = await chrome.tabs.get(tabId);
    return { ...(tab.title ? { title: tab.title } : {}), ...(tab.url ? { url: tab.url } : {}) };
  },
  serverToken: () => loadServerToken(),
});

// The token lives in storage.local: keep that area closed to content scripts (the default lets them in).
restrictLocalStorage().catch((err: unknown) => console.error('[background] could not restrict storage.local', err));

// Every event waits for the store: after a restart the worker must know its sessions first.
const ready = manager.reconcile().catch((err) => console.error('[background] reconcile failed', err));

// Each message type only from the sender it is meant for (sender-policy.ts); others are ignored.
listen('background', guardSenders(BACKGROUND_SENDERS, () => chrome.runtime.id, (msg, sender) => {
  switch (msg.type) {
    case 'start':
      return ready.then(() => manager.start(msg.tabId, msg.settings));
    case 'stop':
      return ready.then(() => manager.stop(msg.tabId));
    case 'content-hello': {
      const tabId = sender.tab?.id;
      if (tabId === undefined || sender.frameId === undefined) return Promise.resolve({ state: null });
      const frameId = sender.frameId;
      return ready.then(() => ({ state: manager.contentState(tabId), showsCaptions: frames.captionFrame(tabId) === frameId }));
    }
    case 'frame-video': {
      const tabId = sender.tab?.id;
      if (tabId !== undefined && sender.frameId !== undefined) void frames.report(tabId, sender.frameId, msg.video);
      return undefined;
    }
    case 'session-update':
      void ready.then(() => manager.onTabSessionUpdate(msg.tabId, msg.update));
      return undefined;
    case 'caption':
      void ready.then(() => manager.onCaption(msg.tabId, msg.caption));
      return undefined;
    case 'translation':
      void ready.then(() => manager.onTranslation(msg.tabId, msg.translation));
      return undefined;
    case 'media-state':
      if (sender.tab?.id !== undefined) void ready.then(() => manager.onMediaState(sender.tab!.id!, sender.frameId ?? 0, msg.sample));
      return undefined;
    case 'capture-ended':
      void ready.then(() => manager.onCaptureEnded(msg.tabId, msg.reason));
      return undefined;
    case 'placement-get':
      return getPlacement(sender);
    case 'placement-set':
      return setPlacement(sender, msg.placement);
  }
}));

// To every frame of the site's tabs: the frame that shows the captions may be an iframe.
relayPlacementChanges((tabId, placement) => void sendToFrame(tabId, undefined, { to: 'content', type: 'placement', placement }).catch(() => {}));

chrome.tabs.onRemoved.addListener((tabId) => {
  frames.forget(tabId);
  void ready.then(() => manager.onTabRemoved(tabId));
});

// The keyboard shortcut (manifest `commands`) counts as invoking the extension on the active
// tab, which is what tabCapture.getMediaStreamId needs, just like a click on the toolbar button.
chrome.commands.onCommand.addListener((command, tab) => {
  if (command !== TOGGLE_COMMAND || tab?.id === undefined) return;
  const tabId = tab.id;
  void ready
    .then(() => manager.toggle(tabId, loadSettings))
    .then((res) => {
      if (!res.ok) console.warn(`[background] tab ${tabId}: shortcut start failed: ${res.error}`);
    })
    .catch((err) => console.error('[background] shortcut failed', err));
});
