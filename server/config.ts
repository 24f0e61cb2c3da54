// Server settings from command-line flags, then environment variables, then defaults.
import { parseArgs } from 'node:util';
import os from 'node:os';

export interface ServerConfig {
  port: number;
  host: string;
  /** 'sphinx' | 'whisper' | undefined (pick: whisper when a model is present, else sphinx). */
  engine?: string;
  /** Whisper model name (tiny, base.en, ...) or a path to a ggml file. */
  model?: string;
  gpu?: 'cuda' | 'vulkan';
  maxSessions: number;
  /** Seconds without any message before a session is closed. */
  idleTimeout: number;
  /** Largest raw PCM frame, in seconds of audio. */
  maxFrameSeconds: number;
  /** Largest WAV-file frame (original-design clients), in seconds of audio. */
  maxWavSeconds: number;
  /** Hard transport limit for one WebSocket message, in bytes. */
  maxMessageBytes: number;
  /** Audio a session may queue ahead of the engine (bursts after a reconnect), in seconds. */
  maxBacklogSeconds: number;
  /** Silence that ends a segment, in milliseconds. */
  endSilenceMs: number;
  /** Longest segment before a forced final, in seconds. */
  maxSegmentSeconds: number;
  /** Threads for the engine (sphinx workers, whisper threads). */
  threads: number;
  quiet: boolean;
}

export const HELP = `Usage: npm run server -- [options]

  --port N              port (env PORT, default 7860)
  --host H              address to listen on (env HOST, default 127.0.0.1; 0.0.0.0 for remote use)
  --engine E            sphinx | whisper (env ENGINE; default: whisper when a model is present, else sphinx)
  --model M             whisper model name (tiny, base.en, small, ...) or path to a ggml file (env WHISPER_MODEL)
  --gpu G               cuda | vulkan: whisper GPU variant (env WHISPER_GPU)
  --max-sessions N      concurrent sessions before answering "busy" (env MAX_SESSIONS, default 16)
  --idle-timeout S      close a session after S seconds without messages (env IDLE_TIMEOUT, default 60)
  --end-silence-ms MS   silence that ends a segment (default 600)
  --max-segment S       forced final after S seconds of continuous speech (default 25)
  --threads N           engine threads (env THREADS, default: CPU cores)
  --quiet               log errors only
  --help                this text
`;

function num(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return v;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      engine: { type: 'string' },
      model: { type: 'string' },
      gpu: { type: 'string' },
      'max-sessions': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'end-silence-ms': { type: 'string' },
      'max-segment': { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const engine = values.engine ?? env.ENGINE;
  if (engine !== undefined && !['sphinx', 'whisper', 'faster-whisper'].includes(engine)) {
    throw new Error(`--engine must be "sphinx" or "whisper" (got "${engine}")`);
  }
  const gpu = values.gpu ?? env.WHISPER_GPU;
  if (gpu !== undefined && gpu !== 'cuda' && gpu !== 'vulkan') {
    throw new Error(`--gpu must be "cuda" or "vulkan" (got "${gpu}")`);
  }
  return {
    port: num('port', values.port ?? env.PORT, 7860, 0, 65535),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    engine: engine === 'faster-whisper' ? 'whisper' : engine,
    model: values.model ?? env.WHISPER_MODEL,
    gpu: gpu as ServerConfig['gpu'],
    maxSessions: num('max-sessions', values['max-sessions'] ?? env.MAX_SESSIONS, 16, 1, 10_000),
    idleTimeout: num('idle-timeout', values['idle-timeout'] ?? env.IDLE_TIMEOUT, 60, 1, 86_400),
    maxFrameSeconds: 2,
    maxWavSeconds: 60,
    maxMessageBytes: 16 * 1024 * 1024,
    maxBacklogSeconds: 180,
    endSilenceMs: num('end-silence-ms', values['end-silence-ms'], 600, 100, 5000),
    maxSegmentSeconds: num('max-segment', values['max-segment'], 25, 2, 60),
    threads: num('threads', values.threads ?? env.THREADS, Math.max(1, os.availableParallelism()), 1, 256),
    quiet: values.quiet ?? false,
  };
}
