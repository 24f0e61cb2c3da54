// Background routing and session lifecycle with fake Chrome APIs.
import { describe, expect, it, vi } from 'vitest';
import { TabSessionManager, type BackgroundDeps } from '../../../../src/background/tab-session-manager.ts';
import { TabSessionStore, type SessionStorageArea } from '../../../../src/background/tab-session-store.ts';
import { TranscriptStore } from '../../../../src/background/transcript-store.ts';
import type { ContentMessage, OffscreenMessage, PopupMessage } from '../../../../src/shared/messages.ts';
import type { TabSessionState } from '../../../../src/shared/tab-session-state.ts';
import { DEFAULT_SETTINGS } from '../../../../src/shared/settings.ts';

function memoryStorage(initial: Record<string, unknown> = {}): SessionStorageArea & { data: Record<string, unknown> } {
  const data = { ...initial };
  return {
    data,
    get: async () => ({ ...data }),
    set: async (items) => void Object.assign(data, structuredClone(items)),
    remove: async (key) => void delete data[key],
  };
}

function setup(opts: { offscreenStart?: (msg: OffscreenMessage) => unknown; streamIdError?: Error; storage?: ReturnType<typeof memoryStorage> } = {}) {
  const storage = opts.storage ?? memoryStorage();
  const store = new TabSessionStore(storage);
  let offscreenOpen = false;
  const toOffscreen: OffscreenMessage[] = [];
  const toTab: [number, ContentMessage][] = [];
  const toPopup: PopupMessage[] = [];
  const badges: [number, string | undefined][] = [];
  const deps: BackgroundDeps = {
    store,
    getStreamId: vi.fn(async (tabId: number) => {
      if (opts.streamIdError) throw opts.streamIdError;
      return `stream-${tabId}`;
    }),
    ensureOffscreen: vi.fn(async () => {
      offscreenOpen = true;
    }),
    closeOffscreen: vi.fn(async () => {
      offscreenOpen = false;
    }),
    hasOffscreen: async () => offscreenOpen,
    toOffscreen: (async (msg: OffscreenMessage) => {
      toOffscreen.push(msg);
      if (msg.type === 'start') return opts.offscreenStart?.(msg) ?? { ok: true };
      if (msg.type === 'list') return { tabIds: [] };
      return { ok: true };
    }) as unknown as BackgroundDeps['toOffscreen'],
    toTab: async (tabId, msg) => {
      toTab.push([tabId, msg]);
      return true;
    },
    injectContent: vi.fn(async () => {}),
    toPopup: (msg) => void toPopup.push(msg),
    setBadge: async (tabId, state) => void badges.push([tabId, state?.phase]),
    now: () => 1000,
  };
  const manager = new TabSessionManager(deps);
  return { manager, deps, store, storage, toOffscreen, toTab, toPopup, badges, isOffscreenOpen: () => offscreenOpen };
}

