// HTTP + WebSocket front door on Fastify: /ws for streaming sessions, /health, /metrics, REST
// transcription and translation; every request first passes the target, Host, Origin and
// per-address rate checks (security/access.ts), then sessions meet the session and address limits.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { WebSocket } from 'ws';
import { CloseCode, type ServerMessage } from '../protocol/index.ts';
import type { FrontDoorConfig } from './config.ts';
import type { EngineRegistry } from './engine-registry.ts';
import { clip, fastifyLogger, type Logger } from './log.ts';
import { ServerSession } from './session/server-session.ts';
import { ResumeRegistry } from './session/resume-registry.ts';
import { EngineOpener } from './session/open-engine.ts';
import { registerTranscribeRoute } from './rest-transcribe.ts';
import { metrics } from './metrics.ts';
import { ConnectionGuard, bearerToken, fatal, limitMessageSize, selectProtocol, tokenHeaderRefused, tokenMatches } from './security/guard.ts';
import { hostAllowed, originAllowed, serverHostNames } from './security/access.ts';
import type { Release } from './security/address-slots.ts';
import { createHttpServer } from './security/tls.ts';
import { closeReason } from './close-reason.ts';
import type { TranslationService } from './translate/service.ts';
import { registerTranslateRoutes } from './translate/translate-http.ts';
import { Drain, busyRetryAfterMs, drainOptions } from './cluster/drain.ts'; // cluster hook (issue 17)
import { NODE_ID } from './cluster/node-identity.ts'; // cluster hook (issue 17)

export const WS_PATH = '/ws';

export interface TranscriptionServer {
  readonly sessions: ReadonlySet<ServerSession>;
  listen(): Promise<AddressInfo>;
  /** Finishes finals, closes every session with a reason, stops listening. */
  close(): Promise<void>;
  /** Cluster hook (issue 17): /health says "draining" (503), sessions end their phrase and move, then close(). */
  drain(): Promise<void>;
}

