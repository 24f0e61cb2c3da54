// One tab's session with the transcription server: a state machine that never loses speech.
// It knows nothing about Chrome, audio capture or the DOM, so unit tests drive it with
// mock-socket, a fake fetch and fake timers.
//
//   idle → connecting → live ⇄ reconnecting → stopping → stopped
//                  ↘──────────────↘────────────────────→ error
//
// Every captured sample goes into an AudioLog and stays there until the server confirms it
// (a final covering it, or the answer for the chunk holding it). That one log serves all
// three ways of talking to a server (`mode`):
// - `streaming` (our protocol 2): raw frames over the WebSocket. A dropped connection resumes
//   the server's session (resume token) and re-sends from the sample the server reports; a
//   server that lost the session (restart) gets a fresh one, fed again from the last final.
// - `legacy` (the original design's server, told by its first answer): WAV chunks cut at
//   pauses over the WebSocket, one `transcription` answer each, in order.
// - `rest`: the same chunks over POST /transcribe when the WebSocket is missing or keeps
//   failing but the HTTP server answers; the WebSocket is tried again now and then.
// After an outage the log's backlog is sent first (as fast as the socket takes it), then live
// audio. Finals are deduplicated by the server's segment id across resumed connections.
// Streaming may send Opus instead of PCM16 (`createOpusEncoder`): the log still holds PCM,
// and each connection gets a fresh encoder, so a resend from any sample starts a clean Opus
// stream. A server that refuses Opus, or an encoder that fails, falls back to PCM16.

import { CloseCode, parseServerMessage, PROTOCOL_VERSION, WIRE_SAMPLE_RATE } from '../shared/protocol.ts';
import type { AudioEncoding, ErrorMessage, InitMessage, ReadyMessage, ServerMessage } from '../shared/protocol.ts';
import type { CaptionUpdate } from '../shared/messages.ts';
import type { TransportMode } from '../shared/session-state.ts';
import { AudioLog } from './audio-log.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { DEFAULT_CHUNKER, PauseChunker, type ChunkCut, type PauseChunkerOptions } from './pause-chunker.ts';
import { httpAnswers, RestError, transcribeWav } from './rest-transcribe.ts';
import { mergeChunkText } from './text-merge.ts';
import { encodeWav } from './wav-encode.ts';
import { retryHintFor, withRoutingHint, type RetryHint } from './cluster-hints.ts';

export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

export type StreamEvent =
  /** `reason` is plain words (why we reconnect or failed); `retryInMs` while reconnecting. */
  | { type: 'state'; state: StreamState; attempt?: number; retryInMs?: number; reason?: string }
  /** The server accepted the session. `legacy`: a server of the original design (no `ready`). */
  | { type: 'ready'; legacy: boolean; engine: string; model: string; notice?: string; resumed?: boolean; translation?: string; encoding?: AudioEncoding }
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

/** The part of the WebSocket API we use; mock-socket's class satisfies it too. */
export type WebSocketConstructor = new (url: string) => WebSocket;

/** Turns 16 kHz PCM16 frames into compressed packets, in order (one stream per connection). */
export interface WireEncoder {
  encode(pcm: Int16Array): void;
  /** Resolves once the packets for all audio given so far are out (the last one padded). */
  flush(): Promise<void>;
  close(): void;
}

export type WireEncoderFactory = (onPacket: (packet: ArrayBuffer) => void, onError: (err: Error) => void) => WireEncoder;

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
  /** How long to wait for the server's first answer before assuming the original design. */
  readyTimeoutMs?: number;
  /** How long a socket may take to open. */
  connectTimeoutMs?: number;
  /** How long `stop` waits for the server's last finals. */
  stopTimeoutMs?: number;
  /** A chunk sent to a legacy server and not answered within this long: connection dead. */
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

/** Fatal server errors worth reconnecting after: the server is fine, just not right now. */
const RETRYABLE_CODES = new Set(['overloaded', 'busy', 'idle_timeout', 'shutting_down', 'too_many_connections']);

const OPEN = 1;
const RATE = WIRE_SAMPLE_RATE;

