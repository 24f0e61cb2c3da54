// The wire protocol between the extension (or any client) and a transcription server.
// docs/protocol.md is the contract; this module is its executable form, used by both
// the server and the extension so the two sides cannot drift apart.

export const PROTOCOL_VERSION = 2;
export const WIRE_SAMPLE_RATE = 16000;

// ---------------------------------------------------------------- client → server

/** `pcm_s16le`: raw PCM16 little-endian; `opus`: one Opus packet (RFC 6716) per binary frame. */
export type AudioEncoding = 'pcm_s16le' | 'opus';

export interface AudioSpec {
  encoding: AudioEncoding;
  sampleRate: number;
  channels: number;
}

export interface InitMessage {
  type: 'init';
  sourceLanguage: string; // 'auto' or an ISO 639-1 code
  targetLanguage: string; // '' / 'none' means no translation
  engine: string; // 'faster-whisper' | 'whisper' | 'sphinx' | 'default'
  protocol?: number; // 2 for our protocol; absent for clients of the original design
  audio?: AudioSpec;
  /** Shared secret of a server started with --token (or send it as the `token.<value>` subprotocol). */
  token?: string;
  /** Take over a session whose connection dropped (protocol 2 only); see docs/protocol.md. */
  resume?: ResumeRequest;
}

export interface ResumeRequest {
  sessionId: string;
  /** `ready.resumeToken` of that session. */
  token: string;
  /** Informational: 16 kHz samples the client had sent in total on that session. */
  audioOffset?: number;
  /** Highest segmentId whose final the client has; finals after it are re-sent (-1: none). */
  lastSegmentId?: number;
}

export type ClientMessage =
  | InitMessage
  | { type: 'flush' }
  | { type: 'stop' }
  | { type: 'keepalive' };

// ---------------------------------------------------------------- server → client

export interface ReadyMessage {
  type: 'ready';
  sessionId: string;
  protocol: 2;
  engine: string;
  model: string;
  sampleRate: number;
  /** Set when the server used another engine than the one asked for, and why. */
  notice?: string;
  /** Secret that lets this client resume the session after a dropped connection. */
  resumeToken?: string;
  /** Present when init asked to resume: true when the old session was taken over. */
  resumed?: boolean;
  /** 16 kHz samples of this session's audio the server has received; re-send from here. */
  receivedSamples?: number;
  /** Present when the server will push `translation` messages: their target language. */
  translation?: string;
  /** Cluster routing hint: the node holding this session; reconnect with `?node=<it>` (docs/scaling.md). */
  node?: string;
}

export interface PartialMessage {
  type: 'partial';
  segmentId: number;
  text: string;
  start: number;
  end: number;
  /** Seconds of received audio not yet decoded when sent (engine lag). */
  behind?: number;
}

export interface FinalMessage {
  type: 'final';
  segmentId: number;
  text: string;
  start: number;
  end: number;
  language: string;
  /** Seconds of received audio not yet decoded when sent (engine lag). */
  behind?: number;
}

export type ErrorCode =
  | 'translation_failed'
  | 'bad_json'
  | 'bad_message'
  | 'not_initialized'
  | 'already_initialized'
  | 'unsupported_audio'
  | 'odd_length'
  | 'frame_too_large'
  | 'unknown_engine'
  | 'unsupported_language'
  | 'engine_error'
  | 'overloaded'
  | 'busy'
  | 'idle_timeout'
  | 'shutting_down'
  | 'resume_failed'
  | 'unauthorized'
  | 'too_many_connections';

/**
 * The translation of one final into init's `targetLanguage`, pushed by a server that has
 * translation configured. It follows its final (possibly after later partials/finals).
 */
export interface TranslationMessage {
  type: 'translation';
  segmentId: number;
  text: string;
  /** Target language (ISO 639-1). */
  language: string;
}

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode | string;
  message: string;
  fatal: boolean;
  success: false;
  /** On `busy` and `shutting_down`: reconnect after this many ms (a full cluster, a draining node). */
  retryAfterMs?: number;
}

export interface PongMessage {
  type: 'pong';
}

export interface DoneMessage {
  type: 'done';
}

/** The original design's answer, sent to clients that did not ask for protocol 2. */
export interface TranscriptionMessage {
  type: 'transcription';
  text: string;
  language?: string;
  language_probability?: number;
  success: true;
}

/** The original design's connection status message. */
export interface ConnectionMessage {
  type: 'connection';
  status: 'connected' | 'initialized';
  sessionId?: string;
  success?: boolean;
}

export type ServerMessage =
  | ReadyMessage
  | PartialMessage
  | FinalMessage
  | TranslationMessage
  | ErrorMessage
  | PongMessage
  | DoneMessage
  | TranscriptionMessage
  | ConnectionMessage;

