// The server token's storage: moved once from chrome.storage.sync to chrome.storage.local,
// local closed to content scripts, and never handed to a tab's content script with the state.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { repoRoot } from '../../../helpers/paths.ts';
import {
  loadServerToken,
  migrateServerToken,
  restrictLocalStorage,
  saveServerToken,
  type StorageArea,
  type TokenAreas,
} from '../../../../src/shared/token-store.ts';

/** A chrome.storage area in memory (values cloned, as Chrome stores them). */
function area(initial: Record<string, unknown> = {}): StorageArea & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = structuredClone(initial);
  return {
    data,
    get: async (key) => (key in data ? { [key]: structuredClone(data[key]) } : {}),
    set: async (items) => void Object.assign(data, structuredClone(items)),
  };
}

const OTHER = { serverUrl: 'ws://box.lan:7860/ws', engine: 'sphinx', wireAudio: 'opus' };

function areas(sync: Record<string, unknown>, local: Record<string, unknown>) {
  const a = { sync: area(sync), local: area(local) };
  return a satisfies TokenAreas;
}

describe('migrateServerToken', () => {
  it('none: no token anywhere, nothing written', async () => {
    const a = areas({ settings: OTHER }, {});
    expect(await migrateServerToken(a)).toBe('nothing');
    expect(a.sync.data).toEqual({ settings: OTHER });
    expect(a.local.data).toEqual({});
    expect(await loadServerToken(a)).toBe('');
  });

  it('none: no settings at all (fresh install)', async () => {
    const a = areas({}, {});
    expect(await migrateServerToken(a)).toBe('nothing');
    expect(a.sync.data).toEqual({});
    expect(a.local.data).toEqual({});
  });

  it('sync only: the token moves to local and leaves sync; the other settings stay', async () => {
    const a = areas({ settings: { ...OTHER, serverToken: '  s3cret ' } }, { 'placement:https://a.example': { cx: 0.5 } });
    expect(await migrateServerToken(a)).toBe('moved');
    expect(a.local.data.serverToken).toBe('s3cret');
    expect(a.local.data['placement:https://a.example']).toEqual({ cx: 0.5 });
    expect(a.sync.data).toEqual({ settings: OTHER });
    expect(await loadServerToken(a)).toBe('s3cret');
  });

  it('sync only, with an empty token: nothing to keep, and sync is cleaned', async () => {
    const a = areas({ settings: { ...OTHER, serverToken: '' } }, {});
    expect(await migrateServerToken(a)).toBe('moved');
    expect(a.local.data).toEqual({});
    expect(a.sync.data).toEqual({ settings: OTHER });
  });

  it('both: local wins (this device, newer), the synced copy is removed', async () => {
    const a = areas({ settings: { ...OTHER, serverToken: 'old-from-another-device' } }, { serverToken: 'new' });
    expect(await migrateServerToken(a)).toBe('kept-local');
    expect(a.local.data.serverToken).toBe('new');
    expect(a.sync.data).toEqual({ settings: OTHER });
    expect(await loadServerToken(a)).toBe('new');
  });

  it('both, the local token cleared by the user: stays cleared', async () => {
    const a = areas({ settings: { ...OTHER, serverToken: 'old' } }, { serverToken: '' });
    expect(await migrateServerToken(a)).toBe('kept-local');
    expect(await loadServerToken(a)).toBe('');
    expect(a.sync.data).toEqual({ settings: OTHER });
  });

  it('already migrated: nothing changes, however often it runs', async () => {
    const a = areas({ settings: OTHER }, { serverToken: 'tok' });
    for (let i = 0; i < 3; i++) expect(await migrateServerToken(a)).toBe('nothing');
    expect(a.sync.data).toEqual({ settings: OTHER });
    expect(a.local.data).toEqual({ serverToken: 'tok' });
  });

  it('never loses the token: local is written before sync is cleaned', async () => {
    const a = areas({ settings: { ...OTHER, serverToken: 'tok' } }, {});
    a.sync.set = vi.fn(async () => {
      throw new Error('QUOTA_BYTES_PER_ITEM');
    });
    await expect(migrateServerToken(a)).rejects.toThrow();
    expect(a.local.data.serverToken).toBe('tok');
    // And loading still works (the migration is retried next time).
    expect(await loadServerToken(a)).toBe('tok');
  });

  it('saveServerToken writes only local, trimmed and capped', async () => {
    const a = areas({ settings: OTHER }, {});
    await saveServerToken(` ${'x'.repeat(300)} `, a);
    expect(a.local.data.serverToken).toHaveLength(200);
    expect(a.sync.data).toEqual({ settings: OTHER });
  });
});

describe('storage.local access level', () => {
  it('is set to trusted contexts only where Chrome has the switch', async () => {
    const setAccessLevel = vi.fn(async () => {});
    expect(await restrictLocalStorage({ setAccessLevel })).toBe(true);
    expect(setAccessLevel).toHaveBeenCalledWith({ accessLevel: 'TRUSTED_CONTEXTS' });
    expect(await restrictLocalStorage({})).toBe(false);
  });

  it('is called by the background at start, and no code widens any storage area', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (/\.(ts|tsx)$/.test(e.name)) files.push(full);
      }
    };
    walk(path.join(repoRoot, 'src'));
    const text = (f: string) => fs.readFileSync(f, 'utf8');
    expect(files.filter((f) => /TRUSTED_AND_UNTRUSTED_CONTEXTS/.test(text(f))).map((f) => path.relative(repoRoot, f))).toEqual([]);
    expect(text(path.join(repoRoot, 'src/background/index.ts'))).toMatch(/^restrictLocalStorage\(\)/m);
    // Content scripts could not read storage.local any more: they go through the background.
    const content = files.filter((f) => f.includes(`${path.sep}content${path.sep}`));
    expect(content.filter((f) => /storage\.local/.test(text(f).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''))).map((f) => path.relative(repoRoot, f))).toEqual([]);
  });
});
