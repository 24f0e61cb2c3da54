// A session's tie to its client: listens to the current socket, swaps it for a new one on
// resume, sends replies (closing a client that stops reading) and counts the errors it causes.
import type { RawData, WebSocket } from 'ws';
import type { ErrorCode, ServerMessage } from '../../protocol/index.ts';
import type { ClientLinkConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { metrics } from '../metrics.ts';
import { closeReason } from '../close-reason.ts';

export interface ClientLinkHandlers {
  text(raw: string): void;
  binary(buf: Buffer): void;
  /** The current socket closed (code as received). */
  closed(code: number): void;
  /** Past maxProtocolErrors: the session must end. */
  tooManyErrors(message: string): void;
}

/** Errors a client causes itself (bad messages, audio before init, ...), counted against maxProtocolErrors. */
const SERVER_SIDE_ERRORS = new Set(['overloaded', 'translation_failed', 'resume_failed', 'engine_error']);

export class ClientLink {
  private ws: WebSocket;
  private detachSocket: () => void = () => {};
  /** Non-fatal errors this client caused; past maxProtocolErrors the connection is closed. */
  private protocolErrors = 0;

  constructor(
    ws: WebSocket,
    private readonly config: ClientLinkConfig,
    private readonly log: Logger,
    private readonly sessionId: string,
    private readonly on: ClientLinkHandlers,
  ) {
    this.ws = ws;
    this.attach(ws);
  }

  /** The socket this link now speaks over. */
  get socket(): WebSocket {
    return this.ws;
  }

  /** Listens to a socket; detach() undoes it when a resume moves the session elsewhere. */
  private attach(ws: WebSocket): void {
    const onMessage = (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.on.binary(buf);
      else this.on.text(buf.toString('utf8'));
    };
    const onClose = (code: number) => this.on.closed(code);
    const onError = (err: Error) => this.log.warn(`session ${this.sessionId}: socket error: ${err.message}`);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    this.ws = ws;
    this.detachSocket = () => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
      ws.on('error', () => {}); // an unlistened socket error would crash the process
    };
  }

  /** Stops listening to the socket without closing it (it moves to another session). */
  detach(): void {
    this.detachSocket();
  }

  /** The resumed client's socket replaces the old one (dead, or not yet noticed as dead). */
  swap(ws: WebSocket): void {
    const old = this.ws;
    this.detachSocket();
    if (old !== ws && old.readyState !== old.CLOSED) old.terminate();
    this.attach(ws);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, closeReason(reason));
  }

  /** Sends an error; a client-caused one past maxProtocolErrors ends the session instead. */
  error(code: ErrorCode | string, message: string, fatal: boolean, closed: boolean): void {
    const max = this.config.maxProtocolErrors;
    if (!fatal && !SERVER_SIDE_ERRORS.has(code) && ++this.protocolErrors > max) {
      if (closed) return;
      return this.on.tooManyErrors(`more than ${max} protocol errors on this connection`);
    }
    this.send({ type: 'error', code, message, fatal, success: false });
  }

  send(msg: ServerMessage): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    // A client that stops reading must not make us queue replies without bound.
    if (ws.bufferedAmount > this.config.maxBufferedBytes) {
      this.log.warn(`session ${this.sessionId}: client is not reading (${ws.bufferedAmount} bytes queued); connection closed`);
      ws.terminate();
      return;
    }
    metrics.serverMessage(msg);
    ws.send(JSON.stringify(msg));
  }
}
