// The public types of a StreamSession: its states, the events it reports and its options with
// their defaults (re-exported by stream-session.ts; the session's parts share them without import cycles).

import type { AudioEncoding } from '../../../protocol/index.ts';
import type { CaptionUpdate } from '../../shared/messages.ts';
import type { TransportMode } from '../../shared/tab-session-state.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { DEFAULT_CHUNKER, type PauseChunkerOptions } from './pause-chunker.ts';
import type { WireEncoderFactory } from './wire-encoder.ts';

export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

export type StreamEvent =
  /** `reason` is plain words (why we reconnect or failed); `retryInMs` while reconnecting. */
  | { type: 'state'; state: StreamState; attempt?: number; retryInMs?: number; reason?: string }
  /** The server accepted the session. `original`: an original-protocol server (no `ready`). */
  | { type: 'ready'; original: boolean; engine: string; model: string; notice?: string; resumed?: boolean; translation?: string; encoding?: AudioEncoding }
  /** `samples`: the caption's audio as [first, end) absolute samples of the capture (sample 0 = first captured). */
  | { type: 'caption'; caption: CaptionUpdate; samples?: [number, number] }
  /** The server's translation of the final with caption id `id` (same id scheme as captions). */
  | { type: 'translation'; id: string; text: string; language: string }
  /** A non-fatal server error: the session goes on. */
  | { type: 'server-error'; code: string; message: string }
  /** Something the user should know that is not the server's doing (e.g. Opus fell back to PCM16). */
  | { type: 'notice'; message: string }
  /** The log overflowed during an outage: the oldest unconfirmed audio was dropped. */
  | { type: 'dropped'; seconds: number; totalSeconds: number }
  /** How the session is doing; sent on changes and every second while active. */
  | { type: 'status'; mode: TransportMode; behindSeconds: number; droppedSeconds: number; engineBehindSeconds: number };

export type StateExtra = Omit<Extract<StreamEvent, { type: 'state' }>, 'type' | 'state'>;

/** The part of the WebSocket API we use; mock-socket's class satisfies it too. */
export type WebSocketConstructor = new (url: string) => WebSocket;

export interface StreamSessionOptions {
  url: string;
  sourceLanguage: string;
  targetLanguage: string;
  engine: string;
  onEvent: (event: StreamEvent) => void;
  WebSocketImpl?: WebSocketConstructor;
  fetchImpl?: typeof fetch;
  /** Shared secret of a server started with --token: sent in init and as a Bearer header to /transcribe. */
  token?: string;
  /** Given: stream Opus packets from this encoder (init.audio.encoding "opus"); else PCM16. */
  createOpusEncoder?: WireEncoderFactory;
  /** How often to send `keepalive` (the server closes idle sessions after ~60 s). */
  keepaliveMs?: number;
  /** A keepalive not answered (by anything) within this long means a dead connection. */
  pongTimeoutMs?: number;
  /** How long to wait for the server's first answer before assuming the original protocol. */
  readyTimeoutMs?: number;
  /** How long a socket may take to open. */
  connectTimeoutMs?: number;
  /** How long `stop` waits for the server's last finals. */
  stopTimeoutMs?: number;
  /** A chunk sent to an original-protocol server and not answered within this long: connection dead. */
  chunkTimeoutMs?: number;
  /** Unconfirmed audio kept (oldest dropped first beyond it). */
  maxBufferSeconds?: number;
  /** Attempts when the server was never reached: fail fast on a wrong address. */
  maxInitialAttempts?: number;
  /** WebSocket failures in a row (after live) before trying REST. */
  restAfterFailures?: number;
  /** While on REST, how often to see whether the WebSocket works again. */
  wsRetryMs?: number;
  /** At most this many POST /transcribe requests at a time. */
  maxRestInFlight?: number;
  backoff?: BackoffOptions;
  chunker?: PauseChunkerOptions;
  random?: () => number;
  now?: () => number;
}

/** The options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<StreamSessionOptions, 'WebSocketImpl' | 'fetchImpl' | 'createOpusEncoder'>> & {
  WebSocketImpl: WebSocketConstructor;
  fetchImpl: typeof fetch;
  createOpusEncoder: WireEncoderFactory | undefined;
};

export function resolveOptions(o: StreamSessionOptions): ResolvedOptions {
  return {
    url: o.url,
    sourceLanguage: o.sourceLanguage,
    targetLanguage: o.targetLanguage,
    engine: o.engine,
    token: o.token ?? '',
    createOpusEncoder: o.createOpusEncoder,
    onEvent: o.onEvent,
    WebSocketImpl: o.WebSocketImpl ?? WebSocket,
    fetchImpl: o.fetchImpl ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
    keepaliveMs: o.keepaliveMs ?? 5_000,
    pongTimeoutMs: o.pongTimeoutMs ?? 4_000,
    readyTimeoutMs: o.readyTimeoutMs ?? 5_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    stopTimeoutMs: o.stopTimeoutMs ?? 15_000,
    chunkTimeoutMs: o.chunkTimeoutMs ?? 30_000,
    maxBufferSeconds: o.maxBufferSeconds ?? 120,
    maxInitialAttempts: o.maxInitialAttempts ?? 3,
    restAfterFailures: o.restAfterFailures ?? 4,
    wsRetryMs: o.wsRetryMs ?? 20_000,
    maxRestInFlight: o.maxRestInFlight ?? 2,
    backoff: o.backoff ?? DEFAULT_BACKOFF,
    chunker: o.chunker ?? DEFAULT_CHUNKER,
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
  };
}
