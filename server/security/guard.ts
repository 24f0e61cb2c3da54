// Who may open a streaming session: shared-token auth, allowed browser origins and a per-address
// connection limit. The checks that can run before the WebSocket handshake answer with a plain
// HTTP status; the rest (an init token, the per-address limit) answer with a protocol error.
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { WebSocket, RawData } from 'ws';
import { CloseCode, type ServerMessage } from '../../protocol/index.ts';
import type { SecurityConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { metrics } from '../metrics.ts';
import { closeReason } from '../close-reason.ts';
import { AddressSlots, type Release } from './address-slots.ts';

/** Subprotocol prefix a browser uses to carry the token: `new WebSocket(url, ['token.' + T])`. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'token.';

/** Constant-time comparison (hashes first, so lengths do not leak either). */
export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header (HTTP routes: /metrics, /transcribe, /translate). */
export function bearerToken(headers: http.IncomingHttpHeaders): string | undefined {
  return /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
}

/** The `token.<value>` subprotocols a client offered (Sec-WebSocket-Protocol). */
export function offeredTokens(req: http.IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))
    .map((p) => p.slice(TOKEN_SUBPROTOCOL_PREFIX.length));
}

/**
 * Checks the token subprotocol before the handshake: a wrong one is refused with HTTP 401. A
 * client that offers no token subprotocol is let through here: it must then send the token in
 * its init message. (Origin and Host are checked for every request in http-server.ts.)
 */
export function tokenHeaderRefused(req: http.IncomingMessage, config: SecurityConfig): boolean {
  if (config.token === undefined) return false;
  const tokens = offeredTokens(req);
  return tokens.length > 0 && !tokens.some((t) => tokenMatches(config.token!, t));
}

/** True when the upgrade request carried the right token as a subprotocol. */
export function authorizedByHeader(req: http.IncomingMessage, config: SecurityConfig): boolean {
  return config.token !== undefined && offeredTokens(req).some((t) => tokenMatches(config.token!, t));
}

/**
 * For WebSocketServer's `handleProtocols`: echo the token subprotocol the client offered (browsers
 * fail a connection whose handshake does not select one of the offered subprotocols), otherwise
 * the first one offered, as ws does by default.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  for (const p of protocols) if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return p;
  const first = protocols.values().next();
  return first.done ? false : first.value;
}

export function fatal(ws: WebSocket, code: string, message: string): void {
  metrics.serverMessage({ type: 'error', code, message, fatal: true, success: false });
  const msg: ServerMessage = { type: 'error', code, message, fatal: true, success: false };
  if (ws.readyState === ws.OPEN) {
    ws.send(JSON.stringify(msg));
    ws.close(CloseCode.policy, closeReason(message));
  }
}

/** Messages this big are refused until the connection is authenticated and initialised. */
export function limitMessageSize(ws: WebSocket, bytes: number): void {
  // ws has one maxPayload per server; its receiver reads this field for every frame.
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

/** Admission after the handshake: the per-address limit, then (if needed) the init token. */
export class ConnectionGuard {
  readonly slots: AddressSlots;

  constructor(
    private readonly config: SecurityConfig,
    private readonly log: Logger,
  ) {
    this.slots = new AddressSlots(config.maxConnectionsPerIp);
  }

  /**
   * Takes a slot of the client's address and calls `start(release)` once the connection may run a
   * session (the session gives the slot back when it ends, resume grace included); otherwise
   * answers, closes and frees the slot. Null from acquire: refused with too_many_connections.
   */
  admit(ws: WebSocket, req: http.IncomingMessage, address: string, start: (release: Release) => void): void {
    const release = this.slots.acquire(address);
    if (!release) {
      const open = this.slots.count(address);
      this.log.warn(`refused a connection from ${address}: ${open} open (limit ${this.config.maxConnectionsPerIp})`);
      return fatal(ws, 'too_many_connections', `this address already has ${open} open connections (limit ${this.config.maxConnectionsPerIp})`);
    }
    let started = false;
    ws.once('close', () => started || release());
    const go = () => {
      started = true;
      start(release);
    };
    if (this.config.token === undefined || authorizedByHeader(req, this.config)) return go();
    this.awaitInitToken(ws, go);
  }

  /** Until an init carries the right token, only keepalive is answered; anything else is refused. */
  private awaitInitToken(ws: WebSocket, start: () => void): void {
    // A connection that never authenticates does not hold its slot for ever.
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      fatal(ws, 'unauthorized', `no init with a valid token within ${this.config.initTimeout} s`);
    }, this.config.initTimeout * 1000);
    timer.unref();
    ws.once('close', () => clearTimeout(timer));
    const onMessage = (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        let msg: unknown;
        try {
          msg = JSON.parse(buf.toString('utf8'));
        } catch {
          msg = null;
        }
        const m = msg as Record<string, unknown> | null;
        if (m && typeof m === 'object' && m.type === 'keepalive') {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'pong' } satisfies ServerMessage));
          return;
        }
        if (m && typeof m === 'object' && m.type === 'init' && tokenMatches(this.config.token!, m.token)) {
          ws.off('message', onMessage);
          clearTimeout(timer);
          start();
          // The session now listens; hand it the init it would otherwise have missed.
          ws.emit('message', data, isBinary);
          return;
        }
      }
      ws.off('message', onMessage);
      clearTimeout(timer);
      fatal(ws, 'unauthorized', 'this server needs a token: send it as "token" in init or as the token.<value> subprotocol');
    };
    ws.on('message', onMessage);
  }
}
