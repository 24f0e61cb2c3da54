// Decides which engines to start: Whisper when a model is present, otherwise PocketSphinx,
// with one clear line saying why and how to get a Whisper model.
import type { EngineConfig } from './config.ts';
import { EngineRegistry } from './engine-registry.ts';
import type { Engine } from './engines/engine.ts';
import type { Logger } from './log.ts';

export async function loadEngines(config: EngineConfig, log: Logger): Promise<EngineRegistry> {
  const unavailable = new Map<string, string>();
  let whisper: Engine | null = null;
  if (config.engine !== 'sphinx') {
    try {
      whisper = await startWhisper(config);
    } catch (err) {
      const reason = (err as Error).message;
      if (config.engine === 'whisper') throw err; // asked for explicitly: fail loudly
      unavailable.set('whisper', reason);
      log.warn(
        `whisper: ${reason}. Using the sphinx engine (English only). For Whisper, run "npm run model -- base" (or pass --model <path to a ggml file>) and restart.`,
      );
    }
  }
  const registry = new EngineRegistry(whisper ? 'whisper' : 'sphinx', unavailable);
  if (whisper) registry.add(whisper);
  try {
    const { createSphinxEngine } = await import('./engines/sphinx.ts');
    registry.add(await createSphinxEngine({ workers: config.threads }));
  } catch (err) {
    if (!whisper) throw err;
    unavailable.set('sphinx', (err as Error).message);
    log.warn(`sphinx: ${(err as Error).message}`);
  }
  return registry;
}

async function startWhisper(config: EngineConfig): Promise<Engine> {
  const { findModel, DEFAULT_MODEL } = await import('./engines/models.ts');
  const modelPath = findModel(config.model ?? DEFAULT_MODEL);
  if (!modelPath) {
    throw new Error(
      config.model ? `model "${config.model}" was not found` : `no Whisper model in the cache (looked for "${DEFAULT_MODEL}")`,
    );
  }
  const { createWhisperEngine } = await import('./engines/whisper.ts');
  return createWhisperEngine({
    modelPath,
    gpu: config.gpu ?? null,
    threads: config.threads,
    ...(config.whisperWorkers ? { workers: config.whisperWorkers } : {}),
  });
}
