// Server settings from command-line flags, then environment variables, then defaults, as one
// slice per component (listen, engine, security, session, pipeline, translate).
import { parseArgs } from 'node:util';
import os from 'node:os';
import type { TranslateConfig } from './translate/service.ts';

/**
 * The server's settings as slices, one per component: each component is given only its own
 * slice (`config.security`, never `config`), so it cannot read another's settings.
 */
export interface ServerConfig {
  listen: ListenConfig;
  engine: EngineConfig;
  security: SecurityConfig;
  session: ServerSessionConfig;
  pipeline: PipelineConfig;
  /** Caption translation (POST /translate, pushed translations); undefined: off. translate/service.ts. */
  translate?: TranslateConfig;
  /** Log errors only (log.ts). */
  quiet: boolean;
}

/** What the front door (http-server.ts) wires: its own slices and those it hands to its parts. */
export type FrontDoorConfig = Pick<ServerConfig, 'listen' | 'security' | 'session' | 'pipeline'>;

/** Where and how to listen: http-server.ts, security/tls.ts, the Host check (security/access.ts). */
export interface ListenConfig {
  port: number;
  host: string;
  /** PEM certificate and key paths: serve https + wss. */
  tlsCert?: string;
  tlsKey?: string;
}

/** Which speech engines to start and how: engine-loader.ts. */
export interface EngineConfig {
  /** 'sphinx' | 'whisper' | undefined (pick: whisper when a model is present, else sphinx). */
  engine?: string;
  /** Whisper model name (tiny, base.en, ...) or a path to a ggml file. */
  model?: string;
  gpu?: 'cuda' | 'vulkan';
  /** Threads for the engine (sphinx workers, whisper threads). */
  threads: number;
  /** Whisper passes that run at once over the one loaded model; unset: 2-3 by core count. */
  whisperWorkers?: number;
}

/**
 * Who may connect and how much a client may ask: http-server.ts, security/ (guard, access,
 * tls), and the token checks of POST /transcribe and POST /translate.
 */
export interface SecurityConfig {
  /** Shared secret clients must present (init `token` or `token.<value>` subprotocol); unset: no auth. */
  token?: string;
  /**
   * Browser origins whose requests (WebSocket and HTTP) are served: exact origins, 'extensions'
   * (any browser-extension origin), 'loopback' (pages on localhost, 127.0.0.0/8, [::1]) or '*'.
   * Requests without an Origin header are not browser pages and are always let through.
   */
  allowedOrigins: string[];
  /** Host header names (any port) besides the loopback names and the bind address; '*': any. */
  allowedHosts: string[];
  /** Client address from X-Forwarded-For (the nearest proxy's entry): only behind a reverse proxy. */
  trustProxy: boolean;
  /** Refuse upgrades without an Origin header (non-browser clients). */
  requireOrigin: boolean;
  /** HTTP requests (and WebSocket upgrades) per client address per minute; 0: no limit. */
  rateLimit: number;
  /** Seconds a new connection has to send a valid init (and token) before it is closed. */
  initTimeout: number;
  /** Seconds a request (headers and body, e.g. a POST /transcribe upload) may take to arrive. */
  bodyTimeout: number;
  /** Open WebSockets, sessions held for resume and uploads one client address may hold. */
  maxConnectionsPerIp: number;
  /** Streaming sessions and REST uploads at once, before answering "busy". */
  maxSessions: number;
  /** Hard transport limit for one WebSocket message, in bytes. */
  maxMessageBytes: number;
  /** Largest WebSocket message before a session is authenticated and initialised. */
  maxPendingMessageBytes: number;
}

/** One streaming session (session/server-session.ts) and, as sub-slices, the parts it builds. */
export interface ServerSessionConfig {
  /** Seconds without any message before a session is closed. */
  idleTimeout: number;
  /** Seconds a session whose socket dropped is kept for the client to resume (0: never). */
  resumeGraceSeconds: number;
  link: ClientLinkConfig;
  audio: AudioInputConfig;
}

/** The client link's limits: session/client-link.ts. */
export interface ClientLinkConfig {
  /** Replies queued to a client that does not read them, in bytes, before it is closed. */
  maxBufferedBytes: number;
  /** Non-fatal protocol errors one connection may cause before it is closed. */
  maxProtocolErrors: number;
}

/** The audio input's limits: session/audio-input.ts. */
export interface AudioInputConfig {
  /** Largest raw PCM frame, in seconds of audio. */
  maxFrameSeconds: number;
  /** Largest WAV-file frame (original-protocol clients), in seconds of audio. */
  maxWavSeconds: number;
  /** Audio a session may queue ahead of the engine (bursts after a reconnect), in seconds. */
  maxBacklogSeconds: number;
}

