// An engine registry for front-door unit tests that never reach recognition: one English
// "sphinx" whose recognizer must not be asked for.
import { EngineRegistry } from '../../../server/engine-registry.ts';
import type { Engine } from '../../../server/engines/engine.ts';

export function enginesThatNeverRecognize(): EngineRegistry {
  const engine: Engine = {
    info: { name: 'sphinx', model: 'fake', languages: ['en'] } as Engine['info'],
    createRecognizer: async () => {
      throw new Error('not used');
    },
    close: async () => {},
  };
  const engines = new EngineRegistry('sphinx');
  engines.add(engine);
  return engines;
}
