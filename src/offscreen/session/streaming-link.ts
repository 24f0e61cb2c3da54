// The streaming link (our protocol 2): init on each socket (PCM16 again if the server refuses
// Opus), raw frames over the WebSocket, a server session that a dropped connection resumes
// (re-sending from the sample the server reports), a fresh one fed again from the last final
// when the server lost it, finals de-duplicated by segment id, and keepalives.

import { PROTOCOL_VERSION, WIRE_SAMPLE_RATE as RATE } from '../../../protocol/index.ts';
import type { ErrorMessage, InitMessage, ReadyMessage, ServerMessage } from '../../../protocol/index.ts';
import type { Link, LinkHost } from './link.ts';
import type { ServerSocket } from './server-socket.ts';
import type { ResolvedOptions } from './types.ts';
import { WireEncoding } from './wire-encoder.ts';
import { WORDS } from './wording.ts';

/** The protocol-2 server session our audio timeline is attached to. */
interface ServerSessionRecord {
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

type Segment = Extract<ServerMessage, { type: 'partial' | 'final' }>;

/** Lives as long as the session: the server session outlasts the sockets that carry it. */
export class StreamingLink implements Link {
  readonly mode = 'streaming' as const;
  readonly wire: WireEncoding;
  private server: ServerSessionRecord | null = null;
  /** The socket the audio goes to, once the server is ready on it. */
  private socket: ServerSocket | null = null;
  /** The socket init went out on last (it takes audio once the server is ready). */
  private greeted: ServerSocket | null = null;
  /** Last sample the current socket has been sent. */
  private sentTo = 0;
  /** The server's `behind` on its last partial/final: its engine's lag for this session. */
  engineBehind = 0;

  constructor(
    private readonly host: LinkHost,
    private readonly opts: Pick<ResolvedOptions, 'sourceLanguage' | 'targetLanguage' | 'engine' | 'token' | 'createOpusEncoder'>,
    private readonly nextEpoch: () => number,
  ) {
    this.wire = new WireEncoding(opts.createOpusEncoder);
  }

  /** The cluster node to ask for on reconnect (only while there is a session to resume). */
  get routingNode(): string | undefined {
    return this.server?.token ? this.server.node : undefined;
  }

  /** A new socket is open: init, resuming the server session if there is one. */
  greet(socket: ServerSocket): void {
    this.greeted = socket;
    socket.sendJson(this.initMessage());
  }

  initMessage(): InitMessage {
    const init: InitMessage = {
      type: 'init',
      sourceLanguage: this.opts.sourceLanguage,
      targetLanguage: this.opts.targetLanguage,
      engine: this.opts.engine,
      protocol: PROTOCOL_VERSION,
      audio: { encoding: this.wire.encoding, sampleRate: RATE, channels: 1 },
    };
    if (this.opts.token) init.token = this.opts.token;
    if (this.server?.token) {
      init.resume = {
        sessionId: this.server.id,
        token: this.server.token,
        audioOffset: Math.max(0, this.sentTo - this.server.base),
        lastSegmentId: this.server.lastFinalId,
      };
    }
    return init;
  }

  /** `ready`: resume the server session (or start one) and report it; returns the sample to send from. */
  accept(ready: ReadyMessage): number {
    const old = this.server;
    let from: number;
    if (old && ready.resumed && ready.sessionId === old.id) {
      from = old.base + (ready.receivedSamples ?? 0);
    } else {
      // A new server session (first connect, or the old one is gone): it starts its timeline at
      // the first audio not yet confirmed by a final, so nothing is lost and nothing repeated.
      if (old?.openPartial !== null && old?.openPartial !== undefined) this.emitCaption(old, 'final', old.openPartial, '', 0, 0);
      const log = this.host.log;
      from = Math.max(log.acked, log.start);
      this.server = {
        id: ready.sessionId,
        token: ready.resumeToken,
        base: from,
        finals: new Set(),
        lastFinalId: -1,
        openPartial: null,
        epoch: this.nextEpoch(),
        ...(ready.node ? { node: ready.node } : {}),
      };
    }
    this.host.emit({
      type: 'ready',
      original: false,
      engine: ready.engine,
      model: ready.model,
      ...(ready.notice ? { notice: ready.notice } : {}),
      ...(ready.resumed !== undefined ? { resumed: ready.resumed } : {}),
      ...(ready.translation ? { translation: ready.translation } : {}),
      encoding: this.wire.encoding,
    });
    return from;
  }

