// One tab's session with the transcription server: a state machine that never loses speech.
// It knows nothing about Chrome, audio capture or the DOM, so unit tests drive it with
// mock-socket, a fake fetch and fake timers.
//
//   idle → connecting → live ⇄ reconnecting → stopping → stopped
//                  ↘──────────────↘────────────────────→ error
//
// This core keeps the state machine, the AudioLog (every captured sample stays there until
// the server confirms it), backoff, the choice of link and the events. The links (link.ts):
// - `streaming` (streaming-link.ts, our protocol 2): frames over the WebSocket, resumable.
// - `legacy` (chunk-link.ts over ws-chunk-sender.ts; the original design's server, told by
//   its first answer): WAV chunks cut at pauses over the WebSocket, answered in order.
// - `rest` (chunk-link.ts over rest-chunk-sender.ts): the same chunks over POST /transcribe
//   when the WebSocket is missing or keeps failing but HTTP answers; the WebSocket is tried
//   again now and then.
// After an outage the log's backlog is sent first (as fast as the socket takes it), then live audio.

import { CloseCode, WIRE_SAMPLE_RATE as RATE } from '../../shared/protocol.ts';
import type { AudioEncoding, ErrorMessage, ReadyMessage, ServerMessage } from '../../shared/protocol.ts';
import type { TransportMode } from '../../shared/session-state.ts';
import { AudioLog } from '../audio-log.ts';
import { backoffDelay, DEFAULT_BACKOFF } from '../backoff.ts';
import { retryHintFor, withRoutingHint, type RetryHint } from '../cluster-hints.ts';
import { DEFAULT_CHUNKER } from '../pause-chunker.ts';
import { httpAnswers } from '../rest-transcribe.ts';
import { ChunkLink } from './chunk-link.ts';
import type { LinkHost } from './link.ts';
import { RestChunkSender } from './rest-chunk-sender.ts';
import { ServerSocket } from './server-socket.ts';
import { StreamingLink } from './streaming-link.ts';
import type { ResolvedOptions, StateExtra, StreamEvent, StreamSessionOptions, StreamState } from './types.ts';
import { plainClose, plainServerError, WORDS } from './wording.ts';
import { WsChunkSender } from './ws-chunk-sender.ts';

/** Fatal server errors worth reconnecting after: the server is fine, just not right now. */
const RETRYABLE_CODES = new Set(['overloaded', 'busy', 'idle_timeout', 'shutting_down', 'too_many_connections']);

type Timer = ReturnType<typeof setTimeout> | undefined;

