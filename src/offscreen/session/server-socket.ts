// One WebSocket to the transcription server: connect timeout, parsing of its messages,
// keepalive with a dead-connection check, quiet closing, and telling our server (it answers
// init with `ready`) from one of the original protocol (`connection`, a `transcription`, or silence).

import { parseServerMessage, type ReadyMessage, type ServerMessage } from '../../../protocol/index.ts';
import type { WebSocketConstructor } from './types.ts';
import { WORDS } from './wording.ts';

const OPEN = 1;

export interface ServerSocketHandlers {
  onOpen(): void;
  /** A server of our protocol 2 took the session. */
  onReady(msg: ReadyMessage): void;
  /** An original-protocol server: it said `connection`, answered with a `transcription` first, or stayed silent. */
  onOriginalProtocol(): void;
  /** Every other message (a first `transcription` comes here too, after `onOriginalProtocol`). */
  onMessage(msg: ServerMessage): void;
  /** The first message could not be read (later ones are only logged). */
  onBadFirstMessage(): void;
  /** `opened`: the socket had opened before it closed. */
  onClose(code: number, reason: string, opened: boolean): void;
  /** Dead: did not open in time, or stopped answering keepalives. */
  onDead(reason: string): void;
}

export interface ServerSocketTimeouts {
  connectTimeoutMs: number;
  keepaliveMs: number;
  pongTimeoutMs: number;
  /** How long after open a silent server is taken for the original protocol. */
  readyTimeoutMs: number;
}

/** What the sockets to one server learn of it across reconnects: once it said `ready`, it is ours. */
export interface ServerKind {
  speaksProtocol2: boolean;
}

type Timer = ReturnType<typeof setTimeout> | undefined;

export class ServerSocket {
  private readonly ws: WebSocket;
  private opened = false;
  private answered = false;
  /** The server has shown which kind it is. */
  private told = false;
  /** Dropped by its owner: no more events, nothing more sent. */
  private dropped = false;
  private connectTimer: Timer;
  private silenceTimer: Timer;
  private pongTimer: Timer;
  private keepalive: ReturnType<typeof setInterval> | undefined;

  /** Throws on an invalid address. */
  constructor(
    WebSocketImpl: WebSocketConstructor,
    url: string,
    private readonly handlers: ServerSocketHandlers,
    private readonly timeouts: ServerSocketTimeouts,
    private readonly kind: ServerKind = { speaksProtocol2: false },
  ) {
    const ws = new WebSocketImpl(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.connectTimer = setTimeout(() => this.handlers.onDead(WORDS.noAnswer), timeouts.connectTimeoutMs);
    ws.onopen = () => {
      if (this.dropped) return;
      this.opened = true;
      clearTimeout(this.connectTimer);
      this.handlers.onOpen();
      // original-protocol servers may stay silent until audio comes: after a while assume
      // one (not once this server has shown it speaks protocol 2).
      if (this.kind.speaksProtocol2 || this.dropped) return;
      this.silenceTimer = setTimeout(() => this.tell(() => this.handlers.onOriginalProtocol()), this.timeouts.readyTimeoutMs);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.dropped) return;
      clearTimeout(this.pongTimer);
      if (typeof ev.data !== 'string') return;
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) {
        console.warn('[stream] ignoring server message:', parsed.message);
        if (!this.answered) this.handlers.onBadFirstMessage();
        this.answered = true;
        return;
      }
      this.answered = true;
      this.dispatch(parsed.value);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.dropped) return;
      this.handlers.onClose(ev.code, ev.reason, this.opened);
    };
    ws.onerror = () => {
      // A close event always follows; it decides what to do.
    };
  }

  get isOpen(): boolean {
    return !this.dropped && this.ws.readyState === OPEN;
  }

  /** Our server answers init with `ready`; one of the original protocol says `connection` or answers audio with a `transcription`. */
  private dispatch(msg: ServerMessage): void {
    if (msg.type === 'ready') {
      this.kind.speaksProtocol2 = true;
      return this.tell(() => this.handlers.onReady(msg));
    }
    if (msg.type === 'connection' || (msg.type === 'transcription' && !this.told)) this.tell(() => this.handlers.onOriginalProtocol());
    if (msg.type !== 'connection') this.handlers.onMessage(msg);
  }

  /** The server has shown which kind it is: no more waiting for it to say. */
  private tell(handler: () => void): void {
    this.told = true;
    clearTimeout(this.silenceTimer);
    handler();
  }

  /** Sends `keepalive` now and then; any message answers it, none within the timeout means dead. */
  startKeepalive(): void {
    clearInterval(this.keepalive);
    this.keepalive = setInterval(() => {
      this.sendJson({ type: 'keepalive' });
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.handlers.onDead(WORDS.stoppedAnswering), this.timeouts.pongTimeoutMs);
    }, this.timeouts.keepaliveMs);
  }

  sendJson(msg: object): void {
    if (this.isOpen) this.ws.send(JSON.stringify(msg));
  }

  sendBinary(data: ArrayBuffer): void {
    if (this.isOpen) this.ws.send(data);
  }

  /** Stops every timer and event; closes the socket with `code` when given. */
  drop(close?: { code: number; reason: string }): void {
    this.dropped = true;
    for (const t of [this.connectTimer, this.silenceTimer, this.pongTimer]) clearTimeout(t);
    clearInterval(this.keepalive);
    if (!close) return;
    try {
      this.ws.close(close.code, close.reason);
    } catch {
      // Already closed or closing.
    }
  }
}
