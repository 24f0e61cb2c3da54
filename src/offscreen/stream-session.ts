// One tab's streaming session with the transcription server: a small state machine around
// one WebSocket at a time. It knows nothing about Chrome, audio capture or the DOM, so unit
// tests drive it with mock-socket and fake timers.
//
//   idle → connecting → live ⇄ reconnecting → stopping → stopped
//                  ↘──────────────↘────────────────────→ error
//
// Audio arrives as PCM16 frames through sendAudio(). Frames that cannot be sent yet (socket
// opening, waiting for `ready`, reconnecting) wait in a bounded FrameBuffer and are sent in
// capture order once the server is ready again.

import { CloseCode, parseServerMessage, PROTOCOL_VERSION, WIRE_SAMPLE_RATE } from '../shared/protocol.ts';
import type { ErrorMessage, InitMessage, ServerMessage } from '../shared/protocol.ts';
import type { CaptionUpdate } from '../shared/messages.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { FrameBuffer } from './frame-buffer.ts';

export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

export type StreamEvent =
  /** `reason` is plain words (why we reconnect or failed); `retryInMs` while reconnecting. */
  | { type: 'state'; state: StreamState; attempt?: number; retryInMs?: number; reason?: string }
  /** The server accepted the session. `legacy`: a server of the original design (no `ready`). */
  | { type: 'ready'; legacy: boolean; engine: string; model: string; notice?: string; translation?: string }
  | { type: 'caption'; caption: CaptionUpdate }
  /** The server's translation of the final with caption id `id` (same id scheme as captions). */
  | { type: 'translation'; id: string; text: string; language: string }
  /** A non-fatal server error: the session goes on. */
  | { type: 'server-error'; code: string; message: string }
  /** The buffer overflowed during an outage: `frames` of the oldest audio were dropped. */
  | { type: 'dropped'; frames: number; totalDropped: number };

/** The part of the WebSocket API we use; mock-socket's class satisfies it too. */
export type WebSocketConstructor = new (url: string) => WebSocket;

export interface StreamSessionOptions {
  url: string;
  sourceLanguage: string;
  targetLanguage: string;
  engine: string;
  onEvent: (event: StreamEvent) => void;
  WebSocketImpl?: WebSocketConstructor;
  /** How often to send `keepalive` (the server closes idle sessions after ~60 s). */
  keepaliveMs?: number;
  /** How long to wait for `ready` before assuming a server of the original design. */
  readyTimeoutMs?: number;
  /** How long a socket may take to open. */
  connectTimeoutMs?: number;
  /** How long `stop` waits for the server's `done` (its last finals). */
  stopTimeoutMs?: number;
  /** Audio kept while the server cannot take it. */
  maxBufferSeconds?: number;
  /** Reconnect attempts after the session was live once, before giving up. */
  maxAttempts?: number;
  /** Attempts when the server was never reached: fail fast on a wrong address. */
  maxInitialAttempts?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  now?: () => number;
}

/** Fatal server errors worth reconnecting after: the server is fine, just not right now. */
const RETRYABLE_CODES = new Set(['overloaded', 'busy', 'idle_timeout', 'shutting_down']);

const OPEN = 1;

export class StreamSession {
  state: StreamState = 'idle';
  private readonly opts: Required<Omit<StreamSessionOptions, 'WebSocketImpl'>> & { WebSocketImpl: WebSocketConstructor };
  private readonly buffer: FrameBuffer;
  private ws: WebSocket | null = null;
  /** Counts sockets, so caption ids stay unique when a new connection restarts segment numbers. */
  private connection = 0;
  /** The current socket may take audio (the server is ready). */
  private ready = false;
  /** The current server speaks protocol 2 (sent `ready`): keepalive, flush and stop apply. */
  private protocol2 = false;
  private everLive = false;
  private attempt = 0;
  private legacySegment = 0;
  private lastHeard = 0;
  private timers: Record<'connect' | 'ready' | 'retry' | 'stop', ReturnType<typeof setTimeout> | undefined> = {
    connect: undefined,
    ready: undefined,
    retry: undefined,
    stop: undefined,
  };
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private stopWaiters: (() => void)[] = [];

