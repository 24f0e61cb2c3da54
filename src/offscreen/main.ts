// Offscreen document: the extension's only page that may hold media streams and WebSockets
// for as long as captioning runs (service workers are short-lived). One pipeline per tab.

import { listen, sendRuntime, type BackgroundMessage } from '../shared/messages.ts';
import { TabPipeline } from './tab-pipeline.ts';
import { plainCaptureError } from './tab-capture.ts';
import { guardSenders, OFFSCREEN_SENDERS } from '../background/sender-policy.ts';

const pipelines = new Map<number, TabPipeline>();

// Inspectable from DevTools (and end-to-end tests): `tabCaptionsStats()` in this document.
Object.assign(globalThis, { tabCaptionsStats: () => [...pipelines.values()].map((p) => p.stats()) });

const report = (msg: BackgroundMessage) => {
  sendRuntime(msg).catch(() => {
    // The service worker wakes up for any message; a failure means the extension is going away.
  });
};

// Orders only from the service worker: a content script must not stop or list other tabs' captures.
listen('offscreen', guardSenders(OFFSCREEN_SENDERS, () => chrome.runtime.id, async (msg) => {
  switch (msg.type) {
    case 'start': {
      await pipelines.get(msg.tabId)?.stop();
      const pipeline = new TabPipeline(msg.tabId, msg.settings, report, () => {
        if (pipelines.get(msg.tabId) === pipeline) pipelines.delete(msg.tabId);
      });
      pipelines.set(msg.tabId, pipeline);
      try {
        await pipeline.start(msg.streamId);
        return { ok: true };
      } catch (err) {
        console.error(`[offscreen] tab ${msg.tabId}: capture failed`, err);
        await pipeline.stop();
        return { ok: false, error: plainCaptureError(err) };
      }
    }
    case 'stop':
      await pipelines.get(msg.tabId)?.stop();
      return { ok: true };
    case 'list':
      return { tabIds: [...pipelines.keys()] };
  }
}));
