// The background's brain: per-tab sessions from Start to Stop, routing between the popup,
// the offscreen document and content scripts. Chrome APIs come in through `deps`, so unit
// tests drive it with fakes.

import type {
  CaptionUpdate,
  ContentMessage,
  OffscreenMessage,
  PopupMessage,
  ResponseOf,
  TabSessionUpdate,
  StartResult,
  TranslationUpdate,
} from '../shared/messages.ts';
import { parseSample } from '../shared/media-timeline.ts';
import { isActive, type TabSessionState } from '../shared/tab-session-state.ts';
import type { CaptionSettings } from '../shared/settings.ts';
import type { TabSessionStore } from './tab-session-store.ts';
import type { TranscriptStore } from './transcript-store.ts';

export interface BackgroundDeps {
  store: TabSessionStore;
  /** chrome.tabCapture.getMediaStreamId for the tab (needs the popup's user gesture). */
  getStreamId(tabId: number): Promise<string>;
  ensureOffscreen(): Promise<void>;
  closeOffscreen(): Promise<void>;
  hasOffscreen(): Promise<boolean>;
  toOffscreen<M extends OffscreenMessage>(msg: M): Promise<ResponseOf<M>>;
  /** Resolves false when the tab has no content script to receive it. */
  toTab(tabId: number, msg: ContentMessage): Promise<boolean>;
  /** Injects the content script into a tab opened before the extension was installed. */
  injectContent(tabId: number): Promise<void>;
  toPopup(msg: PopupMessage): void;
  setBadge(tabId: number, state: TabSessionState | undefined): Promise<void>;
  now(): number;
  /** The session transcripts (optional: routing works without them). */
  transcripts?: TranscriptStore;
  /** Title and address of the tab, for the transcript's header and file names. */
  tabInfo?(tabId: number): Promise<{ title?: string; url?: string }>;
  /** The server token from chrome.storage.local: the only source of it (never a message); none when absent. */
  serverToken?(): Promise<string>;
}

export class TabSessionManager {
  /** Operations on one tab run one after another (Start, Stop, tab closed…). */
  private readonly tabQueues = new Map<number, Promise<unknown>>();

  constructor(private readonly deps: BackgroundDeps) {}

  start(tabId: number, settings: CaptionSettings): Promise<StartResult> {
    return this.serial(tabId, async () => {
      if (isActive(this.deps.store.get(tabId))) await this.stopNow(tabId);
      const startedAt = this.deps.now();
      // The state goes to the tab's content script and storage.session: never with the token in it.
      await this.commit({ tabId, phase: 'starting', sourceLanguage: settings.sourceLanguage, startedAt });
      if (this.deps.transcripts) {
        const page = (await this.deps.tabInfo?.(tabId).catch(() => ({}))) ?? {};
        await this.deps.transcripts.begin(tabId, startedAt, page);
      }
      if (!(await this.deps.toTab(tabId, { to: 'content', type: 'state', state: this.deps.store.get(tabId)! }))) {
        await this.deps.injectContent(tabId).catch((err) => console.warn(`[background] tab ${tabId}: no captions overlay possible`, err));
      }
      let streamId: string;
      try {
        streamId = await this.deps.getStreamId(tabId);
      } catch (err) {
        return this.failStart(tabId, plainStreamIdError(err));
      }
      try {
        await this.deps.ensureOffscreen();
        const serverToken = (await this.deps.serverToken?.()) ?? '';
        const res = await this.offscreenStart({ to: 'offscreen', type: 'start', tabId, streamId, settings: { ...settings, serverToken } });
        if (!res.ok) return this.failStart(tabId, res.error);
      } catch (err) {
        return this.failStart(tabId, `The extension could not start its audio page: ${errorText(err)}`);
      }
      return { ok: true } as const;
    });
  }

  stop(tabId: number): Promise<{ ok: true }> {
    return this.serial(tabId, async () => {
      await this.stopNow(tabId);
      return { ok: true } as const;
    });
  }

  /** A state change reported by the offscreen document. */
  async onTabSessionUpdate(tabId: number, update: TabSessionUpdate): Promise<void> {
    const state = await this.deps.store.update(tabId, update);
    if (!state) return;
    await this.publish(state);
    if (!isActive(state)) await this.closeOffscreenIfIdle();
  }

  /** A caption from the offscreen document: to the tab's overlay and any open popup. */
  async onCaption(tabId: number, caption: CaptionUpdate): Promise<void> {
    void this.deps.toTab(tabId, { to: 'content', type: 'caption', caption });
    this.deps.toPopup({ to: 'popup', type: 'caption', tabId, caption });
    await this.deps.transcripts?.onCaption(tabId, caption, this.deps.now());
    const state = this.deps.store.get(tabId);
    if (caption.kind === 'final' && caption.language && state && state.language !== caption.language) {
      await this.deps.store.update(tabId, { language: caption.language });
    }
  }

  /** A translation of finals: shown under them in the overlay, kept in the transcript. */
  async onTranslation(tabId: number, translation: TranslationUpdate): Promise<void> {
    void this.deps.toTab(tabId, { to: 'content', type: 'translation', translation });
    await this.deps.transcripts?.onTranslation(tabId, translation);
  }

