// Every message that crosses an extension context boundary, as discriminated unions.
// Each message names its receiver in `to`, because chrome.runtime.sendMessage reaches every
// extension page at once (the popup also hears what the offscreen document tells the
// background); a receiver ignores anything not addressed to it. Only text travels here:
// audio stays inside the offscreen document.

import type { MediaSample } from './media-timeline.ts';
import type { CaptionSettings } from './settings.ts';
import type { TabSessionState } from './tab-session-state.ts';

// ---------------------------------------------------------------- shared payloads

/** One caption update, as the overlay and popup consume it. */
export interface CaptionUpdate {
  kind: 'partial' | 'final';
  /**
   * Unique within one tab's session: `<connection>:<segmentId>`. Servers restart their
   * segment numbers on every connection, so the server's segmentId alone is not enough.
   */
  id: string;
  /** The server's segment number on its connection. */
  segmentId: number;
  text: string;
  /** Seconds since the start of the connection's audio. */
  start: number;
  end: number;
  /** Language of a final, when the server says. */
  language?: string;
  /** Epoch ms when the caption's first and last audio sample were captured from the tab. */
  capturedAt?: { start: number; end: number };
}

/**
 * A translation of one or more finals (a sentence can span several finals), shown under them.
 * Keyed by the caption ids it covers, so it can never land under the wrong line.
 */
export interface TranslationUpdate {
  /** CaptionUpdate ids of the finals this translation covers, in order. */
  ids: string[];
  text: string;
  /** Target language code (ISO 639-1). */
  language: string;
  /** What produced it: Chrome's on-device Translator, our server's /translate, or a server push. */
  provider: 'chrome' | 'server' | 'push';
}

/** The user's caption placement, relative to the box it sits in (src/content/placement.ts does the geometry). */
export interface Placement {
  /** Horizontal centre of the captions, 0 (left edge) … 1 (right edge). */
  cx: number;
  /** Bottom of the captions, 0 (top edge) … 1 (bottom edge). */
  bottom: number;
  /** Width of the captions as a fraction of the box width. */
  width: number;
}

/** A frame's captionable video, as its content script sees it (the background picks a frame). */
export interface FrameVideo {
  /** Visible area of the frame's chosen video in the frame's viewport (CSS px²). */
  area: number;
  playing: boolean;
}

/**
 * What the offscreen document reports about a tab's stream; merged into TabSessionState.
 * `null` clears a field (undefined would not survive structured cloning as a key).
 */
export type TabSessionUpdate = {
  [K in
    | 'phase'
    | 'attempt'
    | 'retryAt'
    | 'error'
    | 'language'
    | 'engine'
    | 'model'
    | 'notice'
    | 'mode'
    | 'behindSeconds'
    | 'droppedSeconds'
    | 'engineBehindSeconds'
    | 'wireAudio'
    | 'translation']?: TabSessionState[K] | null;
};

// ---------------------------------------------------------------- to the background

export type BackgroundMessage =
  /** Popup: start captioning a tab (the popup being open is the user gesture tabCapture needs). */
  | { to: 'background'; type: 'start'; tabId: number; settings: CaptionSettings }
  /** Popup: stop captioning a tab. */
  | { to: 'background'; type: 'stop'; tabId: number }
  /** Content script: I just loaded; what is this tab's state? (tab comes from the sender) */
  | { to: 'background'; type: 'content-hello' }
  /** Offscreen: a tab's stream changed state. */
  | { to: 'background'; type: 'session-update'; tabId: number; update: TabSessionUpdate }
  /** Offscreen: a caption for a tab. */
  | { to: 'background'; type: 'caption'; tabId: number; caption: CaptionUpdate }
  /** Offscreen (or whoever translates): a translation of finals of a tab. */
  | { to: 'background'; type: 'translation'; tabId: number; translation: TranslationUpdate }
  /** Offscreen: a tab's capture ended by itself (tab closed, capture revoked). */
  | { to: 'background'; type: 'capture-ended'; tabId: number; reason: string }
  /** Content script: the caption position saved for my site (site from the sender). */
  | { to: 'background'; type: 'placement-get' }
  /** Content script: remember (null: forget) the caption position for my site. */
  | { to: 'background'; type: 'placement-set'; placement: Placement | null }
  /** Content script (any frame): this frame's video changed; null: none (tab and frame come from the sender). */
  | { to: 'background'; type: 'frame-video'; video: FrameVideo | null }
  /** Content script: a reading of the playing media's clock (tab and frame come from the sender). */
  | { to: 'background'; type: 'media-state'; sample: MediaSample };

// ---------------------------------------------------------------- to the offscreen document

export type OffscreenMessage =
  | { to: 'offscreen'; type: 'start'; tabId: number; streamId: string; settings: CaptionSettings }
  | { to: 'offscreen'; type: 'stop'; tabId: number }
  /** Which tabs are streaming; lets a restarted service worker reconcile its state. */
  | { to: 'offscreen'; type: 'list' };