/** Endpointing in pipeline.ts, for WebSocket sessions and POST /transcribe alike. */
export interface PipelineConfig {
  /** Silence that ends a segment, in milliseconds. */
  endSilenceMs: number;
  /** Longest segment before a forced final, in seconds. */
  maxSegmentSeconds: number;
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
  --whisper-workers N   whisper passes run at once, sharing one model (env WHISPER_WORKERS, default 2-3)
  --resume-grace S      keep a dropped session S seconds for its client to resume (env RESUME_GRACE, default 60; 0: off)
  --token T             shared secret clients must send (init "token" or subprotocol token.T) (env AUTH_TOKEN)
  --allowed-origins L   comma list of browser origins served (WebSocket and HTTP): exact origins such as
                        chrome-extension://ID, "extensions" (any browser extension), "loopback" (pages on
                        localhost/127.0.0.0/8/[::1]) or "*" (env ALLOWED_ORIGINS, default extensions,loopback).
                        Requests without an Origin (command-line clients) are not affected; others get 403
  --allowed-hosts L     comma list of extra names the Host header may carry (env ALLOWED_HOSTS; "*": any).
                        Loopback names and the bind address are always allowed; others get 421
  --require-origin      refuse WebSocket upgrades without an Origin header (env REQUIRE_ORIGIN=1)
  --trust-proxy         behind a reverse proxy: take the client address from X-Forwarded-For (env TRUST_PROXY=1)
  --init-timeout S      close a connection without a valid init after S seconds (env INIT_TIMEOUT, default 10)
  --rate-limit N        HTTP requests and upgrades per client address per minute (env RATE_LIMIT, default 1200; 0: off)
  --body-timeout S      seconds a request and its body may take to arrive (env BODY_TIMEOUT, default 30)
  --tls-cert F          PEM certificate: serve https/wss (env TLS_CERT; needs --tls-key)
  --tls-key F           PEM private key (env TLS_KEY)
  --max-connections-per-ip N  open WebSockets, sessions kept for resume and REST uploads per client address
                        (env MAX_CONNECTIONS_PER_IP, default 8; keep it below --max-sessions)
  --translate B         apertium | libretranslate | deepl: serve POST /translate and push translations (env TRANSLATE)
  --apertium-pairs DIR  Apertium pair modes (default /usr/share/apertium/modes; packages apertium-apy, apertium-eng-spa)
  --libretranslate-url U  LibreTranslate server, e.g. https://libretranslate.com (env LIBRETRANSLATE_URL)
  --libretranslate-key K  its API key (env LIBRETRANSLATE_API_KEY)
  --deepl-key K         DeepL API key (env DEEPL_API_KEY; keys ending :fx use the free API)
  --deepl-url U         DeepL API address (env DEEPL_URL; default from the key)
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
      'whisper-workers': { type: 'string' },
      'resume-grace': { type: 'string' },
      quiet: { type: 'boolean' },
      token: { type: 'string' },
      'allowed-origins': { type: 'string' },
      'require-origin': { type: 'boolean' },
      'allowed-hosts': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'init-timeout': { type: 'string' },
      'rate-limit': { type: 'string' },
      'body-timeout': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'max-connections-per-ip': { type: 'string' },
      translate: { type: 'string' },
      'apertium-pairs': { type: 'string' },
      'libretranslate-url': { type: 'string' },
      'libretranslate-key': { type: 'string' },
      'deepl-key': { type: 'string' },
      'deepl-url': { type: 'string' },
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
  const token = values.token ?? env.AUTH_TOKEN;
  if (token !== undefined && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{8,256}$/.test(token)) {
    // The token also travels as a WebSocket subprotocol, which allows only HTTP token characters.
    throw new Error('--token must be 8 to 256 letters, digits or !#$%&\'*+-.^_`|~');
  }
  const list = (raw: string) => raw.split(',').map((o) => o.trim()).filter(Boolean);
  const origins = list(values['allowed-origins'] ?? env.ALLOWED_ORIGINS ?? '');
  const hosts = list(values['allowed-hosts'] ?? env.ALLOWED_HOSTS ?? '').map((h) => h.toLowerCase());
  const yes = (v: string | undefined) => ['1', 'true', 'yes'].includes((v ?? '').toLowerCase());
  const tlsCert = values['tls-cert'] ?? env.TLS_CERT;
  const tlsKey = values['tls-key'] ?? env.TLS_KEY;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const translate = parseTranslate(values, env);
  const whisperWorkers = values['whisper-workers'] ?? env.WHISPER_WORKERS;
  return {
    listen: {
      port: num('port', values.port ?? env.PORT, 7860, 0, 65535),
      host: values.host ?? env.HOST ?? '127.0.0.1',
      tlsCert,
      tlsKey,
    },
    engine: {
      engine: engine === 'faster-whisper' ? 'whisper' : engine,
      model: values.model ?? env.WHISPER_MODEL,
      gpu: gpu as EngineConfig['gpu'],
      threads: num('threads', values.threads ?? env.THREADS, Math.max(1, os.availableParallelism()), 1, 256),
      ...(whisperWorkers ? { whisperWorkers: num('whisper-workers', whisperWorkers, 2, 1, 16) } : {}),
    },
    security: {
      token: token || undefined,
      allowedOrigins: origins.includes('*') ? ['*'] : origins.length === 0 ? ['extensions', 'loopback'] : origins,
      allowedHosts: hosts.includes('*') ? ['*'] : hosts,
      requireOrigin: values['require-origin'] ?? yes(env.REQUIRE_ORIGIN),
      trustProxy: values['trust-proxy'] ?? yes(env.TRUST_PROXY),
      initTimeout: num('init-timeout', values['init-timeout'] ?? env.INIT_TIMEOUT, 10, 1, 3600),
      rateLimit: num('rate-limit', values['rate-limit'] ?? env.RATE_LIMIT, 1200, 0, 1_000_000),
      bodyTimeout: num('body-timeout', values['body-timeout'] ?? env.BODY_TIMEOUT, 30, 1, 3600),
      maxConnectionsPerIp: num('max-connections-per-ip', values['max-connections-per-ip'] ?? env.MAX_CONNECTIONS_PER_IP, 8, 1, 100_000),
      maxSessions: num('max-sessions', values['max-sessions'] ?? env.MAX_SESSIONS, 16, 1, 10_000),
      maxMessageBytes: 8 * 1024 * 1024,
      maxPendingMessageBytes: 64 * 1024,
    },
    session: {
      idleTimeout: num('idle-timeout', values['idle-timeout'] ?? env.IDLE_TIMEOUT, 60, 1, 86_400),
      resumeGraceSeconds: num('resume-grace', values['resume-grace'] ?? env.RESUME_GRACE, 60, 0, 3600),
      link: { maxBufferedBytes: 4 * 1024 * 1024, maxProtocolErrors: 200 },
      audio: { maxFrameSeconds: 2, maxWavSeconds: 60, maxBacklogSeconds: 180 },
    },
    pipeline: {
      endSilenceMs: num('end-silence-ms', values['end-silence-ms'], 600, 100, 5000),
      maxSegmentSeconds: num('max-segment', values['max-segment'], 25, 2, 60),
    },
    ...(translate ? { translate } : {}),
    quiet: values.quiet ?? false,
  };
}

