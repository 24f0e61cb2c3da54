// The wire contract's messages and constants between the extension (or any client) and a
// transcription server; docs/protocol.md is the contract, protocol/parse.ts validates frames.

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
  protocol?: number; // 2 for our protocol; absent for original-protocol clients
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
  | 'too_many_connections'
  | 'init_timeout'
  | 'too_many_errors';

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

/** The original protocol's answer, sent to clients that did not ask for protocol 2. */
export interface TranscriptionMessage {
  type: 'transcription';
  text: string;
  language?: string;
  language_probability?: number;
  success: true;
}

/** The original protocol's connection status message. */
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

// ---------------------------------------------------------------- limits

/** Longest value of each string field of init: a longer one is refused, never stored or logged. */
export const FIELD_LIMITS = { sourceLanguage: 35, targetLanguage: 35, engine: 64, token: 256 } as const;

export const SUPPORTED_SAMPLE_RATES = { min: 8000, max: 48000 };
/** The input rates an Opus encoder takes (the packets themselves are rate-independent). */
export const OPUS_SAMPLE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