// ---------------------------------------------------------------- to a content script

export type ContentMessage =
  /** The tab's session state; null when captioning is off. */
  | { to: 'content'; type: 'state'; state: TabSessionState | null }
  | { to: 'content'; type: 'caption'; caption: CaptionUpdate }
  | { to: 'content'; type: 'translation'; translation: TranslationUpdate }
  /** The site's caption position changed elsewhere (another tab, the options page). */
  | { to: 'content'; type: 'placement'; placement: Placement | null }
  /** Whether this frame is now the one that shows the tab's captions (one overlay per tab). */
  | { to: 'content'; type: 'caption-frame'; shows: boolean }
  /** Transcript panel: play the media `src` of this frame from `time` (seconds of its own timeline). */
  | { to: 'content'; type: 'seek'; src: string; time: number };

// ---------------------------------------------------------------- to the popup

export type PopupMessage = { to: 'popup'; type: 'caption'; tabId: number; caption: CaptionUpdate };

export type ExtensionMessage = BackgroundMessage | OffscreenMessage | ContentMessage | PopupMessage;
export type Receiver = ExtensionMessage['to'];

// ---------------------------------------------------------------- responses

export type StartResult = { ok: true } | { ok: false; error: string };

/** Why a line of the transcript could not be played: a live stream, unseekable, or the media is gone. */
export type SeekResult = { ok: true } | { ok: false; reason: 'live' | 'not-seekable' | 'no-media' };

/** The answer each request gets; messages absent here are fire-and-forget. */
export interface ResponseMap {
  'background:start': StartResult;
  'background:stop': { ok: true };
  'background:content-hello': { state: TabSessionState | null; showsCaptions?: boolean };
  'background:placement-get': { placement: Placement | null };
  'background:placement-set': { ok: boolean };
  'offscreen:start': StartResult;
  'offscreen:stop': { ok: true };
  'offscreen:list': { tabIds: number[] };
  'content:seek': SeekResult;
}

export type ResponseOf<M extends ExtensionMessage> = `${M['to']}:${M['type']}` extends keyof ResponseMap
  ? ResponseMap[`${M['to']}:${M['type']}`]
  : void;

type MessageTo<R extends Receiver> = Extract<ExtensionMessage, { to: R }>;

const RECEIVERS: ReadonlySet<string> = new Set<Receiver>(['background', 'offscreen', 'content', 'popup']);

/** Narrows an incoming runtime message to the ones addressed to `receiver`. */
export function isMessageFor<R extends Receiver>(receiver: R, raw: unknown): raw is MessageTo<R> {
  if (typeof raw !== 'object' || raw === null) return false;
  const { to, type } = raw as { to?: unknown; type?: unknown };
  return typeof to === 'string' && RECEIVERS.has(to) && to === receiver && typeof type === 'string';
}

/** chrome.runtime.sendMessage with the response type of the request. */
export function sendRuntime<M extends BackgroundMessage | OffscreenMessage | PopupMessage>(msg: M): Promise<ResponseOf<M>> {
  return chrome.runtime.sendMessage(msg) as Promise<ResponseOf<M>>;
}

/** chrome.tabs.sendMessage to a tab's top frame, with the response type of the request. */
export function sendToTab<M extends ContentMessage>(tabId: number, msg: M): Promise<ResponseOf<M>> {
  return chrome.tabs.sendMessage(tabId, msg, { frameId: 0 }) as Promise<ResponseOf<M>>;
}

/** chrome.tabs.sendMessage to one frame of a tab, or to all its frames when frameId is undefined. */
export function sendToFrame<M extends ContentMessage>(tabId: number, frameId: number | undefined, msg: M): Promise<ResponseOf<M>> {
  return (frameId === undefined ? chrome.tabs.sendMessage(tabId, msg) : chrome.tabs.sendMessage(tabId, msg, { frameId })) as Promise<ResponseOf<M>>;
}

/**
 * Adapts an async handler to chrome.runtime.onMessage: answers through sendResponse and
 * keeps the channel open only for messages the handler claims.
 */
export function listen<R extends Receiver>(
  receiver: R,
  handler: (msg: MessageTo<R>, sender: chrome.runtime.MessageSender) => Promise<unknown> | undefined,
): () => void {
  const onMessage = (raw: unknown, sender: chrome.runtime.MessageSender, sendResponse: (r?: unknown) => void) => {
    if (!isMessageFor(receiver, raw)) return false;
    const pending = handler(raw, sender);
    if (!pending) return false;
    pending.then(sendResponse, (err: unknown) => {
      console.error(`[${receiver}] ${raw.type} failed`, err);
      sendResponse({ ok: false, error: err instanceof Error ? err.message : String(err) });
    });
    return true; // we answer asynchronously
  };
  chrome.runtime.onMessage.addListener(onMessage);
  return () => chrome.runtime.onMessage.removeListener(onMessage);
}