describe('TabSessionManager', () => {
  it('start: gets a stream id, opens the offscreen document, hands it the tab', async () => {
    const t = setup();
    const res = await t.manager.start(7, { ...DEFAULT_SETTINGS, engine: 'sphinx' });
    expect(res).toEqual({ ok: true });
    expect(t.deps.getStreamId).toHaveBeenCalledWith(7);
    expect(t.deps.ensureOffscreen).toHaveBeenCalledOnce();
    expect(t.toOffscreen).toEqual([
      { to: 'offscreen', type: 'start', tabId: 7, streamId: 'stream-7', settings: { ...DEFAULT_SETTINGS, engine: 'sphinx' } },
    ]);
    expect(t.store.get(7)?.phase).toBe('starting');
    expect(t.storage.data['tab:7']).toMatchObject({ tabId: 7, phase: 'starting', startedAt: 1000 });
    expect(t.toTab[0]).toEqual([7, { to: 'content', type: 'state', state: expect.objectContaining({ phase: 'starting' }) }]);
  });

  it('start: the token comes from local storage only; the state (storage.session, content script) never holds it', async () => {
    const t = setup();
    t.deps.serverToken = async () => 'from-local';
    await t.manager.start(7, { ...DEFAULT_SETTINGS, serverToken: 'from-the-message' });
    expect(t.toOffscreen[0]).toMatchObject({ type: 'start', settings: { serverToken: 'from-local' } });
    // The tab session keeps the language only: no server URL, engine or token in storage.session.
    expect(Object.keys(t.store.get(7)!)).not.toContain('settings');
    expect(t.store.get(7)?.sourceLanguage).toBe(DEFAULT_SETTINGS.sourceLanguage);
    expect(JSON.stringify(t.storage.data)).not.toMatch(/from-/);
    expect(JSON.stringify(t.toTab)).not.toMatch(/from-/);
  });

  it('merges offscreen updates into the state, updates badge and content, clears fields with null', async () => {
    const t = setup();
    await t.manager.start(7, DEFAULT_SETTINGS);
    await t.manager.onTabSessionUpdate(7, { phase: 'reconnecting', attempt: 2, error: 'The server is restarting' });
    expect(t.store.get(7)).toMatchObject({ phase: 'reconnecting', attempt: 2, error: 'The server is restarting' });
    await t.manager.onTabSessionUpdate(7, { phase: 'live', attempt: null, error: null, engine: 'sphinx' });
    const state = t.store.get(7)!;
    expect(state.phase).toBe('live');
    expect('attempt' in state || 'error' in state).toBe(false);
    expect(t.badges.at(-1)).toEqual([7, 'live']);
    expect(t.toTab.at(-1)).toEqual([7, { to: 'content', type: 'state', state }]);
  });

  it('forwards captions to the tab and the popup, and records the detected language', async () => {
    const t = setup();
    await t.manager.start(7, DEFAULT_SETTINGS);
    const caption = { kind: 'final' as const, id: '1:0', segmentId: 0, text: 'hola', start: 0, end: 1, language: 'es' };
    await t.manager.onCaption(7, caption);
    expect(t.toTab.at(-1)).toEqual([7, { to: 'content', type: 'caption', caption }]);
    expect(t.toPopup).toEqual([{ to: 'popup', type: 'caption', tabId: 7, caption }]);
    expect(t.store.get(7)?.language).toBe('es');
  });

  it('stop: tells the offscreen document, ends stopped, closes the document when no tab is left', async () => {
    const t = setup();
    await t.manager.start(1, DEFAULT_SETTINGS);
    await t.manager.start(2, DEFAULT_SETTINGS);
    await t.manager.onTabSessionUpdate(1, { phase: 'live' });
    await t.manager.onTabSessionUpdate(2, { phase: 'live' });
    await t.manager.stop(1);
    expect(t.toOffscreen.at(-1)).toEqual({ to: 'offscreen', type: 'stop', tabId: 1 });
    expect(t.store.get(1)?.phase).toBe('stopped');
    expect(t.isOffscreenOpen()).toBe(true); // tab 2 still needs it
    await t.manager.onTabRemoved(2);
    expect(t.toOffscreen.at(-1)).toEqual({ to: 'offscreen', type: 'stop', tabId: 2 });
    expect(t.store.get(2)).toBeUndefined();
    expect(t.storage.data['tab:2']).toBeUndefined();
    expect(t.isOffscreenOpen()).toBe(false);
  });

  it('an error reported by the offscreen document ends the session and frees the document', async () => {
    const t = setup();
    await t.manager.start(3, DEFAULT_SETTINGS);
    await t.manager.onTabSessionUpdate(3, { phase: 'error', error: "Can't reach the transcription server" });
    expect(t.badges.at(-1)).toEqual([3, 'error']);
    expect(t.isOffscreenOpen()).toBe(false);
    expect(t.manager.contentState(3)).toBeNull();
  });

  it('start failures become an error state with a plain reason', async () => {
    const t = setup({ streamIdError: new Error('Extension has not been invoked for the current page (see activeTab permission).') });
    const res = await t.manager.start(4, DEFAULT_SETTINGS);
    expect(res).toEqual({ ok: false, error: expect.stringContaining('click the extension icon') });
    expect(t.store.get(4)).toMatchObject({ phase: 'error' });
    expect(t.deps.ensureOffscreen).not.toHaveBeenCalled();

    const t2 = setup({ offscreenStart: () => ({ ok: false, error: 'capture refused' }) });
    expect(await t2.manager.start(5, DEFAULT_SETTINGS)).toEqual({ ok: false, error: 'capture refused' });
    expect(t2.isOffscreenOpen()).toBe(false);
  });

  it('Start on a tab that is already live restarts it (new settings apply)', async () => {
    const t = setup();
    await t.manager.start(6, DEFAULT_SETTINGS);
    await t.manager.onTabSessionUpdate(6, { phase: 'live' });
    await t.manager.start(6, { ...DEFAULT_SETTINGS, sourceLanguage: 'de' });
    expect(t.toOffscreen.map((m) => m.type)).toEqual(['start', 'stop', 'start']);
    expect(t.store.get(6)?.sourceLanguage).toBe('de');
  });

  it('serializes Start and Stop on one tab', async () => {
    let release!: () => void;
    const t = setup({ offscreenStart: () => new Promise((r) => (release = () => r({ ok: true }))) });
    const started = t.manager.start(8, DEFAULT_SETTINGS);
    const stopped = t.manager.stop(8);
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    release();
    await started;
    await stopped;
    expect(t.toOffscreen.map((m) => m.type)).toEqual(['start', 'stop']);
    expect(t.store.get(8)?.phase).toBe('stopped');
  });

  it('after a worker restart, sessions the offscreen document no longer runs are marked stopped', async () => {
    const live: TabSessionState = { tabId: 9, phase: 'live', sourceLanguage: DEFAULT_SETTINGS.sourceLanguage, startedAt: 1 };
    const t = setup({ storage: memoryStorage({ 'tab:9': live, unrelated: 1 }) });
    await t.manager.reconcile();
    expect(t.store.get(9)?.phase).toBe('stopped');
    expect(t.badges).toContainEqual([9, 'stopped']);
  });

  it('tells a reloaded content script about an active session only', async () => {
    const t = setup();
    expect(t.manager.contentState(10)).toBeNull();
    await t.manager.start(10, DEFAULT_SETTINGS);
    expect(t.manager.contentState(10)).toMatchObject({ tabId: 10, phase: 'starting' });
  });
});