/** The protocol-2 server session our audio timeline is attached to. */
interface ServerSession {
  id: string;
  token: string | undefined;
  /** Absolute sample (AudioLog timeline) where the server's timeline 0 lies. */
  base: number;
  /** Segment ids whose final we have (dedupe across resumes). */
  finals: Set<number>;
  lastFinalId: number;
  /** Segment with a partial on screen and no final yet. */
  openPartial: number | null;
  /** Caption id prefix. */
  epoch: number;
  /** Cluster node holding the session (`ready.node`): reconnects ask the balancer for it. */
  node?: string;
}

/** A chunk of the log [start, end) for chunk modes, with its answer once it arrives. */
interface Chunk {
  seq: number;
  start: number;
  end: number;
  sent: boolean;
  answer?: { text: string; language?: string };
  failures: number;
}

type Timer = ReturnType<typeof setTimeout> | undefined;

export class StreamSession {
  state: StreamState = 'idle';
  mode: TransportMode = 'streaming';
  private readonly opts: Required<Omit<StreamSessionOptions, 'WebSocketImpl' | 'fetchImpl' | 'createOpusEncoder'>> & {
    WebSocketImpl: WebSocketConstructor;
    fetchImpl: typeof fetch;
    createOpusEncoder: WireEncoderFactory | undefined;
  };
  /** What streaming sends: Opus while the encoder and the server cope, else PCM16. */
  private encoding: AudioEncoding;
  /** The current connection's Opus encoder (a new stream per connection). */
  private encoder: WireEncoder | null = null;
  private readonly log: AudioLog;
  private ws: WebSocket | null = null;
  /** The current socket may take audio. */
  private ready = false;
  private everLive = false;
  private attempt = 0;
  /** WebSocket failures in a row, for the REST decision. */
  private wsFailures = 0;
  private epoch = 0;
  private server: ServerSession | null = null;
  /** Last sample the current socket has been sent (streaming). */
  private sentUpTo = 0;
  // Chunk modes (legacy WebSocket, REST).
  private chunker: PauseChunker | null = null;
  private chunks: Chunk[] = [];
  private chunkSeq = 0;
  private lastChunkText = '';
  private restInFlight = 0;
  /** Bumped whenever chunk work is restarted, so answers to abandoned requests are ignored. */
  private chunkGeneration = 0;
  private restAbort: AbortController | null = null;
  private timers: Record<'connect' | 'ready' | 'retry' | 'stop' | 'pong' | 'chunk' | 'restRetry' | 'wsRetry', Timer> = {
    connect: undefined,
    ready: undefined,
    retry: undefined,
    stop: undefined,
    pong: undefined,
    chunk: undefined,
    restRetry: undefined,
    wsRetry: undefined,
  };
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private stopWaiters: (() => void)[] = [];
  /** The socket in flight is only a check whether WebSocket works again (REST stays on meanwhile). */
  private probing = false;
  /** This server has sent `ready` once: it is not of the original design. */
  private sawReady = false;
  /** A busy cluster or a draining node said when to come back (cluster-hints.ts). */
  private retryHint: RetryHint | null = null;

