// Engines for unit tests that never reach recognition: English-only fakes whose recognizer must
// not be asked for, alone or in a registry.
import { EngineRegistry } from '../../../server/engine-registry.ts';
import type { Engine } from '../../../server/engines/engine.ts';

export const fakeEngine = (name: string): Engine => ({
  info: { name, model: `${name}-model`, languages: ['en'] },
  createRecognizer: async () => {
    throw new Error('not used');
  },
  close: async () => {},
});

/** A registry with one fake "sphinx": for front-door tests that refuse or route before any engine runs. */
export function enginesThatNeverRecognize(): EngineRegistry {
  const engines = new EngineRegistry('sphinx');
  engines.add(fakeEngine('sphinx'));
  return engines;
}
