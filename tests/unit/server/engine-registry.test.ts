import { describe, expect, it } from 'vitest';
import { EngineRegistry } from '../../../server/engine-registry.ts';
import { fakeEngine } from '../helpers/fake-engines.ts';


describe('EngineRegistry', () => {
  const registry = new EngineRegistry('sphinx', new Map([['whisper', 'no model']]));
  registry.add(fakeEngine('sphinx'));

  it('maps default and aliases', () => {
    for (const name of ['', 'default', 'auto', 'sphinx', 'PocketSphinx']) {
      const r = registry.resolve(name);
      expect(r.ok && r.engine.info.name).toBe('sphinx');
    }
  });

  it('serves the default engine for a known engine that is not running, with a notice', () => {
    const r = registry.resolve('faster-whisper');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.engine.info.name).toBe('sphinx');
      expect(r.notice).toBe('whisper is not available (no model); using sphinx');
    }
  });

  it('refuses unknown engines listing the ones it runs', () => {
    const r = registry.resolve('vosk');
    expect(r).toMatchObject({ ok: false, code: 'unknown_engine' });
    if (!r.ok) expect(r.message).toMatch(/runs sphinx/);
  });
});