// ---------------------------------------------------------------- close codes

export const CloseCode = {
  normal: 1000,
  goingAway: 1001, // server shutting down
  policy: 1008, // fatal protocol error
  tooBig: 1009, // frame above the transport limit
  internal: 1011,
  tryAgainLater: 1013, // busy
  idleTimeout: 4000,
} as const;

// ---------------------------------------------------------------- parsing

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (code: ErrorCode, message: string): Parsed<never> => ({ ok: false, code, message });

const LANGUAGE_RE = /^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/;

/** Validates one text frame from a client. Unknown fields are ignored (forward compatible). */
export function parseClientMessage(raw: string): Parsed<ClientMessage> {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'message is not valid JSON');
  }
  if (!isObject(data) || typeof data.type !== 'string') {
    return fail('bad_message', 'message must be a JSON object with a string "type"');
  }
  switch (data.type) {
    case 'flush':
    case 'stop':
    case 'keepalive':
      return { ok: true, value: { type: data.type } };
    case 'init':
      return parseInit(data);
    default:
      return fail('bad_message', `unknown message type "${String(data.type).slice(0, 40)}"`);
  }
}

function parseInit(data: Record<string, unknown>): Parsed<InitMessage> {
  const str = (key: string, fallback: string): string | null => {
    const v = data[key];
    if (v === undefined || v === null) return fallback;
    return typeof v === 'string' ? v : null;
  };
  const sourceLanguage = str('sourceLanguage', 'auto');
  const targetLanguage = str('targetLanguage', '');
  const engine = str('engine', 'default');
  if (sourceLanguage === null || targetLanguage === null || engine === null) {
    return fail('bad_message', 'init: sourceLanguage, targetLanguage and engine must be strings');
  }
  if (!LANGUAGE_RE.test(sourceLanguage)) {
    return fail('bad_message', `init: sourceLanguage "${sourceLanguage.slice(0, 20)}" is not "auto" or a language code`);
  }
  const msg: InitMessage = { type: 'init', sourceLanguage, targetLanguage, engine };
  if (data.protocol !== undefined) {
    if (typeof data.protocol !== 'number' || !Number.isInteger(data.protocol)) {
      return fail('bad_message', 'init: protocol must be an integer');
    }
    msg.protocol = data.protocol;
  }
  if (data.audio !== undefined) {
    const audio = parseAudioSpec(data.audio);
    if (!audio.ok) return audio;
    msg.audio = audio.value;
  }
  if (data.resume !== undefined && data.resume !== null) {
    const resume = parseResume(data.resume);
    if (!resume.ok) return resume;
    msg.resume = resume.value;
  }
  return { ok: true, value: msg };
}

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

function parseResume(v: unknown): Parsed<ResumeRequest> {
  if (!isObject(v)) return fail('bad_message', 'init: resume must be an object');
  const { sessionId, token, audioOffset, lastSegmentId } = v;
  if (typeof sessionId !== 'string' || typeof token !== 'string' || sessionId.length > 100 || token.length > 200) {
    return fail('bad_message', 'init: resume needs string sessionId and token (from ready)');
  }
  const out: ResumeRequest = { sessionId, token };
  if (audioOffset !== undefined) {
    if (!isCount(audioOffset, 0)) return fail('bad_message', 'init: resume.audioOffset must be an integer >= 0');
    out.audioOffset = audioOffset;
  }
  if (lastSegmentId !== undefined) {
    if (!isCount(lastSegmentId, -1)) return fail('bad_message', 'init: resume.lastSegmentId must be an integer >= -1');
    out.lastSegmentId = lastSegmentId;
  }
  return { ok: true, value: out };
}

export const SUPPORTED_SAMPLE_RATES = { min: 8000, max: 48000 };
/** The input rates an Opus encoder takes (the packets themselves are rate-independent). */
export const OPUS_SAMPLE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

export function parseAudioSpec(v: unknown): Parsed<AudioSpec> {
  if (!isObject(v)) return fail('unsupported_audio', 'init: audio must be an object');
  const { encoding, sampleRate, channels } = v;
  if (encoding !== 'pcm_s16le' && encoding !== 'opus') {
    // Not String(encoding): an object such as {"toString":1} makes String() throw.
    const shown = typeof encoding === 'string' ? encoding.slice(0, 20) : typeof encoding;
    return fail('unsupported_audio', `audio encoding "${shown}" is not supported; use "pcm_s16le" or "opus"`);
  }
  if (encoding === 'opus' && !OPUS_SAMPLE_RATES.includes(sampleRate as number)) {
    return fail('unsupported_audio', `opus audio sampleRate must be one of ${OPUS_SAMPLE_RATES.join(', ')} Hz (16000 preferred)`);
  }
  if (
    typeof sampleRate !== 'number' ||
    !Number.isInteger(sampleRate) ||
    sampleRate < SUPPORTED_SAMPLE_RATES.min ||
    sampleRate > SUPPORTED_SAMPLE_RATES.max
  ) {
    return fail(
      'unsupported_audio',
      `audio sampleRate must be an integer from ${SUPPORTED_SAMPLE_RATES.min} to ${SUPPORTED_SAMPLE_RATES.max} Hz (16000 preferred)`,
    );
  }
  if (channels !== 1 && channels !== 2) {
    return fail('unsupported_audio', 'audio channels must be 1 or 2');
  }
  return { ok: true, value: { encoding, sampleRate, channels } };
}