/** Takes its own slices (listen, security) and those it hands to sessions and REST, nothing else. */
export function createTranscriptionServer(
  config: FrontDoorConfig,
  engines: EngineRegistry,
  log: Logger,
  translation: TranslationService | null = null,
): TranscriptionServer {
  const sessions = new Set<ServerSession>();
  const startedAt = Date.now();
  let closing = false;
  const drain = new Drain(); // cluster hook (issue 17)
  const { listen, security } = config;

  const guard = new ConnectionGuard(security, log);
  const hostNames = serverHostNames(listen, security);
  metrics.trackSessions(() => sessions.size);

  const app = Fastify<http.Server>({
    loggerInstance: fastifyLogger(log),
    serverFactory: (handler) => createHttpServer(listen, security, handler),
    // One hop: the address the nearest proxy wrote into X-Forwarded-For (earlier entries are the client's word).
    trustProxy: security.trustProxy ? (_address: string, hop: number) => hop < 1 : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 100 },
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
  });
  let uploads: { readonly active: number } = { active: 0 };
  /** Streaming sessions and REST uploads share one limit, one engine/language check. */
  const opener = new EngineOpener({ engines, maxSessions: security.maxSessions, running: () => sessions.size + uploads.active });
  /** Protocol 2 sessions that sent ready and are alive: the ones a reconnecting client may resume. */
  const resumables = new ResumeRegistry<ServerSession>();

  const ready = (async () => {
    // First, so that every refused upgrade below is answered and its socket destroyed by the plugin.
    await app.register(websocket, {
      options: { maxPayload: security.maxMessageBytes, perMessageDeflate: false, handleProtocols: selectProtocol },
      // A protocol violation (bad frame, oversized message): ws has sent its close frame (1002,
      // 1007, 1009); the socket goes if the client does not answer it within 2 s.
      errorHandler: (err, socket) => {
        log.warn(`websocket: ${clip(err.message)}`);
        setTimeout(() => socket.terminate(), 2000).unref();
      },
    });

    // Before anything else: a request target that does not parse as a URL is a bad request.
    app.addHook('onRequest', async (req, reply) => {
      // An upgrade anywhere but /ws: a plain 404 (the plugin would otherwise accept, then close it).
      if (req.ws && req.routeOptions.url !== WS_PATH && req.routeOptions.url !== undefined) {
        return reply.code(404).header('connection', 'close').send({ error: 'not found' });
      }
      try {
        new URL(req.raw.url ?? '/', 'http://localhost');
      } catch {
        return reply.code(400).header('connection', 'close').send({ error: 'bad request target' });
      }
      // DNS rebinding: a page on another name that resolves here must not read our answers.
      if (!hostAllowed(req.headers.host, security, hostNames)) {
        return reply.code(421).header('connection', 'close').send({ error: 'this server does not answer to that Host name' });
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !originAllowed(origin, security)) {
        log.warn(`refused a request from origin ${clip(origin, 80)} (allowed: ${security.allowedOrigins.join(', ')})`);
        return reply.code(403).header('connection', 'close').send({ error: 'this origin may not use this server (see --allowed-origins)' });
      }
    });
    if (security.rateLimit > 0) {
      await app.register(rateLimit, { global: true, max: security.rateLimit, timeWindow: 60_000, keyGenerator: (req) => req.ip });
    }
    await app.register(cors, {
      origin: (origin, cb) => cb(null, origin !== undefined && originAllowed(origin, security)),
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'authorization'],
      maxAge: 600,
    });
    app.get('/health', async (_req, reply) => {
      const engine = engines.default.info;
      const h = drain.health(); // cluster hook (issue 17): draining → 503, HAProxy stops sending sessions
      reply.code(h.httpStatus);
      return {
        status: closing && !drain.draining ? 'shutting_down' : h.status,
        ...(NODE_ID ? { node: NODE_ID } : {}), // cluster hook (issue 17)
        engine: engine.name,
        model: engine.model,
        engines: engines.names,
        sessions: sessions.size,
        maxSessions: security.maxSessions,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        translation: translation?.backend.name ?? null,
      };
    });
    app.get('/metrics', async (req, reply) => {
      // With a token configured, metrics need it too (Authorization: Bearer <token>).
      const bearer = bearerToken(req.headers);
      if (security.token !== undefined && !tokenMatches(security.token, bearer)) return reply.code(401).send({ error: 'unauthorized' });
      return reply.header('content-type', metrics.contentType).send(await metrics.text());
    });
    uploads = await registerTranscribeRoute(app, {
      security,
      pipeline: config.pipeline,
      log,
      slots: guard.slots,
      opener,
      closing: () => closing,
    });
    await registerTranslateRoutes(app, security, translation, log);
    app.get(WS_PATH, { websocket: true, preValidation: checkUpgrade }, (ws, req) => connection(ws, req));
    app.setNotFoundHandler((_req, reply) =>
      reply.code(404).send({ error: 'not found', endpoints: ['GET /health', 'GET /metrics', 'POST /transcribe', 'POST /translate', 'GET /languages', `WebSocket ${WS_PATH}`] }),
    );
    app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) log.warn(`${req.method} ${clip(req.url, 60)}: ${clip(err.message)}`);
      return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
    });
    await app.ready();
  })();

  /** Before the handshake: the token subprotocol (401) and --require-origin (403). */
  async function checkUpgrade(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!req.ws) return;
    if (security.requireOrigin && req.headers.origin === undefined) return void reply.code(403).send({ error: 'an Origin header is required' });
    if (tokenHeaderRefused(req.raw, security)) return void reply.code(401).send({ error: 'unauthorized' });
  }

  function connection(ws: WebSocket, req: FastifyRequest): void {
    ws.on('error', () => {}); // errors are logged by the plugin's errorHandler; this one only guards
    limitMessageSize(ws, security.maxPendingMessageBytes);
    const openedAt = Date.now();
    if (closing) return refuse(ws, 'shutting_down', 'the server is shutting down', CloseCode.goingAway);
    if (drain.draining) return refuse(ws, 'shutting_down', 'this server is draining; reconnect to reach another', CloseCode.goingAway, 500); // cluster hook (issue 17)
    guard.admit(ws, req.raw, req.ip, (release) => accept(ws, release, openedAt));
  }

  function accept(ws: WebSocket, release: Release, openedAt: number): void {
    if (closing) {
      release();
      return refuse(ws, 'shutting_down', 'the server is shutting down', CloseCode.goingAway);
    }
    const full = opener.full();
    if (full) {
      release();
      // What the limit counted: streaming sessions and REST uploads together (EngineOpener).
      log.warn(`refused a session: ${sessions.size} sessions and ${uploads.active} uploads running (limit ${security.maxSessions})`);
      return refuse(
        ws,
        'busy',
        full,
        CloseCode.tryAgainLater,
        busyRetryAfterMs(), // cluster hook (issue 17): retry hint
      );
    }
    // Until its init, a connection holds its slot for initTimeout at most (keepalive does not extend it).
    const deadline = setTimeout(() => {
      if (!session.initialized) fatal(ws, 'init_timeout', `no valid init within ${security.initTimeout} s`);
    }, Math.max(0, security.initTimeout * 1000 - (Date.now() - openedAt)));
    deadline.unref();
    const session: ServerSession = new ServerSession(ws, {
      config: config.session,
      pipeline: config.pipeline,
      opener,
      resumables,
      log,
      translation,
      onInit: () => {
        clearTimeout(deadline);
        limitMessageSize(ws, security.maxMessageBytes);
      },
      onClosed: (s) => {
        clearTimeout(deadline);
        sessions.delete(s);
        release(); // after the resume grace too: a held session counts against its address
      },
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
    async listen() {
      await ready;
      await app.listen({ port: listen.port, host: listen.host });
      return app.server.address() as AddressInfo;
    },
    async close() {
      if (closing) return;
      closing = true;
      await Promise.all([...sessions].map((s) => s.shutdown()));
      // Give close frames a moment to reach clients before cutting what is left.
      const wss = app.websocketServer;
      const deadline = Date.now() + 1000;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const client of wss.clients) client.terminate();
      app.server.closeAllConnections();
      await app.close();
    },
    // Cluster hook (issue 17): drain, then the close() above.
    drain() {
      const opts = drainOptions(process.env, NODE_ID !== undefined);
      return drain.run(opts, () => Promise.all([...sessions].map((s) => s.drain(opts))), () => this.close());
    },
  };
}
