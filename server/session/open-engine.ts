// Opening a transcription for a client, the same for WebSocket and REST: the session-limit
// check (streams and uploads share one limit) and open({engine, language}), the engine choice and language check.
import { baseLanguage, type ErrorCode } from '../../protocol/index.ts';
import type { EngineRegistry } from '../engine-registry.ts';
import type { Engine } from '../engines/engine.ts';

export type OpenResult =
  | {
      ok: true;
      engine: Engine;
      /** Why another engine than the one asked for serves this client (none when it is the one asked for). */
      notice?: string;
      /** The language finals carry when the engine does not say: the asked one's base, the engine's only one, or '' (multilingual). */
      language: string;
    }
  | { ok: false; code: ErrorCode; message: string };

export interface EngineOpenerDeps {
  engines: EngineRegistry;
  /** The configuration slice this component needs. */
  maxSessions: number;
  /** Streaming sessions plus REST uploads now running. */
  running(): number;
}

export class EngineOpener {
  constructor(private readonly deps: EngineOpenerDeps) {}

  /** Null while a new session or upload fits; otherwise the sentence that says why not. */
  full(): string | null {
    if (this.deps.running() < this.deps.maxSessions) return null;
    return `the server is at its limit of ${this.deps.maxSessions} sessions; try again later`;
  }

  /** The engine for `engine` ("", "default", a name or an alias) if it transcribes `language` ("auto" or a tag). */
  open(req: { engine: string; language: string }): OpenResult {
    const choice = this.deps.engines.resolve(req.engine);
    if (!choice.ok) return choice;
    const engine = choice.engine;
    const languages = engine.info.languages;
    const base = baseLanguage(req.language);
    if (req.language !== 'auto' && languages !== 'multi' && !languages.includes(base)) {
      return {
        ok: false,
        code: 'unsupported_language',
        message: `the ${engine.info.name} engine transcribes ${languages.join(', ')} only, not "${req.language}"`,
      };
    }
    const language = req.language !== 'auto' ? base : languages === 'multi' ? '' : languages[0]!;
    return { ok: true, engine, language, ...(choice.notice ? { notice: choice.notice } : {}) };
  }
}
