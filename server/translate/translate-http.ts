// GET /languages and POST /translate, LibreTranslate-compatible:
//   POST {"q":"text"|["a","b"],"source":"en","target":"es"} → {"translatedText":"…"|["…","…"]}
// Errors answer {"error":"…"} with 400 (bad input, unknown pair), 401, 413, 501 (no translation
// configured), 502/503 (back end failed or down). Browsers call these from the extension, so
// they answer CORS preflights.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SecurityConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { bearerToken, tokenMatches } from '../security/guard.ts';
import { TranslationError } from './backend.ts';
import type { TranslationService } from './service.ts';

const MAX_BODY = 256 * 1024;

/** Registers GET /languages and POST /translate (CORS and its preflights come from @fastify/cors). */
export async function registerTranslateRoutes(app: FastifyInstance, security: SecurityConfig, service: TranslationService | null, log: Logger): Promise<void> {
  await app.register(async (scope) => {
    // The body is parsed here, so that every bad body gets this API's own error shape.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
      if (err instanceof TranslationError) return void reply.code(err.status).send({ error: err.message });
      const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
      const message = status === 413 ? `request body above ${MAX_BODY / 1024} KiB` : status >= 500 ? 'translation failed on the server' : err.message;
      if (status >= 500) log.warn(`${request.method} ${request.url.slice(0, 40)}: ${err.message}`);
      void reply.code(status).send({ error: message });
    });
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
    scope.route({ method: [...methods], url: '/languages', handler: (req, reply) => handle(req, reply, '/languages') });
    scope.route({ method: [...methods], url: '/translate', handler: (req, reply) => handle(req, reply, '/translate') });
  });

  async function handle(req: FastifyRequest, reply: FastifyReply, path: '/translate' | '/languages'): Promise<unknown> {
    if (security.token !== undefined) {
      const bearer = bearerToken(req.headers);
      if (!tokenMatches(security.token, bearer)) return reply.code(401).send({ error: 'this server needs its token: send Authorization: Bearer <token>' });
    }
    if (!service) {
      return reply.code(501).send({ error: 'translation is not configured on this server; start it with --translate apertium, libretranslate or deepl' });
    }
    if (path === '/languages') {
      if (req.method !== 'GET') return reply.code(405).send({ error: 'use GET /languages' });
      return reply.send(await service.languages());
    }
    if (req.method !== 'POST') return reply.code(405).send({ error: 'use POST /translate with {"q":[...],"source":"en","target":"es"}' });
    const body = readJson(req);
    const { q, source, target } = body as { q?: unknown; source?: unknown; target?: unknown };
    const single = typeof q === 'string';
    const texts = single ? [q] : q;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
      throw new TranslationError(400, '"q" must be a string or an array of strings');
    }
    if (typeof source !== 'string' || typeof target !== 'string') {
      throw new TranslationError(400, '"source" and "target" must be language codes such as "en" and "es"');
    }
    const out = await service.translate(texts as string[], source, target);
    return reply.send({ translatedText: single ? out[0] : out });
  }
}

function readJson(req: FastifyRequest): unknown {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new TranslationError(400, 'send Content-Type: application/json with {"q":[...],"source":"en","target":"es"}');
  }
  try {
    const data: unknown = JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? '');
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error();
    return data;
  } catch {
    throw new TranslationError(400, 'the body is not a JSON object');
  }
}
