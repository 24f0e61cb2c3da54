// One tab's session with the transcription server: a state machine that never loses speech.
// It knows nothing about Chrome, audio capture or the DOM, so unit tests drive it with
// mock-socket, a fake fetch and fake timers.
//
//   idle → connecting → live ⇄ reconnecting → stopping → stopped
//                  ↘──────────────↘────────────────────→ error
//
// This core keeps the state machine, the AudioLog (every sample until the server confirms it;
// after an outage its backlog goes first), backoff, the choice of link and the events. Links
// (link.ts): `streaming` (streaming-link.ts, our protocol 2, resumable), `legacy` (chunk-link.ts
// over ws-chunk-sender.ts, the original design's server, told by its first answer) and `rest`
// (chunk-link.ts over rest-chunk-sender.ts: POST /transcribe while the WebSocket fails).

import { CloseCode, WIRE_SAMPLE_RATE as RATE } from '../../../protocol/index.ts';
import type { AudioEncoding, ErrorMessage, ReadyMessage, ServerMessage } from '../../../protocol/index.ts';
import { retryHintFor, withRoutingHint } from '../cluster-hints.ts';
import { httpAnswers } from '../rest-transcribe.ts';
import { ChunkLink } from './chunk-link.ts';
import type { LinkHost } from './link.ts';
import { ReconnectPolicy } from './reconnect-policy.ts';
import { RestChunkSender } from './rest-chunk-sender.ts';
import { ServerSocket } from './server-socket.ts';
import { StreamingLink } from './streaming-link.ts';
import { SessionReporter } from './reporter.ts';
import { resolveOptions, type ResolvedOptions, type StreamSessionOptions } from './types.ts';
import { plainClose, plainServerError, WORDS } from './wording.ts';
import { WsChunkSender } from './ws-chunk-sender.ts';

/** Fatal server errors worth reconnecting after: the server is fine, just not right now. */
const RETRYABLE_CODES = new Set(['overloaded', 'busy', 'idle_timeout', 'shutting_down', 'too_many_connections']);

type Timer = ReturnType<typeof setTimeout> | undefined;

export class StreamSession extends SessionReporter implements LinkHost {
  private readonly opts: ResolvedOptions;
  private socket: ServerSocket | null = null;
  /** The current socket may take audio. */
  private ready = false;
  private readonly reconnects: ReconnectPolicy;
  private epoch = 0;
  private chunkSeq = 0;
  private readonly streaming: StreamingLink;
  /** The chunk link while in a chunk mode (legacy, REST). */
  private chunkLink: ChunkLink | null = null;
  private timers: Record<'retry' | 'stop' | 'wsRetry', Timer> = { retry: undefined, stop: undefined, wsRetry: undefined };
  private stopWaiters: (() => void)[] = [];
  /** The socket in flight is only a check whether WebSocket works again (REST stays on meanwhile). */
  private probing = false;
  /** This server has sent `ready` once: it is not of the original design. */
  private sawReady = false;

  constructor(options: StreamSessionOptions) {
    const opts = resolveOptions(options);
    super(opts.onEvent, opts.maxBufferSeconds);
    this.opts = opts;
    this.streaming = new StreamingLink(this, this.opts, () => ++this.epoch);
    this.reconnects = new ReconnectPolicy(this.opts);
  }

  /** The wire encoding streaming uses now. */
  get audioEncoding(): AudioEncoding {
    return this.streaming.wire.encoding;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.setState('connecting');
    this.startStatus();
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

  protected get engineBehindSeconds(): number {
    return this.streaming.engineBehind;
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
    this.reconnects.connected();
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
      const hint = (this.reconnects.hint = retryHintFor(msg, this.ready));
      if (hint?.sessionMoved) this.streaming.dropResume(); // its node drains: a new session elsewhere
      this.abandon(hint?.reason ?? plainServerError(msg));
      return;
    }
    this.fail(plainServerError(msg));
  }

  private onClose(code: number, reason: string, opened: boolean): void {
    this.dropSocket();
    if (this.probeFailed()) return;
    if (this.state === 'stopping' && this.mode !== 'rest') {
      this.finish('stopped');
      return;
    }
    if (this.state !== 'connecting' && this.state !== 'live' && this.state !== 'reconnecting') return;
    if (code === CloseCode.policy) {
      this.fail(WORDS.refused(reason));
      return;
    }
    if (!opened) this.reconnects.notOpened();
    void this.scheduleReconnect(opened ? plainClose(code) : WORDS.unreachable(this.opts.url), !opened);
  }

  /** Drops the current socket on purpose (dead, or a retryable fatal error) and reconnects. */
  private abandon(reason: string): void {
    this.dropSocket({ code: 4001, reason: 'reconnecting' });
    if (this.probeFailed()) return;
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
    if (this.reconnects.lost(neverOpened)) {
      const state = this.state;
      const up = await httpAnswers(this.opts.url, this.opts.fetchImpl);
      if (this.state !== state || this.socket) return; // stopped meanwhile
      if (up) return this.enterRest();
    }
    const delay = this.reconnects.nextDelay();
    if (delay === null) return this.fail(reason);
    this.setState('reconnecting', { attempt: this.reconnects.attempt, retryInMs: delay, reason });
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
    this.reconnects.onRest();
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

  /** The socket was only a look whether the WebSocket works again: REST goes on, look later. */
  private probeFailed(): boolean {
    if (!this.probing) return false;
    this.probing = false;
    this.scheduleWsRetry();
    return true;
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
    this.stopStatus();
    this.log.clear();
    if (this.state !== state) this.setState(state, reason ? { reason } : {});
    for (const wake of this.stopWaiters.splice(0)) wake();
  }

  private waitStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }
}
