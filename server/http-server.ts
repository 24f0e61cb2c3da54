// HTTP + WebSocket front door: /ws for streaming sessions, /health for monitoring,
// a session limit that answers "busy", and graceful shutdown.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, type ServerMessage } from '../src/shared/protocol.ts';
import type { ServerConfig } from './config.ts';
import type { EngineRegistry } from './engine-registry.ts';
import type { Logger } from './log.ts';
import { Session } from './session.ts';
import { createTranscribeHandler } from './rest-transcribe.ts';
import { metrics } from './metrics.ts';
import { ConnectionGuard, checkUpgrade, refuseUpgrade, selectProtocol, tokenMatches } from './security/guard.ts';
import { createHttpServer } from './security/tls.ts';
import { closeReason } from './close-reason.ts';
import type { TranslationService } from './translate/service.ts';
import { createTranslateHandler } from './translate/translate-http.ts';
import { Drain, busyRetryAfterMs, drainOptions } from './cluster/drain.ts'; // cluster hook (issue 17)
import { NODE_ID } from './cluster/node-identity.ts'; // cluster hook (issue 17)

export const WS_PATH = '/ws';

export interface TranscriptionServer {
  readonly sessions: ReadonlySet<Session>;
  listen(): Promise<AddressInfo>;
  /** Finishes finals, closes every session with a reason, stops listening. */
  close(): Promise<void>;
  /** Cluster hook (issue 17): /health says "draining" (503), sessions end their phrase and move, then close(). */
  drain(): Promise<void>;
}

export function createTranscriptionServer(
  config: ServerConfig,
  engines: EngineRegistry,
  log: Logger,
  translation: TranslationService | null = null,
): TranscriptionServer {
  const sessions = new Set<Session>();
  const startedAt = Date.now();
  let closing = false;
  const drain = new Drain(); // cluster hook (issue 17)

  const guard = new ConnectionGuard(config, log);
  // REST uploads (POST /transcribe) share the session limit with streaming sessions.
  const transcribeHandler = createTranscribeHandler({ config, engines, log, sessionCount: () => sessions.size });
  const translateHandler = createTranslateHandler(config, translation, log);
  metrics.trackSessions(() => sessions.size);
  const httpServer = createHttpServer(config, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') {
      const engine = engines.default.info;
      const h = drain.health(); // cluster hook (issue 17): draining → 503, HAProxy stops sending sessions
      return json(res, h.httpStatus, {
        status: closing && !drain.draining ? 'shutting_down' : h.status,
        ...(NODE_ID ? { node: NODE_ID } : {}), // cluster hook (issue 17)
        engine: engine.name,
        model: engine.model,
        engines: engines.names,
        sessions: sessions.size,
        maxSessions: config.maxSessions,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        translation: translation?.backend.name ?? null,
      });
    }
    if (url.pathname === '/translate' || url.pathname === '/languages') {
      return void translateHandler(req, res, url.pathname);
    }
    if (req.method === 'POST' && url.pathname === '/transcribe') {
      if (closing) return json(res, 503, { success: false, error: 'the server is shutting down' });
      return void transcribeHandler.handle(req, res);
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      // With a token configured, metrics need it too (Authorization: Bearer <token>).
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (config.token !== undefined && !tokenMatches(config.token, bearer)) return json(res, 401, { error: 'unauthorized' });
      void metrics.text().then((text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
      return;
    }
    json(res, 404, { error: 'not found', endpoints: ['GET /health', 'GET /metrics', 'POST /transcribe', 'POST /translate', 'GET /languages', `WebSocket ${WS_PATH}`] });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: selectProtocol,
  });

  httpServer.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH && url.pathname !== `${WS_PATH}/`) {
      // A plain 404 lets clients tell "no WebSocket endpoint here" from a network failure.
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const refusal = checkUpgrade(req, config);
    if (refusal) return refuseUpgrade(socket, refusal);
    wss.handleUpgrade(req, socket, head, (ws) => guard.admit(ws, req, () => accept(ws)));
  });

  function accept(ws: WebSocket): void {
    if (closing) return refuse(ws, 'shutting_down', 'the server is shutting down', CloseCode.goingAway);
    if (drain.draining) return refuse(ws, 'shutting_down', 'this server is draining; reconnect to reach another', CloseCode.goingAway, 500); // cluster hook (issue 17)
    if (sessions.size + transcribeHandler.active >= config.maxSessions) {
      log.warn(`refused a session: ${sessions.size}/${config.maxSessions} sessions running`);
      return refuse(
        ws,
        'busy',
        `the server is at its limit of ${config.maxSessions} sessions; try again later`,
        CloseCode.tryAgainLater,
        busyRetryAfterMs(), // cluster hook (issue 17): retry hint
      );
    }
    const session = new Session(ws, {
      config,
      engines,
      log,
      translation,
      onClosed: (s) => sessions.delete(s),
    });
    sessions.add(session);
  }

  function refuse(ws: WebSocket, code: string, message: string, closeCode: number, retryAfterMs?: number): void {
    const msg: ServerMessage = { type: 'error', code, message, fatal: true, success: false, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    metrics.serverMessage(msg);
    ws.send(JSON.stringify(msg));
    ws.close(closeCode, closeReason(message));
  }

  return {
    sessions,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      }),
    async close() {
      if (closing) return;
      closing = true;
      await Promise.all([...sessions].map((s) => s.shutdown()));
      // Give close frames a moment to reach clients before cutting what is left.
      const deadline = Date.now() + 1000;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const client of wss.clients) client.terminate();
      wss.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
    // Cluster hook (issue 17): drain, then the close() above.
    drain() {
      const opts = drainOptions(process.env, NODE_ID !== undefined);
      return drain.run(opts, () => Promise.all([...sessions].map((s) => s.drain(opts))), () => this.close());
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