  /** A reading of the playing media's clock from a frame of a captioned tab: the transcript's media times. */
  async onMediaState(tabId: number, frameId: number, raw: unknown): Promise<void> {
    const sample = parseSample(raw);
    if (!sample || !isActive(this.deps.store.get(tabId))) return;
    await this.deps.transcripts?.onMediaSample(tabId, sample, frameId);
  }

  /** Keyboard shortcut: Stop when the tab is captioned, else Start with the saved settings. */
  async toggle(tabId: number, settings: () => Promise<CaptionSettings>): Promise<StartResult | { ok: true }> {
    if (isActive(this.deps.store.get(tabId))) return this.stop(tabId);
    return this.start(tabId, await settings());
  }

  /** The capture ended by itself; the offscreen document is already draining the session. */
  async onCaptureEnded(tabId: number, reason: string): Promise<void> {
    const state = this.deps.store.get(tabId);
    if (!isActive(state)) return;
    console.info(`[background] tab ${tabId}: capture ended: ${reason}`);
  }

  async onTabRemoved(tabId: number): Promise<void> {
    await this.serial(tabId, async () => {
      await this.stopNow(tabId);
      await this.deps.store.remove(tabId);
      await this.deps.transcripts?.remove(tabId);
    });
  }

  /** A content script (re)loaded: give it the tab's state so it can show the overlay. */
  contentState(tabId: number): TabSessionState | null {
    const state = this.deps.store.get(tabId);
    return state && isActive(state) ? state : null;
  }

  /**
   * After a worker restart: sessions the offscreen document no longer runs have ended
   * while we were away. Marks them stopped so nothing shows a stale "live".
   */
  async reconcile(): Promise<void> {
    await this.deps.store.load();
    const active = this.deps.store.all().filter(isActive);
    if (active.length === 0) return;
    let running = new Set<number>();
    if (await this.deps.hasOffscreen()) {
      const res = await this.deps.toOffscreen({ to: 'offscreen', type: 'list' }).catch(() => ({ tabIds: [] as number[] }));
      running = new Set(res.tabIds);
    }
    for (const state of active) {
      if (running.has(state.tabId)) continue;
      await this.commit({ ...state, phase: 'stopped' });
    }
    await this.closeOffscreenIfIdle();
  }

  // ------------------------------------------------------------ internals

  private async stopNow(tabId: number): Promise<void> {
    const state = this.deps.store.get(tabId);
    if (!state) return;
    if (isActive(state)) {
      await this.commit({ ...state, phase: 'stopping' });
      if (await this.deps.hasOffscreen()) {
        await this.deps.toOffscreen({ to: 'offscreen', type: 'stop', tabId }).catch(() => {});
      }
    }
    const last = this.deps.store.get(tabId);
    // The offscreen document reports stopped/error itself; make sure we end there anyway.
    if (last && isActive(last)) await this.commit({ ...last, phase: 'stopped' });
    await this.closeOffscreenIfIdle();
  }

  private async failStart(tabId: number, error: string): Promise<StartResult> {
    const state = this.deps.store.get(tabId);
    if (state) await this.commit({ ...state, phase: 'error', error });
    await this.closeOffscreenIfIdle();
    return { ok: false, error };
  }

  /** The document may still be loading its script when just created: retry briefly. */
  private async offscreenStart(msg: Extract<OffscreenMessage, { type: 'start' }>): Promise<StartResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.deps.toOffscreen(msg);
        if (res) return res;
        throw new Error('no answer from the offscreen document');
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async commit(state: TabSessionState): Promise<void> {
    await this.deps.store.set(state);
    await this.publish(state);
  }

  /** Tells the tab's content script and badge; the popup watches storage itself. */
  private async publish(state: TabSessionState): Promise<void> {
    await Promise.all([
      this.deps.setBadge(state.tabId, state),
      this.deps.toTab(state.tabId, { to: 'content', type: 'state', state }),
    ]);
  }

  private async closeOffscreenIfIdle(): Promise<void> {
    if (this.deps.store.all().some(isActive)) return;
    await this.deps.closeOffscreen();
  }

  private serial<T>(tabId: number, op: () => Promise<T>): Promise<T> {
    const prev = this.tabQueues.get(tabId) ?? Promise.resolve();
    const next = prev.then(op, op);
    const settled = next.catch(() => {});
    this.tabQueues.set(tabId, settled);
    void settled.then(() => {
      if (this.tabQueues.get(tabId) === settled) this.tabQueues.delete(tabId);
    });
    return next;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** chrome.tabCapture errors, in words a user understands. */
export function plainStreamIdError(err: unknown): string {
  const message = errorText(err);
  if (/active stream/i.test(message)) return 'This tab is already being captured (by this or another extension).';
  if (/chrome pages|cannot be captured|chrome:\/\//i.test(message)) return 'Chrome does not allow capturing this kind of page.';
  if (/invoked|activeTab|permission/i.test(message)) {
    return 'Chrome only allows capture right after you click the extension icon on this tab. Open the popup on the tab and press Start.';
  }
  return `Chrome refused to capture the tab: ${message}`;
}
