// Per-tab session state, mirrored into chrome.storage.session: the service worker can be
// stopped at any time and must find its sessions again, and the popup renders straight from
// storage (storage.onChanged), so its status survives worker restarts too.

import type { TabSessionUpdate } from '../shared/messages.ts';
import { SESSION_KEY_RE, sessionKey, type TabSessionState } from '../shared/tab-session-state.ts';

export interface SessionStorageArea {
  get(): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

export const chromeSessionStorage: SessionStorageArea = {
  get: () => chrome.storage.session.get(null),
  set: (items) => chrome.storage.session.set(items),
  remove: (key) => chrome.storage.session.remove(key),
};

/** Applies an update: present fields overwrite, null fields are removed. */
export function mergeUpdate(state: TabSessionState, update: TabSessionUpdate): TabSessionState {
  const next: Record<string, unknown> = { ...state };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as unknown as TabSessionState;
}

export class TabSessionStore {
  private readonly states = new Map<number, TabSessionState>();
  private loading: Promise<void> | null = null;
  /** Writes go out in order, so storage never ends on a stale state. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly storage: SessionStorageArea = chromeSessionStorage) {}

  /** Loads what a previous incarnation of the worker left; safe to call many times. */
  load(): Promise<void> {
    this.loading ??= this.storage.get().then((items) => {
      for (const [key, value] of Object.entries(items)) {
        const m = SESSION_KEY_RE.exec(key);
        if (m && value && typeof value === 'object') this.states.set(Number(m[1]), value as TabSessionState);
      }
    });
    return this.loading;
  }

  get(tabId: number): TabSessionState | undefined {
    return this.states.get(tabId);
  }

  all(): TabSessionState[] {
    return [...this.states.values()];
  }

  set(state: TabSessionState): Promise<void> {
    this.states.set(state.tabId, state);
    return this.write(() => this.storage.set({ [sessionKey(state.tabId)]: state }));
  }

  /** Merges an update into a tab's state; returns the new state, or undefined if none. */
  async update(tabId: number, update: TabSessionUpdate): Promise<TabSessionState | undefined> {
    const state = this.states.get(tabId);
    if (!state) return undefined;
    const next = mergeUpdate(state, update);
    await this.set(next);
    return next;
  }

  remove(tabId: number): Promise<void> {
    this.states.delete(tabId);
    return this.write(() => this.storage.remove(sessionKey(tabId)));
  }

  private write(op: () => Promise<void>): Promise<void> {
    const next = this.writes.then(op, op);
    this.writes = next.catch((err) => console.error('[background] storage write failed', err));
    return next;
  }
}