type Values = Record<string, string | boolean | undefined>;

function parseTranslate(values: Values, env: NodeJS.ProcessEnv): TranslateConfig | undefined {
  const str = (k: string, e: string) => (typeof values[k] === 'string' ? (values[k] as string) : env[e]) || undefined;
  const backend = str('translate', 'TRANSLATE');
  if (backend === undefined || backend === 'none') return undefined;
  switch (backend) {
    case 'apertium':
      return { backend, apertiumPairs: str('apertium-pairs', 'APERTIUM_PAIRS') };
    case 'libretranslate': {
      const url = str('libretranslate-url', 'LIBRETRANSLATE_URL');
      if (!url || !/^https?:\/\//.test(url)) throw new Error('--translate libretranslate needs --libretranslate-url http(s)://…');
      return { backend, libretranslateUrl: url, libretranslateKey: str('libretranslate-key', 'LIBRETRANSLATE_API_KEY') };
    }
    case 'deepl': {
      const key = str('deepl-key', 'DEEPL_API_KEY');
      if (!key) throw new Error('--translate deepl needs --deepl-key (or DEEPL_API_KEY)');
      const url = str('deepl-url', 'DEEPL_URL');
      if (url !== undefined && !/^https?:\/\//.test(url)) throw new Error('--deepl-url must start with http:// or https://');
      return { backend, deeplKey: key, ...(url ? { deeplUrl: url.replace(/\/+$/, '') } : {}) };
    }
    default:
      throw new Error(`--translate must be "apertium", "libretranslate", "deepl" or "none" (got "${backend}")`);
  }
}
