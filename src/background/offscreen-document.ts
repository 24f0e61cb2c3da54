// The single offscreen document that holds every tab's capture and WebSocket. Chrome allows
// one per extension; creating it twice throws, and creation/closing race when several tabs
// start or stop together, so every operation here runs one after another.

export const OFFSCREEN_PATH = 'src/offscreen/offscreen.html';

let queue: Promise<unknown> = Promise.resolve();

function serialized<T>(op: () => Promise<T>): Promise<T> {
  const next = queue.then(op, op);
  queue = next.catch(() => {});
  return next;
}

async function exists(): Promise<boolean> {
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [chrome.runtime.getURL(OFFSCREEN_PATH)],
  });
  return contexts.length > 0;
}

export function hasOffscreenDocument(): Promise<boolean> {
  return serialized(exists);
}

export function ensureOffscreenDocument(): Promise<void> {
  return serialized(async () => {
    if (await exists()) return;
    try {
      await chrome.offscreen.createDocument({
        url: OFFSCREEN_PATH,
        reasons: [chrome.offscreen.Reason.USER_MEDIA],
        justification: 'Captures tab audio and streams it to the transcription server for live captions.',
      });
    } catch (err) {
      // Another worker incarnation may have created it between our check and now.
      if (!/single offscreen document/i.test(String((err as Error)?.message))) throw err;
    }
  });
}

export function closeOffscreenDocument(): Promise<void> {
  return serialized(async () => {
    if (!(await exists())) return;
    await chrome.offscreen.closeDocument().catch(() => {});
  });
}