  constructor(options: StreamSessionOptions) {
    const o = options;
    this.opts = {
      url: o.url,
      sourceLanguage: o.sourceLanguage,
      targetLanguage: o.targetLanguage,
      engine: o.engine,
      onEvent: o.onEvent,
      WebSocketImpl: o.WebSocketImpl ?? WebSocket,
      keepaliveMs: o.keepaliveMs ?? 10_000,
      readyTimeoutMs: o.readyTimeoutMs ?? 5_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      stopTimeoutMs: o.stopTimeoutMs ?? 15_000,
      maxBufferSeconds: o.maxBufferSeconds ?? 30,
      maxAttempts: o.maxAttempts ?? 20,
      maxInitialAttempts: o.maxInitialAttempts ?? 3,
      backoff: o.backoff ?? DEFAULT_BACKOFF,
      random: o.random ?? Math.random,
      now: o.now ?? Date.now,
    };
    this.buffer = new FrameBuffer(this.opts.maxBufferSeconds * WIRE_SAMPLE_RATE * 2);
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.setState('connecting');
    this.connect();
  }

  /** One frame of 16 kHz mono PCM16 LE. Sent now if the server is ready, else buffered. */
  sendAudio(pcm: ArrayBuffer): void {
    if (this.state !== 'connecting' && this.state !== 'live' && this.state !== 'reconnecting') return;
    const frame = this.buffer.stamp(pcm);
    if (this.ready && this.ws?.readyState === OPEN && this.buffer.length === 0) {
      this.ws.send(pcm);
      return;
    }
    const dropped = this.buffer.push(frame);
    if (dropped > 0) this.emit({ type: 'dropped', frames: dropped, totalDropped: this.buffer.droppedFrames });
  }

  /** Asks the server to finalize what it has heard so far (e.g. the tab paused). */
  flush(): void {
    if (this.ready && this.protocol2) this.sendJson({ type: 'flush' });
  }

  /** Ends the session; while live, waits for the server's last finals (`done`) first. */
  stop(): Promise<void> {
    switch (this.state) {
      case 'stopped':
      case 'error':
        return Promise.resolve();
      case 'idle':
        this.setState('stopped');
        return Promise.resolve();
      case 'connecting':
      case 'reconnecting':
        this.finish('stopped');
        return Promise.resolve();
      case 'live':
        if (!this.protocol2) {
          this.finish('stopped'); // the original design has no drain: close now
          return Promise.resolve();
        }
        this.setState('stopping');
        this.sendJson({ type: 'stop' });
        this.timers.stop = setTimeout(() => this.finish('stopped'), this.opts.stopTimeoutMs);
        return this.waitStopped();
      case 'stopping':
        return this.waitStopped();
    }
  }

  /** Seconds of audio waiting for the server. */
  get bufferedSeconds(): number {
    return this.buffer.seconds();
  }

  // ------------------------------------------------------------ connection

  private connect(): void {
    this.connection++;
    this.ready = false;
    this.protocol2 = false;
    this.legacySegment = 0;
    let ws: WebSocket;
    try {
      ws = new this.opts.WebSocketImpl(this.opts.url);
    } catch {
      this.fail(`"${this.opts.url}" is not a valid server address`);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    this.timers.connect = setTimeout(() => this.abandon('The transcription server did not answer'), this.opts.connectTimeoutMs);
    ws.onopen = () => {
      if (ws !== this.ws) return;
      opened = true;
      clearTimeout(this.timers.connect);
      this.lastHeard = this.opts.now();
      const init: InitMessage = {
        type: 'init',
        sourceLanguage: this.opts.sourceLanguage,
        targetLanguage: this.opts.targetLanguage,
        engine: this.opts.engine,
        protocol: PROTOCOL_VERSION,
        audio: { encoding: 'pcm_s16le', sampleRate: WIRE_SAMPLE_RATE, channels: 1 },
      };
      this.sendJson(init);
      // Servers of the original design never send `ready`; after a while assume one.
      this.timers.ready = setTimeout(() => this.becomeReady(null), this.opts.readyTimeoutMs);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws || typeof ev.data !== 'string') return;
      this.lastHeard = this.opts.now();
      const parsed = parseServerMessage(ev.data);
      if (parsed.ok) this.onServerMessage(parsed.value);
      else console.warn('[stream] ignoring server message:', parsed.message);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (ws !== this.ws) return;
      this.onClose(ev.code, ev.reason, opened);
    };
    ws.onerror = () => {
      // A close event always follows; it decides what to do.
    };
  }

