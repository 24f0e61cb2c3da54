// Every UI string exists in English and Arabic with the same placeholders, and every
// __MSG_ / t('…') reference in the extension names a real message.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../helpers/paths.ts';
import { t } from '../../../../src/shared/i18n.ts';

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const load = (lang: string): Messages => JSON.parse(fs.readFileSync(path.join(repoRoot, `public/_locales/${lang}/messages.json`), 'utf8'));
const en = load('en');
const ar = load('ar');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : /\.(ts|tsx)$/.test(e.name) ? [fs.readFileSync(full, 'utf8')] : [];
  });
}

describe('locales', () => {
  it('Arabic has exactly the English keys, translated, with the same placeholders', () => {
    expect(Object.keys(ar).sort()).toEqual(Object.keys(en).sort());
    for (const [key, entry] of Object.entries(en)) {
      expect(ar[key].placeholders ?? {}, key).toEqual(entry.placeholders ?? {});
      for (const name of Object.keys(entry.placeholders ?? {})) expect(ar[key].message, key).toContain(`$${name}$`);
      expect(ar[key].message.trim(), key).not.toBe('');
    }
    // Translated, not copied: most strings contain Arabic letters.
    const arabic = Object.values(ar).filter((e) => /[\u0600-\u06FF]/.test(e.message)).length;
    expect(arabic / Object.keys(ar).length).toBeGreaterThan(0.9);
  });

  it('every message the manifest and the code use exists', () => {
    const manifest = fs.readFileSync(path.join(repoRoot, 'manifest.json'), 'utf8');
    const used = new Set([...manifest.matchAll(/__MSG_(\w+)__/g)].map((m) => m[1]));
    for (const text of sources(path.join(repoRoot, 'src'))) for (const m of text.matchAll(/\bt\('(\w+)'/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
  });

  it('falls back to English with placeholders filled outside the extension', () => {
    expect(t('phaseReconnecting', 'Server restarting', 4, 3)).toBe('Server restarting. Reconnecting in 4 s (attempt 3)…');
    expect(t('matchCount', 2, 10)).toBe('2 of 10 lines match');
    expect(t('startCaptions')).toBe('Start captions');
  });
});