  constructor(options: StreamSessionOptions) {
    const o = options;
    this.opts = {
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
    this.log = new AudioLog(this.opts.maxBufferSeconds * RATE);
    this.encoding = o.createOpusEncoder ? 'opus' : 'pcm_s16le';
  }

  /** The wire encoding streaming uses now. */
  get audioEncoding(): AudioEncoding {
    return this.encoding;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.setState('connecting');
    this.statusTimer = setInterval(() => this.emitStatus(), 1000);
    this.connect();
  }

  /** One frame of 16 kHz mono PCM16 LE; kept until the server confirms it. */
  sendAudio(pcm: ArrayBuffer): void {
    if (this.state !== 'connecting' && this.state !== 'live' && this.state !== 'reconnecting') return;
    const samples = new Int16Array(pcm.slice(0, pcm.byteLength - (pcm.byteLength % 2)));
    const dropped = this.log.push(samples);
    if (dropped > 0) {
      this.emit({ type: 'dropped', seconds: dropped / RATE, totalSeconds: this.log.droppedSamples / RATE });
      this.emitStatus();
    }
    if (this.mode === 'streaming') {
      if (this.ready && this.ws?.readyState === OPEN) this.sendStreaming();
    } else if (this.chunker) {
      this.addCuts(this.chunker.push(samples));
      this.dispatchChunks();
    }
  }

  /** Asks the server to finalize what it has heard so far (e.g. the tab paused). */
  flush(): void {
    if (this.ready && this.mode === 'streaming') this.sendJson({ type: 'flush' });
  }

  /** Ends the session; while live, waits for the server's last finals first. */
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
        this.setState('stopping');
        this.timers.stop = setTimeout(() => this.finish('stopped'), this.opts.stopTimeoutMs);
        if (this.mode === 'streaming') {
          this.sendStop();
        } else {
          // The audio after the last cut becomes the last chunk; end once every chunk is answered.
          this.cutRest();
          this.dispatchChunks();
          this.maybeFinishChunks();
        }
        return this.waitStopped();
      case 'stopping':
        return this.waitStopped();
    }
  }

  /**
   * How far behind live the captions are, in seconds of audio waiting for the server: while
   * streaming, what is not sent yet; in chunk modes, chunks not answered yet; when no server
   * takes audio, everything unconfirmed (it all has to go again). Not simply "unconfirmed":
   * silence after the last final stays unconfirmed without anyone being behind.
   */
  get bufferedSeconds(): number {
    const unconfirmedFrom = Math.max(this.log.acked, this.log.start);
    if (this.mode === 'streaming') {
      return (this.log.end - (this.ready ? Math.max(this.sentUpTo, unconfirmedFrom) : unconfirmedFrom)) / RATE;
    }
    if (this.mode === 'legacy' && !this.ready) return (this.log.end - unconfirmedFrom) / RATE;
    const cutUpTo = this.chunks.at(-1)?.end ?? unconfirmedFrom;
    return Math.max(0, cutUpTo - unconfirmedFrom) / RATE;
  }

  /** Seconds of captured audio the server has not confirmed yet (kept for re-sending). */
  get unconfirmedSeconds(): number {
    return (this.log.end - Math.max(this.log.acked, this.log.start)) / RATE;
  }

  get droppedSeconds(): number {
    return this.log.droppedSamples / RATE;
  }

  // ------------------------------------------------------------ connection

  private connect(): void {
    this.ready = false;
    let ws: WebSocket;
    try {
      ws = new this.opts.WebSocketImpl(withRoutingHint(this.opts.url, this.server?.token ? this.server.node : undefined));
    } catch {
      this.fail(`"${this.opts.url}" is not a valid server address`);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    let answered = false;
    this.timers.connect = setTimeout(() => this.abandon('The transcription server did not answer'), this.opts.connectTimeoutMs);
    ws.onopen = () => {
      if (ws !== this.ws) return;
      opened = true;
      clearTimeout(this.timers.connect);
      this.sendJson(this.initMessage());
      // Servers of the original design may stay silent until audio comes: after a while assume one
      // (not once this server has shown it speaks protocol 2).
      if (!this.sawReady) this.timers.ready = setTimeout(() => this.becomeLegacy(), this.opts.readyTimeoutMs);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws) return;
      clearTimeout(this.timers.pong);
      if (typeof ev.data !== 'string') return;
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) {
        console.warn('[stream] ignoring server message:', parsed.message);
        if (!answered) this.emit({ type: 'server-error', code: 'bad_message', message: 'The server sent a message this extension does not understand' });
        answered = true;
        return;
      }
      answered = true;
      this.onServerMessage(parsed.value);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (ws !== this.ws) return;
      this.onClose(ev.code, ev.reason, opened);
    };
    ws.onerror = () => {
      // A close event always follows; it decides what to do.
    };
  }

  private initMessage(): InitMessage {
    const init: InitMessage = {
      type: 'init',
      sourceLanguage: this.opts.sourceLanguage,
      targetLanguage: this.opts.targetLanguage,
      engine: this.opts.engine,
      protocol: PROTOCOL_VERSION,
      audio: { encoding: this.encoding, sampleRate: RATE, channels: 1 },
    };
    if (this.opts.token) init.token = this.opts.token;
    if (this.server?.token) {
      init.resume = {
        sessionId: this.server.id,
        token: this.server.token,
        audioOffset: Math.max(0, this.sentUpTo - this.server.base),
        lastSegmentId: this.server.lastFinalId,
      };
    }
    return init;
  }

  private onServerMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'ready':
        this.becomeStreaming(msg);
        break;
      case 'partial':
      case 'final':
        if (this.mode === 'streaming') this.onSegment(msg);
        break;
      case 'translation':
        // Same id scheme as the caption it translates (server sessions, not sockets).
        if (this.mode === 'streaming' && this.server) {
          this.emit({ type: 'translation', id: `${this.server.epoch}:${msg.segmentId}`, text: msg.text, language: msg.language });
        }
        break;
      case 'transcription':
        if (!this.ready) this.becomeLegacy();
        if (this.mode === 'legacy') this.onChunkAnswer({ text: msg.text, ...(msg.language ? { language: msg.language } : {}) });
        break;
      case 'connection':
        // The original design's first answer ("connected" on connect, "initialized" after init).
        this.becomeLegacy();
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

  /** `ready` from a protocol-2 server: resume (or start) its session, then send the backlog. */
  private becomeStreaming(ready: ReadyMessage): void {
    clearTimeout(this.timers.ready);
    if (this.mode === 'legacy' && this.ready) {
      // A slow protocol-2 server answered after we took it for the original design: start over
      // properly (its WAV chunks were not confirmed, so they are sent again as a stream).
      this.sawReady = true;
      this.abandon('Switching to streaming');
      return;
    }
    if (this.state !== 'connecting' && this.state !== 'reconnecting' && !(this.probing && this.state === 'live')) return;
    const wasRest = this.mode === 'rest';
    this.sawReady = true;
    this.leaveChunkMode();
    this.mode = 'streaming';
    let from: number;
    const old = this.server;
    if (old && ready.resumed && ready.sessionId === old.id) {
      from = old.base + (ready.receivedSamples ?? 0);
    } else {
      // A new server session (first connect, or the old one is gone): it starts its timeline at
      // the first audio not yet confirmed by a final, so nothing is lost and nothing repeated.
      if (old?.openPartial !== null && old?.openPartial !== undefined) this.emitCaption(old, 'final', old.openPartial, '', 0, 0);
      from = Math.max(this.log.acked, this.log.start);
      this.server = {
        id: ready.sessionId,
        token: ready.resumeToken,
        base: from,
        finals: new Set(),
        lastFinalId: -1,
        openPartial: null,
        epoch: ++this.epoch,
        ...(ready.node ? { node: ready.node } : {}),
      };
    }
    this.emit({
      type: 'ready',
      legacy: false,
      engine: ready.engine,
      model: ready.model,
      ...(ready.notice ? { notice: ready.notice } : {}),
      ...(ready.resumed !== undefined ? { resumed: ready.resumed } : {}),
      ...(ready.translation ? { translation: ready.translation } : {}),
      encoding: this.encoding,
    });
    this.goLive();
    this.startKeepalive();
    this.sentUpTo = Math.max(from, this.log.start);
    this.openEncoder();
    this.sendStreaming();
    if (wasRest) this.emitStatus();
  }

  /** The server is of the original design: WAV chunks over this socket. */
  private becomeLegacy(): void {
    clearTimeout(this.timers.ready);
    if (this.ready && this.mode === 'legacy') return;
    if (this.state !== 'connecting' && this.state !== 'reconnecting' && !(this.probing && this.state === 'live')) return;
    this.leaveChunkMode();
    this.mode = 'legacy';
    this.emit({ type: 'ready', legacy: true, engine: '', model: '' });
    this.goLive();
    this.enterChunkMode();
  }

  private goLive(): void {
    this.probing = false;
    clearTimeout(this.timers.wsRetry);
    this.ready = true;
    this.everLive = true;
    this.attempt = 0;
    this.wsFailures = 0;
    if (this.state !== 'live') this.setState('live');
    this.emitStatus();
  }

  /** Sends the log from `sentUpTo` on: the backlog at once, then each live frame as it comes. */
  private sendStreaming(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || this.sentUpTo >= this.log.end) return;
    for (const f of this.log.range(this.sentUpTo)) {
      if (this.encoder) {
        this.encoder.encode(f.pcm);
      } else {
        // Copy: a subarray's buffer may hold more than the frame.
        ws.send(f.pcm.byteOffset === 0 && f.pcm.byteLength === f.pcm.buffer.byteLength ? f.pcm.buffer : f.pcm.slice().buffer);
      }
    }
    this.sentUpTo = this.log.end;
  }

  /** A fresh Opus stream for this connection (its packets go to this socket only). */
  private openEncoder(): void {
    this.closeEncoder();
    const factory = this.opts.createOpusEncoder;
    const ws = this.ws;
    if (this.encoding !== 'opus' || !factory || !ws) return;
    const onError = (err: Error) => {
      if (this.ws === ws) this.onEncoderError(err);
    };
    try {
      this.encoder = factory((packet) => {
        if (this.ws === ws && ws.readyState === OPEN) ws.send(packet);
      }, onError);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private closeEncoder(): void {
    const enc = this.encoder;
    this.encoder = null;
    try {
      enc?.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * The encoder broke: send PCM16 from now on. The server session decodes Opus and cannot
   * take PCM16, so a new one starts from the end of the last final (nothing lost).
   */
  private onEncoderError(err: Error): void {
    console.warn('[stream] Opus encoder failed:', err.message);
    if (this.encoding !== 'opus') return;
    this.encoding = 'pcm_s16le';
    this.closeEncoder();
    this.emit({ type: 'notice', message: 'Opus encoding failed in this browser; sending uncompressed audio instead' });
    if (this.server) this.server.token = undefined;
    if (this.ws) this.abandon('Switching to uncompressed audio');
  }

  /** `stop` once the encoder's last packets are out: they must reach the server before it. */
  private sendStop(): void {
    const enc = this.encoder;
    if (!enc) return this.sendJson({ type: 'stop' });
    const ws = this.ws;
    void enc
      .flush()
      .catch(() => {})
      .then(() => {
        if (this.ws === ws) this.sendJson({ type: 'stop' });
      });
  }

  private onSegment(msg: Extract<ServerMessage, { type: 'partial' | 'final' }>): void {
    const s = this.server;
    if (!s || s.finals.has(msg.segmentId)) return; // a re-delivered final, or a late partial
    this.engineBehind = msg.behind ?? 0;
    if (msg.type === 'partial') {
      s.openPartial = msg.segmentId;
      this.emitCaption(s, 'partial', msg.segmentId, msg.text, msg.start, msg.end);
      return;
    }
    s.finals.add(msg.segmentId);
    if (s.finals.size > 1000) s.finals.delete(s.finals.values().next().value!);
    s.lastFinalId = Math.max(s.lastFinalId, msg.segmentId);
    if (s.openPartial !== null && s.openPartial <= msg.segmentId) s.openPartial = null;
    this.emitCaption(s, 'final', msg.segmentId, msg.text, msg.start, msg.end, msg.language);
    // Everything up to the end of this final is transcribed for good.
    this.log.ack(Math.min(this.sentUpTo, s.base + Math.round(msg.end * RATE)));
  }

  private emitCaption(s: ServerSession, kind: 'partial' | 'final', segmentId: number, text: string, start: number, end: number, language?: string): void {
    this.emit({
      type: 'caption',
      caption: { kind, id: `${s.epoch}:${segmentId}`, segmentId, text, start, end, ...(language ? { language } : {}) },
      samples: [s.base + Math.round(start * RATE), s.base + Math.round(end * RATE)],
    });
  }

  private onServerError(msg: ErrorMessage): void {
    if (!msg.fatal && this.mode === 'legacy' && this.ready) {
      // The original design answers a chunk it could not transcribe with an error instead of
      // a transcription: that is this chunk's answer (answers come in order). The user is told.
      this.emit({ type: 'server-error', code: msg.code, message: msg.message });
      this.onChunkAnswer({ text: '' });
      return;
    }
    if (!msg.fatal && msg.code === 'unsupported_audio' && !this.ready && this.mode === 'streaming' && this.encoding === 'opus') {
      // A protocol-2 server without Opus refused init (non-fatal): ask again with PCM16.
      this.encoding = 'pcm_s16le';
      this.emit({ type: 'notice', message: 'The server does not take Opus audio; sending uncompressed audio instead' });
      this.sendJson(this.initMessage());
      return;
    }
    if (!msg.fatal) {
      // A failed resume is expected after a server restart; the new session follows.
      if (msg.code !== 'resume_failed') this.emit({ type: 'server-error', code: msg.code, message: msg.message });
      return;
    }
    if (RETRYABLE_CODES.has(msg.code)) {
      this.retryHint = retryHintFor(msg, this.ready);
      if (this.retryHint?.sessionMoved && this.server) this.server.token = undefined; // its node drains: a new session elsewhere
      this.abandon(this.retryHint?.reason ?? plainServerError(msg));
      return;
    }
    this.fail(plainServerError(msg));
  }

  private onClose(code: number, reason: string, opened: boolean): void {
    this.ws = null;
    this.clearConnectionTimers();
    if (this.probing) {
      this.probing = false;
      this.scheduleWsRetry();
      return;
    }
    if (this.state === 'stopping' && this.mode !== 'rest') {
      this.finish('stopped');
      return;
    }
    if (this.state !== 'connecting' && this.state !== 'live' && this.state !== 'reconnecting') return;
    if (code === CloseCode.policy) {
      this.fail(`The server refused the session${reason ? `: ${reason}` : ''}`);
      return;
    }
    if (!opened) this.wsFailures++;
    void this.scheduleReconnect(opened ? plainClose(code) : `Can't reach the transcription server at ${this.opts.url}`, !opened);
  }

  /** Drops the current socket on purpose (dead, or a retryable fatal error) and reconnects. */
  private abandon(reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.clearConnectionTimers();
    closeQuietly(ws, 4001, 'reconnecting');
    if (this.probing) {
      this.probing = false;
      this.scheduleWsRetry();
      return;
    }
    if (this.state === 'stopping') this.finish('stopped');
    else void this.scheduleReconnect(reason, false);
  }

  private async scheduleReconnect(reason: string, neverOpened: boolean): Promise<void> {
    this.ready = false;
    if (this.mode === 'legacy') this.pauseChunks();
    this.attempt++;
    // The WebSocket itself fails (missing /ws, a proxy that blocks it), yet HTTP answers: REST.
    const tryRest = neverOpened && (!this.everLive ? this.attempt >= 2 : this.wsFailures >= this.opts.restAfterFailures);
    if (tryRest || (!this.everLive && this.attempt > this.opts.maxInitialAttempts)) {
      const state = this.state;
      const up = await httpAnswers(this.opts.url, this.opts.fetchImpl);
      if (this.state !== state || this.ws) return; // stopped meanwhile
      if (up) {
        this.enterRest();
        return;
      }
    }
    const hint = this.retryHint;
    this.retryHint = null;
    // A server that says when to come back is reachable: never give up on it (a full cluster).
    if (!hint && !this.everLive && this.attempt > this.opts.maxInitialAttempts) {
      this.fail(reason);
      return;
    }
    const delay = hint ? hint.delayMs : backoffDelay(this.attempt, this.opts.backoff, this.opts.random);
    this.setState('reconnecting', { attempt: this.attempt, retryInMs: delay, reason });
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.connect(), delay);
  }

  private startKeepalive(): void {
    clearInterval(this.keepalive);
    this.keepalive = setInterval(() => {
      this.sendJson({ type: 'keepalive' });
      // Any message clears this: a quiet server is fine, a deaf one is dead.
      clearTimeout(this.timers.pong);
      this.timers.pong = setTimeout(() => this.abandon('The server stopped answering'), this.opts.pongTimeoutMs);
    }, this.opts.keepaliveMs);
  }

  // ------------------------------------------------------------ chunk modes (legacy, REST)

  /** Starts cutting the unconfirmed audio into chunks, from the first unconfirmed sample. */
  private enterChunkMode(): void {
    this.chunkGeneration++;
    const from = Math.max(this.log.acked, this.log.start);
    this.chunker = new PauseChunker(from, this.opts.chunker);
    this.chunks = [];
    this.epoch++;
    this.lastChunkText = '';
    this.restInFlight = 0;
    for (const f of this.log.range(from)) this.addCuts(this.chunker.push(f.pcm));
    this.dispatchChunks();
  }

  private leaveChunkMode(): void {
    this.chunkGeneration++;
    this.restAbort?.abort();
    this.restAbort = null;
    this.chunker = null;
    this.chunks = [];
    this.restInFlight = 0;
    clearTimeout(this.timers.restRetry);
    clearTimeout(this.timers.chunk);
  }

  /** Legacy socket lost: its unanswered chunks go again on the next socket. */
  private pauseChunks(): void {
    for (const c of this.chunks) if (!c.answer) c.sent = false;
    clearTimeout(this.timers.chunk);
  }

  private addCuts(cuts: ChunkCut[]): void {
    for (const { end, voiced } of cuts) {
      const start = this.chunks.at(-1)?.end ?? Math.max(this.log.acked, this.log.start);
      if (end <= start) continue;
      // Pure silence is not worth a request (and Whisper-like engines invent words for it).
      const chunk: Chunk = { seq: this.chunkSeq++, start, end, sent: false, failures: 0, ...(voiced ? {} : { answer: { text: '' } }) };
      this.chunks.push(chunk);
    }
    if (cuts.length && this.chunks[0]?.answer) this.deliverChunks();
  }

  /** Audio after the last cut becomes a chunk (stop). */
  private cutRest(): void {
    if (!this.chunker) return;
    const start = this.chunks.at(-1)?.end ?? this.chunker.pendingStart;
    if (this.log.end > start) this.addCuts([{ end: this.log.end, voiced: true }]);
  }

  private dispatchChunks(): void {
    if (this.mode === 'legacy') {
      const ws = this.ws;
      if (!this.ready || ws?.readyState !== OPEN) return;
      for (const c of this.chunks) {
        if (c.sent || c.answer) continue;
        c.sent = true;
        ws.send(encodeWav(this.log.slice(c.start, c.end), RATE));
      }
      this.armChunkTimer();
    } else if (this.mode === 'rest') {
      for (const c of this.chunks) {
        if (this.restInFlight >= this.opts.maxRestInFlight) break;
        if (c.sent || c.answer) continue;
        c.sent = true;
        this.restInFlight++;
        void this.postChunk(c, this.chunkGeneration);
      }
    }
  }

  /** A legacy server that stops answering chunks is as dead as one that stops answering pings. */
  private armChunkTimer(): void {
    clearTimeout(this.timers.chunk);
    if (this.chunks.some((c) => c.sent && !c.answer)) {
      this.timers.chunk = setTimeout(() => this.abandon('The server stopped answering'), this.opts.chunkTimeoutMs);
    }
  }

  /** The next legacy answer belongs to the oldest chunk sent and not answered (in order). */
  private onChunkAnswer(answer: { text: string; language?: string }): void {
    const c = this.chunks.find((x) => x.sent && !x.answer);
    if (!c) return;
    c.answer = answer;
    this.deliverChunks();
    this.armChunkTimer();
  }

  private async postChunk(c: Chunk, generation: number): Promise<void> {
    this.restAbort ??= new AbortController();
    try {
      const answer = await transcribeWav(this.opts.url, encodeWav(this.log.slice(c.start, c.end), RATE), this.opts.sourceLanguage, this.opts.fetchImpl, this.restAbort.signal, this.opts.token);
      if (generation !== this.chunkGeneration) return;
      this.restInFlight--;
      c.answer = answer;
      c.failures = 0;
      if (this.state === 'reconnecting') this.setState('live');
      this.deliverChunks();
    } catch (err) {
      if (generation !== this.chunkGeneration) return;
      this.restInFlight--;
      c.sent = false;
      c.failures++;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof RestError && !err.retryable) {
        // This chunk cannot be transcribed: say so, and go on with the next one.
        c.answer = { text: '' };
        this.emit({ type: 'server-error', code: 'rest_rejected', message });
        this.deliverChunks();
      } else {
        const delay = backoffDelay(c.failures, this.opts.backoff, this.opts.random);
        if (this.state === 'live') this.setState('reconnecting', { attempt: c.failures, retryInMs: delay, reason: 'The transcription server did not answer' });
        clearTimeout(this.timers.restRetry);
        this.timers.restRetry = setTimeout(() => this.dispatchChunks(), delay);
        return;
      }
    }
    this.dispatchChunks();
  }

  /** Emits answered chunks in order and confirms their audio. */
  private deliverChunks(): void {
    while (this.chunks[0]?.answer) {
      const c = this.chunks.shift()!;
      const text = mergeChunkText(this.lastChunkText, c.answer!.text);
      if (text) {
        this.lastChunkText = text;
        this.emit({
          type: 'caption',
          caption: {
            kind: 'final',
            id: `${this.epoch}:c${c.seq}`,
            segmentId: c.seq,
            text,
            start: c.start / RATE,
            end: c.end / RATE,
            ...(c.answer!.language ? { language: c.answer!.language } : {}),
          },
          samples: [c.start, c.end],
        });
      }
      this.log.ack(c.end);
    }
    this.emitStatus();
    this.maybeFinishChunks();
  }

  private maybeFinishChunks(): void {
    if (this.state === 'stopping' && this.mode !== 'streaming' && this.chunks.length === 0) this.finish('stopped');
  }

  /** WebSocket unusable, HTTP fine: POST /transcribe, and look at the WebSocket again later. */
  private enterRest(): void {
    this.leaveChunkMode();
    this.mode = 'rest';
    this.server = null; // a WebSocket session after REST starts afresh from the confirmed audio
    this.emit({ type: 'ready', legacy: false, engine: 'POST /transcribe', model: '' });
    this.ready = false;
    this.everLive = true;
    this.attempt = 0;
    this.setState('live');
    this.enterChunkMode();
    this.emitStatus();
    this.scheduleWsRetry();
  }

  private scheduleWsRetry(): void {
    clearTimeout(this.timers.wsRetry);
    if (this.mode !== 'rest' || (this.state !== 'live' && this.state !== 'reconnecting')) return;
    this.timers.wsRetry = setTimeout(() => {
      if (this.mode !== 'rest' || this.ws) return;
      this.probing = true;
      this.connect();
    }, this.opts.wsRetryMs);
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
    this.probing = false;
    this.clearConnectionTimers();
    this.leaveChunkMode();
    for (const t of ['retry', 'stop', 'wsRetry'] as const) clearTimeout(this.timers[t]);
    clearInterval(this.statusTimer);
    this.log.clear();
    closeQuietly(ws, 1000, state === 'stopped' ? 'stopped' : 'error');
    if (this.state !== state) this.setState(state, reason ? { reason } : {});
    for (const wake of this.stopWaiters.splice(0)) wake();
  }

  private waitStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  /** Timers and the encoder of the connection that is going away. */
  private clearConnectionTimers(): void {
    for (const t of ['connect', 'ready', 'pong', 'chunk'] as const) clearTimeout(this.timers[t]);
    clearInterval(this.keepalive);
    this.keepalive = undefined;
    this.closeEncoder();
  }

  // ------------------------------------------------------------ helpers

  private sendJson(msg: object): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  private setState(state: StreamState, extra: Omit<Extract<StreamEvent, { type: 'state' }>, 'type' | 'state'> = {}): void {
    this.state = state;
    this.emit({ type: 'state', state, ...extra });
  }

  /** The server's `behind` on its last partial/final: its engine's lag for this session. */
  private engineBehind = 0;

  private emitStatus(): void {
    const engineBehindSeconds = round1(this.engineBehind);
    this.emit({ type: 'status', mode: this.mode, behindSeconds: round1(this.bufferedSeconds), droppedSeconds: round1(this.droppedSeconds), engineBehindSeconds });
  }

  private emit(event: StreamEvent): void {
    try {
      this.opts.onEvent(event);
    } catch (err) {
      console.error('[stream] event handler failed', err);
    }
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

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
    case 1007:
      return 'The server rejected a message as invalid';
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
    case 'too_many_connections':
      return 'Too many connections to the transcription server from this computer';
    default:
      return msg.message || `The server reported an error (${msg.code})`;
  }
}