/**
 * Validates one text frame from a server. Accepts our protocol and the original design's
 * messages; anything else is reported, never thrown.
 */
export function parseServerMessage(raw: string): Parsed<ServerMessage> {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'server sent invalid JSON');
  }
  if (!isObject(data) || typeof data.type !== 'string') {
    return fail('bad_message', 'server message has no "type"');
  }
  const num = (k: string) => (typeof data[k] === 'number' && Number.isFinite(data[k]) ? (data[k] as number) : null);
  const text = typeof data.text === 'string' ? data.text : null;
  switch (data.type) {
    case 'ready':
      if (typeof data.sessionId !== 'string') return fail('bad_message', 'ready without sessionId');
      return {
        ok: true,
        value: {
          type: 'ready',
          sessionId: data.sessionId,
          protocol: 2,
          engine: typeof data.engine === 'string' ? data.engine : 'unknown',
          model: typeof data.model === 'string' ? data.model : '',
          sampleRate: num('sampleRate') ?? WIRE_SAMPLE_RATE,
          ...(typeof data.notice === 'string' ? { notice: data.notice } : {}),
          ...(typeof data.resumeToken === 'string' ? { resumeToken: data.resumeToken } : {}),
          ...(typeof data.resumed === 'boolean' ? { resumed: data.resumed } : {}),
          ...(num('receivedSamples') !== null ? { receivedSamples: num('receivedSamples')! } : {}),
          ...(typeof data.translation === 'string' && data.translation ? { translation: data.translation } : {}),
          ...(typeof data.node === 'string' && data.node ? { node: data.node } : {}),
        },
      };
    case 'partial':
    case 'final': {
      const segmentId = num('segmentId');
      if (segmentId === null || text === null) return fail('bad_message', `${data.type} needs segmentId and text`);
      const start = num('start') ?? 0;
      const end = num('end') ?? start;
      const behind = num('behind');
      const lag = behind !== null && behind >= 0 ? { behind } : {};
      if (data.type === 'partial') return { ok: true, value: { type: 'partial', segmentId, text, start, end, ...lag } };
      const language = typeof data.language === 'string' ? data.language : '';
      return { ok: true, value: { type: 'final', segmentId, text, start, end, language, ...lag } };
    }
    case 'translation': {
      const segmentId = num('segmentId');
      if (segmentId === null || text === null || typeof data.language !== 'string') {
        return fail('bad_message', 'translation needs segmentId, text and language');
      }
      return { ok: true, value: { type: 'translation', segmentId, text, language: data.language } };
    }
    case 'transcription':
      if (text === null) return fail('bad_message', 'transcription without text');
      if (data.success === false) {
        return { ok: true, value: { type: 'error', code: 'engine_error', message: text || 'transcription failed', fatal: false, success: false } };
      }
      return {
        ok: true,
        value: {
          type: 'transcription',
          text,
          success: true,
          ...(typeof data.language === 'string' ? { language: data.language } : {}),
          ...(num('language_probability') !== null ? { language_probability: num('language_probability')! } : {}),
        },
      };
    case 'error':
      return {
        ok: true,
        value: {
          type: 'error',
          code: typeof data.code === 'string' ? data.code : 'server_error',
          message: typeof data.message === 'string' ? data.message : 'the server reported an error',
          fatal: data.fatal === true,
          success: false,
          ...(num('retryAfterMs') !== null && num('retryAfterMs')! >= 0 ? { retryAfterMs: num('retryAfterMs')! } : {}),
        },
      };
    case 'connection':
      if (data.status !== 'connected' && data.status !== 'initialized') {
        return fail('bad_message', 'connection message with unknown status');
      }
      return {
        ok: true,
        value: {
          type: 'connection',
          status: data.status,
          ...(typeof data.sessionId === 'string' ? { sessionId: data.sessionId } : {}),
        },
      };
    case 'pong':
    case 'done':
      return { ok: true, value: { type: data.type } };
    default:
      return fail('bad_message', `unknown server message type "${String(data.type).slice(0, 40)}"`);
  }
}