describe('TabSessionManager: shortcut, translations, transcript', () => {
  it('toggle starts an idle tab with the saved settings and stops a captioned one', async () => {
    const t = setup();
    const saved = { ...DEFAULT_SETTINGS, engine: 'sphinx' as const };
    expect(await t.manager.toggle(3, async () => saved)).toEqual({ ok: true });
    expect(t.toOffscreen.at(-1)).toMatchObject({ type: 'start', tabId: 3, settings: saved });
    await t.manager.onTabSessionUpdate(3, { phase: 'live' });
    expect(await t.manager.toggle(3, async () => saved)).toEqual({ ok: true });
    expect(t.toOffscreen.at(-1)).toMatchObject({ type: 'stop', tabId: 3 });
    expect(t.store.get(3)?.phase).toBe('stopped');
  });

  it('forwards translations to the tab and keeps finals and translations in the transcript', async () => {
    const t = setup();
    const data: Record<string, unknown> = {};
    t.deps.transcripts = new TranscriptStore({
      set: async (items) => void Object.assign(data, structuredClone(items)),
      remove: async (key) => void delete data[key],
      getKey: async (key) => data[key],
    });
    t.deps.tabInfo = async () => ({ title: 'Talk', url: 'https://example.org/talk' });
    await t.manager.start(4, DEFAULT_SETTINGS);
    await t.manager.onCaption(4, { kind: 'final', id: 'c:0', segmentId: 0, text: 'Hello there.', start: 0, end: 1 });
    const translation = { ids: ['c:0'], text: 'Hola.', language: 'es', provider: 'server' as const };
    await t.manager.onTranslation(4, translation);
    expect(t.toTab.at(-1)).toEqual([4, { to: 'content', type: 'translation', translation }]);
    expect(data['transcript:4']).toMatchObject({ title: 'Talk', entries: [{ text: 'Hello there.', translation: 'Hola.' }] });
    await t.manager.onTabRemoved(4);
    expect(data['transcript:4']).toBeUndefined();
  });

  it('keeps media clock readings of a captioned tab only, and only well-formed ones', async () => {
    const t = setup();
    const seen: unknown[] = [];
    t.deps.transcripts = { begin: async () => {}, onMediaSample: async (...args: unknown[]) => void seen.push(args) } as unknown as TranscriptStore;
    const sample = { at: 1000, time: 3, rate: 1, playing: true, src: 'v.mp4', live: false, seekable: true };
    await t.manager.onMediaState(4, 0, sample); // no session yet
    await t.manager.start(4, DEFAULT_SETTINGS);
    await t.manager.onMediaState(4, 2, { ...sample, time: 'x' });
    await t.manager.onMediaState(4, 2, sample);
    expect(seen).toEqual([[4, sample, 2]]);
  });
});
