// Guards that keep the extension safe as it grows: server text is untrusted, and audio must
// never travel through extension messaging.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';

function sources(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(full));
    else if (/\.(ts|tsx)$/.test(entry.name)) out.push({ file: path.relative(repoRoot, full), text: fs.readFileSync(full, 'utf8') });
  }
  return out;
}

const extension = sources(path.join(repoRoot, 'src'));

describe('extension source', () => {
  it('never parses strings as HTML (captions are set with textContent only)', () => {
    const offenders = extension.filter((s) => /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write\(/.test(s.text));
    expect(offenders.map((s) => s.file)).toEqual([]);
  });

  it('keeps every cross-context message type in src/shared/messages.ts', () => {
    const literals = extension.filter((s) => s.file !== 'src/shared/messages.ts' && /chrome\.(runtime|tabs)\.sendMessage\(/.test(s.text));
    expect(literals.map((s) => s.file)).toEqual([]);
  });

  it('sends no audio through extension messaging (only the WebSocket carries it)', () => {
    const messages = fs.readFileSync(path.join(repoRoot, 'src/shared/messages.ts'), 'utf8');
    expect(messages).not.toMatch(/ArrayBuffer|Int16Array|Float32Array|pcm/i);
  });
});
