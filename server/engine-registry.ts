// Which engines this server runs, and how a client's "engine" field maps onto them.
import type { ErrorCode } from '../protocol/index.ts';
import type { Engine } from './engines/engine.ts';

/** Names clients may send, mapped to engine names. The original protocol sends "faster-whisper". */
const ALIASES: Record<string, string> = {
  'faster-whisper': 'whisper',
  whisper: 'whisper',
  'whisper.cpp': 'whisper',
  sphinx: 'sphinx',
  pocketsphinx: 'sphinx',
};

export type EngineChoice =
  | { ok: true; engine: Engine; notice?: string }
  | { ok: false; code: ErrorCode; message: string };

export class EngineRegistry {
  private readonly engines = new Map<string, Engine>();

  constructor(
    private readonly defaultName: string,
    /** Why an engine is not running, e.g. whisper without a model. */
    private readonly unavailable: Map<string, string> = new Map(),
  ) {}

  add(engine: Engine): void {
    this.engines.set(engine.info.name, engine);
  }

  get default(): Engine {
    const engine = this.engines.get(this.defaultName);
    if (!engine) throw new Error(`default engine ${this.defaultName} is not loaded`);
    return engine;
  }

  get names(): string[] {
    return [...this.engines.keys()];
  }

  resolve(requested: string): EngineChoice {
    const key = requested.trim().toLowerCase();
    if (key === '' || key === 'default' || key === 'auto') return { ok: true, engine: this.default };
    const name = ALIASES[key];
    if (!name) {
      const known = Object.keys(ALIASES).join(', ');
      return {
        ok: false,
        code: 'unknown_engine',
        message: `unknown engine "${requested.slice(0, 40)}"; this server runs ${this.names.join(', ')} (names accepted: ${known}, default)`,
      };
    }
    const engine = this.engines.get(name);
    if (engine) return { ok: true, engine };
    // A known engine that is not running here: serve with the default rather than refuse,
    // so original-protocol clients (which always ask for faster-whisper) keep working.
    const why = this.unavailable.get(name) ?? 'not started on this server';
    return {
      ok: true,
      engine: this.default,
      notice: `${name} is not available (${why}); using ${this.defaultName}`,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.close()));
  }
}