export class StreamSession implements LinkHost {
  state: StreamState = 'idle';
  mode: TransportMode = 'streaming';
  private readonly opts: ResolvedOptions;
  readonly log: AudioLog;
  private socket: ServerSocket | null = null;
  /** The current socket may take audio. */
  private ready = false;
  private everLive = false;
  private attempt = 0;
  /** WebSocket failures in a row, for the REST decision. */
  private wsFailures = 0;
  private epoch = 0;
  private chunkSeq = 0;
  private readonly streaming: StreamingLink;
  /** The chunk link while in a chunk mode (legacy, REST). */
  private chunkLink: ChunkLink | null = null;
  private timers: Record<'retry' | 'stop' | 'wsRetry', Timer> = { retry: undefined, stop: undefined, wsRetry: undefined };
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
    this.streaming = new StreamingLink(this, this.opts, () => ++this.epoch);
  }

  /** The wire encoding streaming uses now. */
  get audioEncoding(): AudioEncoding {
    return this.streaming.wire.encoding;
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
      if (this.ready) this.streaming.push();
    } else {
      this.chunkLink?.push(samples);
    }
  }

  /** Asks the server to finalize what it has heard so far (e.g. the tab paused). */
  flush(): void {
    if (this.ready && this.mode === 'streaming') this.socket?.sendJson({ type: 'flush' });
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
        // Streaming: `stop` to the server, ended by its `done`. Chunks: the rest becomes the
        // last chunk, ended once every chunk is answered.
        if (this.mode === 'streaming') this.streaming.stop();
        else if (this.chunkLink) this.chunkLink.stop();
        else this.drained();
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
    if (this.mode === 'streaming') return this.streaming.behind(unconfirmedFrom, this.ready) / RATE;
    if (this.chunkLink) return this.chunkLink.behind(unconfirmedFrom, this.ready) / RATE;
    return this.mode === 'legacy' && !this.ready ? (this.log.end - unconfirmedFrom) / RATE : 0;
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
    this.socket?.drop();
    let socket: ServerSocket;
    try {
      socket = new ServerSocket(this.opts.WebSocketImpl, withRoutingHint(this.opts.url, this.streaming.routingNode), {
        onOpen: () => {
          socket.sendJson(this.streaming.initMessage());
          // Servers of the original design may stay silent until audio comes: after a while assume one
          // (not once this server has shown it speaks protocol 2).
          if (!this.sawReady) socket.expectAnswerWithin(this.opts.readyTimeoutMs, () => this.becomeLegacy());
        },
        onMessage: (msg) => this.onServerMessage(msg),
        onBadFirstMessage: () => this.emit({ type: 'server-error', code: 'bad_message', message: WORDS.badMessage }),
        onClose: (code, reason, opened) => this.onClose(code, reason, opened),
        onDead: (reason) => this.abandon(reason),
      }, this.opts);
    } catch {
      this.fail(WORDS.badAddress(this.opts.url));
      return;
    }
    this.socket = socket;
  }

  private onServerMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'ready':
        this.becomeStreaming(msg);
        break;
      case 'partial':
      case 'final':
      case 'translation':
        if (this.mode === 'streaming') this.streaming.onMessage(msg);
        break;
      case 'transcription':
        if (!this.ready) this.becomeLegacy();
        if (this.mode === 'legacy') this.chunkLink?.answerOldest({ text: msg.text, ...(msg.language ? { language: msg.language } : {}) });
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
    this.socket?.settled();
    if (this.mode === 'legacy' && this.ready) {
      // A slow protocol-2 server answered after we took it for the original design: start over
      // properly (its WAV chunks were not confirmed, so they are sent again as a stream).
      this.sawReady = true;
      this.abandon(WORDS.switchingToStreaming);
      return;
    }
    if (!this.connectingOrProbing()) return;
    const wasRest = this.mode === 'rest';
    this.sawReady = true;
    this.leaveChunkMode();
    this.mode = 'streaming';
    const from = this.streaming.accept(ready);
    this.goLive();
    this.socket!.startKeepalive();
    this.streaming.start(from, this.socket!);
    if (wasRest) this.emitStatus();
  }

  /** The server is of the original design: WAV chunks over this socket. */
  private becomeLegacy(): void {
    this.socket?.settled();
    if (this.ready && this.mode === 'legacy') return;
    if (!this.connectingOrProbing()) return;
    this.leaveChunkMode();
    this.mode = 'legacy';
    this.emit({ type: 'ready', legacy: true, engine: '', model: '' });
    this.goLive();
    const sender = new WsChunkSender(this.socket!, this.log, this.opts.chunkTimeoutMs, () => this.abandon(WORDS.stoppedAnswering));
    this.enterChunkMode('legacy', sender);
  }

  private connectingOrProbing(): boolean {
    return this.state === 'connecting' || this.state === 'reconnecting' || (this.probing && this.state === 'live');
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

  private onServerError(msg: ErrorMessage): void {
    if (!msg.fatal && this.mode === 'legacy' && this.ready) {
      // The original design answers a chunk it could not transcribe with an error instead of
      // a transcription: that is this chunk's answer (answers come in order). The user is told.
      this.emit({ type: 'server-error', code: msg.code, message: msg.message });
      this.chunkLink?.answerOldest({ text: '' });
      return;
    }
    if (!msg.fatal && msg.code === 'unsupported_audio' && !this.ready && this.mode === 'streaming' && this.streaming.wire.encoding === 'opus') {
      // A protocol-2 server without Opus refused init (non-fatal): ask again with PCM16.
      this.streaming.wire.fallBackToPcm();
      this.emit({ type: 'notice', message: WORDS.opusRefused });
      this.socket?.sendJson(this.streaming.initMessage());
      return;
    }
    if (!msg.fatal) {
      // A failed resume is expected after a server restart; the new session follows.
      if (msg.code !== 'resume_failed') this.emit({ type: 'server-error', code: msg.code, message: msg.message });
      return;
    }
    if (RETRYABLE_CODES.has(msg.code)) {
      this.retryHint = retryHintFor(msg, this.ready);
      if (this.retryHint?.sessionMoved) this.streaming.dropResume(); // its node drains: a new session elsewhere
      this.abandon(this.retryHint?.reason ?? plainServerError(msg));
      return;
    }
    this.fail(plainServerError(msg));
  }

  private onClose(code: number, reason: string, opened: boolean): void {
    this.dropSocket();
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
      this.fail(WORDS.refused(reason));
      return;
    }
    if (!opened) this.wsFailures++;
    void this.scheduleReconnect(opened ? plainClose(code) : WORDS.unreachable(this.opts.url), !opened);
  }

  /** Drops the current socket on purpose (dead, or a retryable fatal error) and reconnects. */
  private abandon(reason: string): void {
    this.dropSocket({ code: 4001, reason: 'reconnecting' });
    if (this.probing) {
      this.probing = false;
      this.scheduleWsRetry();
      return;
    }
    if (this.state === 'stopping') this.finish('stopped');
    else void this.scheduleReconnect(reason, false);
  }

  /** The socket goes away with its timers and encoder; a legacy link's unanswered chunks go again. */
  private dropSocket(close?: { code: number; reason: string }): void {
    const socket = this.socket;
    this.socket = null;
    socket?.drop(close);
    this.streaming.close();
    if (this.mode === 'legacy') this.chunkLink?.pause();
  }

  private async scheduleReconnect(reason: string, neverOpened: boolean): Promise<void> {
    this.ready = false;
    this.attempt++;
    // The WebSocket itself fails (missing /ws, a proxy that blocks it), yet HTTP answers: REST.
    const tryRest = neverOpened && (!this.everLive ? this.attempt >= 2 : this.wsFailures >= this.opts.restAfterFailures);
    if (tryRest || (!this.everLive && this.attempt > this.opts.maxInitialAttempts)) {
      const state = this.state;
      const up = await httpAnswers(this.opts.url, this.opts.fetchImpl);
      if (this.state !== state || this.socket) return; // stopped meanwhile
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

  // ------------------------------------------------------------ chunk modes (legacy, REST)

  private enterChunkMode(mode: 'legacy' | 'rest', sender: WsChunkSender | RestChunkSender): void {
    this.chunkLink = new ChunkLink(mode, this, sender, ++this.epoch, () => this.chunkSeq++, this.opts.chunker);
    this.chunkLink.start();
  }

  private leaveChunkMode(): void {
    this.chunkLink?.close();
    this.chunkLink = null;
  }

  /** WebSocket unusable, HTTP fine: POST /transcribe, and look at the WebSocket again later. */
  private enterRest(): void {
    this.leaveChunkMode();
    this.mode = 'rest';
    this.streaming.forget(); // a WebSocket session after REST starts afresh from the confirmed audio
    this.emit({ type: 'ready', legacy: false, engine: 'POST /transcribe', model: '' });
    this.ready = false;
    this.everLive = true;
    this.attempt = 0;
    this.setState('live');
    this.enterChunkMode('rest', new RestChunkSender(this, this.opts));
    this.emitStatus();
    this.scheduleWsRetry();
  }

  private scheduleWsRetry(): void {
    clearTimeout(this.timers.wsRetry);
    if (this.mode !== 'rest' || (this.state !== 'live' && this.state !== 'reconnecting')) return;
    this.timers.wsRetry = setTimeout(() => {
      if (this.mode !== 'rest' || this.socket) return;
      this.probing = true;
      this.connect();
    }, this.opts.wsRetryMs);
  }

  /** LinkHost: every chunk is answered. */
  drained(): void {
    if (this.state === 'stopping' && this.mode !== 'streaming') this.finish('stopped');
  }

  /** LinkHost: the link's connection is lost. */
  lost(reason: string): void {
    if (this.socket) this.abandon(reason);
  }

  // ------------------------------------------------------------ endings

  private fail(reason: string): void {
    this.finish('error', reason);
  }

  /** Final transition: closes everything and wakes stop() callers. */
  private finish(state: 'stopped' | 'error', reason?: string): void {
    this.ready = false;
    this.probing = false;
    this.dropSocket({ code: 1000, reason: state === 'stopped' ? 'stopped' : 'error' });
    this.leaveChunkMode();
    for (const t of ['retry', 'stop', 'wsRetry'] as const) clearTimeout(this.timers[t]);
    clearInterval(this.statusTimer);
    this.log.clear();
    if (this.state !== state) this.setState(state, reason ? { reason } : {});
    for (const wake of this.stopWaiters.splice(0)) wake();
  }

  private waitStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  // ------------------------------------------------------------ events

  setState(state: StreamState, extra: StateExtra = {}): void {
    this.state = state;
    this.emit({ type: 'state', state, ...extra });
  }

  emitStatus(): void {
    const round1 = (x: number) => Math.round(x * 10) / 10;
    const engineBehindSeconds = round1(this.streaming.engineBehind);
    this.emit({ type: 'status', mode: this.mode, behindSeconds: round1(this.bufferedSeconds), droppedSeconds: round1(this.droppedSeconds), engineBehindSeconds });
  }

  emit(event: StreamEvent): void {
    try {
      this.opts.onEvent(event);
    } catch (err) {
      console.error('[stream] event handler failed', err);
    }
  }
}