  private onServerMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'ready':
        this.becomeReady(msg);
        break;
      case 'partial':
      case 'final':
        this.emit({
          type: 'caption',
          caption: {
            kind: msg.type,
            id: `${this.connection}:${msg.segmentId}`,
            segmentId: msg.segmentId,
            text: msg.text,
            start: msg.start,
            end: msg.end,
            ...(msg.type === 'final' && msg.language ? { language: msg.language } : {}),
          },
        });
        break;
      case 'translation':
        this.emit({ type: 'translation', id: `${this.connection}:${msg.segmentId}`, text: msg.text, language: msg.language });
        break;
      case 'transcription': {
        // The original design: one answer per chunk of audio, each final.
        if (!this.ready) this.becomeReady(null);
        const text = msg.text.trim();
        if (!text) break;
        const segmentId = this.legacySegment++;
        this.emit({
          type: 'caption',
          caption: {
            kind: 'final',
            id: `${this.connection}:t${segmentId}`,
            segmentId,
            text,
            start: 0,
            end: 0,
            ...(msg.language ? { language: msg.language } : {}),
          },
        });
        break;
      }
      case 'connection':
        if (msg.status === 'initialized' && !this.ready) this.becomeReady(null);
        break;
      case 'error':
        this.onServerError(msg);
        break;
      case 'done':
        if (this.state === 'stopping') this.finish('stopped');
        break;
      case 'pong':
        break;
    }
  }

  /** `ready` from a protocol-2 server, or null when the server is of the original design. */
  private becomeReady(ready: Extract<ServerMessage, { type: 'ready' }> | null): void {
    clearTimeout(this.timers.ready);
    if (ready) {
      // A slow `ready` may come after we assumed the original design: upgrade in place.
      this.protocol2 = true;
      this.startKeepalive();
    }
    this.emit({
      type: 'ready',
      legacy: !ready,
      engine: ready?.engine ?? '',
      model: ready?.model ?? '',
      ...(ready?.notice ? { notice: ready.notice } : {}),
      ...(ready?.translation ? { translation: ready.translation } : {}),
    });
    if (this.ready || (this.state !== 'connecting' && this.state !== 'reconnecting')) return;
    this.ready = true;
    this.everLive = true;
    this.attempt = 0;
    this.setState('live');
    for (const frame of this.buffer.drain()) this.ws?.send(frame.pcm);
  }

  private onServerError(msg: ErrorMessage): void {
    if (!msg.fatal) {
      this.emit({ type: 'server-error', code: msg.code, message: msg.message });
      return;
    }
    if (RETRYABLE_CODES.has(msg.code)) {
      this.abandon(plainServerError(msg));
      return;
    }
    this.fail(plainServerError(msg));
  }

  private onClose(code: number, reason: string, opened: boolean): void {
    this.ws = null;
    this.clearConnectionTimers();
    if (this.state === 'stopping') {
      this.finish('stopped');
      return;
    }
    if (this.state !== 'connecting' && this.state !== 'live' && this.state !== 'reconnecting') return;
    if (code === CloseCode.policy) {
      this.fail(`The server refused the session${reason ? `: ${reason}` : ''}`);
      return;
    }
    this.scheduleReconnect(opened ? plainClose(code) : `Can't reach the transcription server at ${this.opts.url}`);
  }

  /** Drops the current socket on purpose (dead, or a retryable fatal error) and reconnects. */
  private abandon(reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.clearConnectionTimers();
    closeQuietly(ws, 4001, 'reconnecting');
    if (this.state === 'stopping') this.finish('stopped');
    else this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    this.ready = false;
    this.attempt++;
    const limit = this.everLive ? this.opts.maxAttempts : this.opts.maxInitialAttempts;
    if (this.attempt > limit) {
      this.fail(this.everLive ? `${reason}; gave up after ${limit} reconnect attempts` : reason);
      return;
    }
    const delay = backoffDelay(this.attempt, this.opts.backoff, this.opts.random);
    this.setState('reconnecting', { attempt: this.attempt, retryInMs: delay, reason });
    this.timers.retry = setTimeout(() => this.connect(), delay);
  }

  private startKeepalive(): void {
    clearInterval(this.keepalive);
    this.keepalive = setInterval(() => {
      // No answer to three keepalives in a row: the connection is dead even if not closed.
      if (this.opts.now() - this.lastHeard > this.opts.keepaliveMs * 3) {
        this.abandon('The server stopped answering');
        return;
      }
      this.sendJson({ type: 'keepalive' });
    }, this.opts.keepaliveMs);
  }

  // ------------------------------------------------------------ endings

  private fail(reason: string): void {
    this.finish('error', reason);
  }

  /** Final transition: closes everything and wakes stop() callers. */
  private finish(state: 'stopped' | 'error', reason?: string): void {
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    this.clearConnectionTimers();
    clearTimeout(this.timers.retry);
    clearTimeout(this.timers.stop);
    this.buffer.clear();
    closeQuietly(ws, 1000, state === 'stopped' ? 'stopped' : 'error');
    if (this.state !== state) this.setState(state, reason ? { reason } : {});
    for (const wake of this.stopWaiters.splice(0)) wake();
  }

  private waitStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  private clearConnectionTimers(): void {
    clearTimeout(this.timers.connect);
    clearTimeout(this.timers.ready);
    clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  // ------------------------------------------------------------ helpers

  private sendJson(msg: object): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  private setState(state: StreamState, extra: Omit<Extract<StreamEvent, { type: 'state' }>, 'type' | 'state'> = {}): void {
    this.state = state;
    this.emit({ type: 'state', state, ...extra });
  }

  private emit(event: StreamEvent): void {
    try {
      this.opts.onEvent(event);
    } catch (err) {
      console.error('[stream] event handler failed', err);
    }
  }
}

