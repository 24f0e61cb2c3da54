// One tab's session with the transcription server: a state machine that never loses speech.
// It knows nothing about Chrome, audio capture or the DOM, so unit tests drive it with
// mock-socket, a fake fetch and fake timers.
//
//   idle → connecting → live ⇄ reconnecting → stopping → stopped
//                  ↘──────────────↘────────────────────→ error
//
// This core keeps the state machine, the AudioLog (every sample until the server confirms it;
// after an outage its backlog goes first), backoff, the choice of link and the events. Links
// (link.ts): `streaming` (streaming-link.ts, our protocol 2), `original` (chunk-link.ts over the
// original protocol's socket, as server-socket.ts tells it) and `rest` (chunk-link.ts over POST
// /transcribe while the WebSocket fails; ws-probe.ts looks at it again now and then).

import { CloseCode, WIRE_SAMPLE_RATE as RATE } from '../../../protocol/index.ts';
import type { AudioEncoding, ErrorMessage, ReadyMessage, ServerMessage } from '../../../protocol/index.ts';
import { withRoutingHint } from './cluster-hints.ts';
import { httpAnswers } from './rest-transcribe.ts';
import { ChunkLink, type CaptionIds } from './chunk-link.ts';
import type { Link, LinkHost } from './link.ts';
import { ReconnectPolicy } from './reconnect-policy.ts';
import { StreamSessionReporter } from './reporter.ts';
import { ServerSocket, type ServerKind } from './server-socket.ts';
import { StreamingLink } from './streaming-link.ts';
import { resolveOptions, type ResolvedOptions, type StreamSessionOptions } from './types.ts';
import { plainClose, plainServerError, WORDS } from './wording.ts';
import { WsProbe } from './ws-probe.ts';

export class StreamSession extends StreamSessionReporter implements LinkHost {
  private readonly opts: ResolvedOptions;
  private socket: ServerSocket | null = null;
  /** The current socket may take audio. */
  private ready = false;
  private readonly reconnects: ReconnectPolicy;
  private readonly probe: WsProbe;
  private readonly streaming: StreamingLink;
  /** The chunk link while in a chunk mode (original-protocol, REST). */
  private chunkLink: ChunkLink | null = null;
  private readonly ids: CaptionIds = { epoch: 0, chunk: 0 };
  private timers: Record<'retry' | 'stop', ReturnType<typeof setTimeout> | undefined> = { retry: undefined, stop: undefined };
  private stopWaiters: (() => void)[] = [];
  /** Whether this server has shown it speaks protocol 2 (server-socket.ts keeps it). */
  private readonly serverKind: ServerKind = { speaksProtocol2: false };

  constructor(options: StreamSessionOptions) {
    const opts = resolveOptions(options);
    super(opts.onEvent, opts.maxBufferSeconds);
    this.opts = opts;
    this.streaming = new StreamingLink(this, opts, () => ++this.ids.epoch);
    this.reconnects = new ReconnectPolicy(opts);
    const running = () => this.state === 'live' || this.state === 'reconnecting';
    this.probe = new WsProbe(opts.wsRetryMs, () => this.mode === 'rest' && !this.socket && running(), () => this.connect());
  }

  /** The wire encoding streaming uses now. */
  get audioEncoding(): AudioEncoding {
    return this.streaming.wire.encoding;
  }

  /** The link of the current mode (none in a chunk mode that has ended). */
  private get link(): Link | null {
    return this.mode === 'streaming' ? this.streaming : this.chunkLink;
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
    this.link?.push(this.record(pcm)); // the streaming link sends once the server is ready on its socket
  }

  /** Asks the server to finalize what it has heard so far (e.g. the tab paused). */
  flush(): void {
    if (this.mode === 'streaming') this.streaming.flush();
  }

  /** Ends the session; while live, waits for the server's last finals first. */
  stop(): Promise<void> {
    if (this.state === 'idle') this.setState('stopped');
    else if (this.state === 'connecting' || this.state === 'reconnecting') this.finish('stopped');
    else if (this.state === 'live') {
      const stopped = this.waitStopped(); // before the link stops: a chunk link with nothing left ends at once
      this.setState('stopping');
      this.timers.stop = setTimeout(() => this.finish('stopped'), this.opts.stopTimeoutMs);
      // Streaming: `stop` to the server, ended by its `done`. Chunks: the rest becomes the
      // last chunk, ended once every chunk is answered.
      this.link?.stop();
      return stopped;
    }
    return this.state === 'stopping' ? this.waitStopped() : Promise.resolve();
  }

