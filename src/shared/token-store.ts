// Where the server token lives: chrome.storage.local (this device only, never synced to the
// account), an area the background closes to content scripts; plus the one-time move out of sync.

/** chrome.storage.local key of the server token. */
export const TOKEN_KEY = 'serverToken';
/** chrome.storage.sync key of the other settings (older versions kept the token in there too). */
export const SETTINGS_KEY = 'settings';
/** The server caps tokens at 200 characters; longer ones could never match. */
export const MAX_TOKEN_LENGTH = 200;

/** The part of a chrome.storage area used here (a fake in unit tests). */
export interface StorageArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

export interface TokenAreas {
  local: StorageArea;
  sync: StorageArea;
}

export const chromeTokenAreas = (): TokenAreas => ({ local: chrome.storage.local, sync: chrome.storage.sync });

export const cleanToken = (v: unknown): string => (typeof v === 'string' ? v.trim().slice(0, MAX_TOKEN_LENGTH) : '');

export type MigrationOutcome = 'nothing' | 'moved' | 'kept-local';

/**
 * Moves a token left in the synced settings into local storage, then removes it from sync
 * (in that order: a failure in between never loses it). Local wins when both have one: it is
 * this device's newer value, and the synced copy came from an old version on another device.
 */
export async function migrateServerToken(areas: TokenAreas): Promise<MigrationOutcome> {
  const synced = (await areas.sync.get(SETTINGS_KEY))[SETTINGS_KEY];
  if (typeof synced !== 'object' || synced === null || !Object.hasOwn(synced, TOKEN_KEY)) return 'nothing';
  const { [TOKEN_KEY]: oldToken, ...rest } = synced as Record<string, unknown>;
  const local = (await areas.local.get(TOKEN_KEY))[TOKEN_KEY];
  const keepLocal = typeof local === 'string';
  if (!keepLocal && cleanToken(oldToken)) await areas.local.set({ [TOKEN_KEY]: cleanToken(oldToken) });
  await areas.sync.set({ [SETTINGS_KEY]: rest });
  return keepLocal ? 'kept-local' : 'moved';
}

/** The token, from local storage only (after moving an old synced one over); '' for none. */
export async function loadServerToken(areas: TokenAreas = chromeTokenAreas()): Promise<string> {
  await migrateServerToken(areas).catch((err: unknown) => console.warn('[settings] token migration failed', err));
  return cleanToken((await areas.local.get(TOKEN_KEY))[TOKEN_KEY]);
}

export async function saveServerToken(token: string, areas: TokenAreas = chromeTokenAreas()): Promise<void> {
  await areas.local.set({ [TOKEN_KEY]: cleanToken(token) });
}

/**
 * Keeps chrome.storage.local to the extension's own pages: content scripts (which run in every
 * web page's renderer) then cannot read the token. Chrome before setAccessLevel on local (it
 * came after the session area's) has no such switch; there the token is still never synced.
 */
export async function restrictLocalStorage(area: { setAccessLevel?: (o: { accessLevel: 'TRUSTED_CONTEXTS' }) => Promise<void> } = chrome.storage.local): Promise<boolean> {
  if (typeof area.setAccessLevel !== 'function') return false;
  await area.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
  return true;
}