function closeQuietly(ws: WebSocket | null, code: number, reason: string): void {
  if (!ws) return;
  try {
    ws.close(code, reason);
  } catch {
    // Already closed or closing.
  }
}

/** Why a live connection closed, in words a user understands. */
export function plainClose(code: number): string {
  switch (code) {
    case CloseCode.goingAway:
      return 'The transcription server is restarting';
    case CloseCode.tryAgainLater:
      return 'The transcription server is busy';
    case CloseCode.idleTimeout:
      return 'The server closed the idle session';
    case CloseCode.tooBig:
      return 'The server rejected an audio frame as too large';
    case CloseCode.internal:
      return 'The transcription server hit an internal error';
    default:
      return 'The connection to the transcription server was lost';
  }
}

/** A fatal server error, in words a user understands. */
export function plainServerError(msg: Pick<ErrorMessage, 'code' | 'message'>): string {
  switch (msg.code) {
    case 'unknown_engine':
      return `The server does not offer that engine (${msg.message})`;
    case 'unsupported_language':
      return `The server cannot transcribe that language (${msg.message})`;
    case 'busy':
    case 'overloaded':
      return 'The transcription server is busy';
    case 'shutting_down':
      return 'The transcription server is shutting down';
    case 'idle_timeout':
      return 'The server closed the idle session';
    default:
      return msg.message || `The server reported an error (${msg.code})`;
  }
}