  /** How far behind live the captions are, in seconds of audio waiting for the server (Link.behind). */
  get bufferedSeconds(): number {
    return this.link ? this.link.behind(Math.max(this.log.acked, this.log.start), this.ready) / RATE : 0;
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
        onOpen: () => this.streaming.greet(socket),
        onReady: (msg) => this.becomeStreaming(msg),
        onOriginalProtocol: () => this.becomeOriginal(),
        onMessage: (msg) => this.onServerMessage(msg),
        onBadFirstMessage: () => this.emit({ type: 'server-error', code: 'bad_message', message: WORDS.badMessage }),
        onClose: (code, reason, opened) => this.onClose(code, reason, opened),
        onDead: (reason) => this.abandon(reason),
      }, this.opts, this.serverKind);
    } catch {
      return this.finish('error', WORDS.badAddress(this.opts.url));
    }
    this.socket = socket;
  }

  /** The rest goes to the link of the mode (a chunk link once the server took the session). */
  private onServerMessage(msg: ServerMessage): void {
    if (msg.type === 'done') {
      if (this.state === 'stopping') this.finish('stopped');
    } else if (msg.type === 'error' && msg.fatal) {
      this.onFatalError(msg);
    } else if (!(this.mode === 'streaming' ? this.streaming.onMessage(msg) : this.ready && this.chunkLink?.onMessage(msg))) {
      // Not the link's. A non-fatal error: the session goes on (a failed resume is expected
      // after a server restart; the new session follows).
      if (msg.type === 'error' && msg.code !== 'resume_failed') this.emit({ type: 'server-error', code: msg.code, message: msg.message });
    }
  }

  /** `ready` from a protocol-2 server: resume (or start) its session, then send the backlog. */
  private becomeStreaming(ready: ReadyMessage): void {
    // A slow protocol-2 server answered after we took it for the original protocol: start over
    // properly (its WAV chunks were not confirmed, so they are sent again as a stream).
    if (this.mode === 'original' && this.ready) return this.abandon(WORDS.switchingToStreaming);
    if (!this.connectingOrProbing()) return;
    const wasRest = this.mode === 'rest';
    this.leaveChunkMode();
    this.mode = 'streaming';
    const from = this.streaming.accept(ready);
    this.goLive();
    this.streaming.start(from, this.socket!);
    if (wasRest) this.emitStatus();
  }

  /** The server is of the original protocol: WAV chunks over this socket. */
  private becomeOriginal(): void {
    if ((this.ready && this.mode === 'original') || !this.connectingOrProbing()) return;
    this.leaveChunkMode();
    this.mode = 'original';
    this.emit({ type: 'ready', original: true, engine: '', model: '' });
    this.goLive();
    this.chunkLink = ChunkLink.overSocket(this, this.socket!, this.opts, this.ids, () => this.abandon(WORDS.stoppedAnswering));
    this.chunkLink.start();
  }

  private connectingOrProbing(): boolean {
    return this.state === 'connecting' || this.state === 'reconnecting' || (this.probe.active && this.state === 'live');
  }

  private goLive(): void {
    this.probe.stop();
    this.ready = true;
    this.reconnects.connected();
    if (this.state !== 'live') this.setState('live');
    this.emitStatus();
  }

  private onFatalError(msg: ErrorMessage): void {
    const retry = this.reconnects.afterFatal(msg, this.ready);
    if (!retry) return this.finish('error', plainServerError(msg));
    if (retry.sessionMoved) this.streaming.dropResume(); // its node drains: a new session elsewhere
    this.abandon(retry.reason);
  }

  private onClose(code: number, reason: string, opened: boolean): void {
    this.dropSocket();
    if (this.probe.failed()) return;
    if (this.state === 'stopping' && this.mode !== 'rest') return this.finish('stopped');
    if (this.state !== 'connecting' && this.state !== 'live' && this.state !== 'reconnecting') return;
    if (code === CloseCode.policy) return this.finish('error', WORDS.refused(reason));
    if (!opened) this.reconnects.notOpened();
    void this.scheduleReconnect(opened ? plainClose(code) : WORDS.unreachable(this.opts.url), !opened);
  }

  /** Drops the current socket on purpose (dead, or a retryable fatal error) and reconnects. */
  private abandon(reason: string): void {
    this.dropSocket({ code: 4001, reason: 'reconnecting' });
    if (this.probe.failed()) return;
    if (this.state === 'stopping') this.finish('stopped');
    else void this.scheduleReconnect(reason, false);
  }

  /** The socket goes away with its timers and encoder; an original-protocol link's unanswered chunks go again. */
  private dropSocket(close?: { code: number; reason: string }): void {
    const socket = this.socket;
    this.socket = null;
    socket?.drop(close);
    this.streaming.close();
    if (this.mode === 'original') this.chunkLink?.pause();
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
    if (delay === null) return this.finish('error', reason);
    this.setState('reconnecting', { attempt: this.reconnects.attempt, retryInMs: delay, reason });
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.connect(), delay);
  }

  // ------------------------------------------------------------ chunk modes (original-protocol, REST)

  /** WebSocket unusable, HTTP fine: POST /transcribe, and look at the WebSocket again later. */
  private enterRest(): void {
    this.leaveChunkMode();
    this.mode = 'rest';
    this.streaming.forget(); // a WebSocket session after REST starts afresh from the confirmed audio
    this.emit({ type: 'ready', original: false, engine: 'POST /transcribe', model: '' });
    this.ready = false;
    this.reconnects.onRest();
    this.setState('live');
    this.chunkLink = ChunkLink.overRest(this, this.opts, this.ids);
    this.chunkLink.start();
    this.emitStatus();
    this.probe.schedule();
  }

  private leaveChunkMode(): void {
    this.chunkLink?.close();
    this.chunkLink = null;
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

  /** Final transition: closes everything and wakes stop() callers. */
  private finish(state: 'stopped' | 'error', reason?: string): void {
    this.ready = false;
    this.probe.stop();
    this.dropSocket({ code: 1000, reason: state === 'stopped' ? 'stopped' : 'error' });
    this.leaveChunkMode();
    clearTimeout(this.timers.retry);
    clearTimeout(this.timers.stop);
    this.stopStatus();
    this.log.clear();
    if (this.state !== state) this.setState(state, reason ? { reason } : {});
    for (const wake of this.stopWaiters.splice(0)) wake();
  }

  private waitStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }
}