  /** Starts sending on `socket` from sample `from`: the backlog at once, then each live frame. */
  start(from: number, socket: ServerSocket): void {
    this.socket = socket;
    socket.startKeepalive();
    this.sentTo = Math.max(from, this.host.log.start);
    this.wire.open(
      (data) => socket.sendBinary(data),
      (err) => {
        if (this.socket === socket) this.onEncoderError(err);
      },
    );
    this.send();
  }

  push(): void {
    if (this.socket?.isOpen) this.send();
  }

  /** Asks the server to finalize what it has heard so far (once it is ready on this socket). */
  flush(): void {
    this.socket?.sendJson({ type: 'flush' });
  }

  /** `stop` once the encoder's last packets are out: they must reach the server before it. */
  stop(): void {
    const socket = this.socket;
    const flushed = this.wire.flushed();
    if (!flushed) return socket?.sendJson({ type: 'stop' });
    void flushed.then(() => {
      if (this.socket === socket) socket?.sendJson({ type: 'stop' });
    });
  }

  behind(unconfirmedFrom: number, connected: boolean): number {
    return this.host.log.end - (connected ? Math.max(this.sentTo, unconfirmedFrom) : unconfirmedFrom);
  }

  /** The socket is gone; the server session stays for a resume. */
  close(): void {
    this.socket = null;
    this.wire.close();
  }

  /** The next connection starts a new server session (no resume). */
  dropResume(): void {
    if (this.server) this.server.token = undefined;
  }

  /** A WebSocket session after REST starts afresh from the confirmed audio. */
  forget(): void {
    this.server = null;
  }

  /** Captions and translations; before `ready`, a refusal of Opus. */
  onMessage(msg: ServerMessage): boolean {
    switch (msg.type) {
      case 'partial':
      case 'final':
        this.onSegment(msg);
        return true;
      case 'translation':
        // Same id scheme as the caption it translates (server sessions, not sockets).
        if (this.server) this.host.emit({ type: 'translation', id: `${this.server.epoch}:${msg.segmentId}`, text: msg.text, language: msg.language });
        return true;
      case 'error':
        return this.onInitRefused(msg);
      default:
        return false;
    }
  }

  /** A protocol-2 server without Opus refused init (non-fatal, before `ready`): ask again with PCM16. */
  private onInitRefused(msg: ErrorMessage): boolean {
    if (this.socket || msg.code !== 'unsupported_audio' || !this.wire.fallBackToPcm()) return false;
    this.host.emit({ type: 'notice', message: WORDS.opusRefused });
    this.greeted?.sendJson(this.initMessage());
    return true;
  }

  private send(): void {
    const log = this.host.log;
    if (!this.socket?.isOpen || this.sentTo >= log.end) return;
    for (const f of log.range(this.sentTo)) this.wire.write(f.pcm);
    this.sentTo = log.end;
  }

  /**
   * The encoder broke: send PCM16 from now on. The server session decodes Opus and cannot
   * take PCM16, so a new one starts from the end of the last final (nothing lost).
   */
  private onEncoderError(err: Error): void {
    console.warn('[stream] Opus encoder failed:', err.message);
    if (!this.wire.fallBackToPcm()) return;
    this.host.emit({ type: 'notice', message: WORDS.opusFailed });
    this.dropResume();
    this.host.lost(WORDS.switchingToPcm);
  }

  private onSegment(msg: Segment): void {
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
    this.host.log.ack(Math.min(this.sentTo, s.base + Math.round(msg.end * RATE)));
  }

  private emitCaption(s: ServerSessionRecord, kind: 'partial' | 'final', segmentId: number, text: string, start: number, end: number, language?: string): void {
    this.host.emit({
      type: 'caption',
      caption: { kind, id: `${s.epoch}:${segmentId}`, segmentId, text, start, end, ...(language ? { language } : {}) },
      samples: [s.base + Math.round(start * RATE), s.base + Math.round(end * RATE)],
    });
  }
}
