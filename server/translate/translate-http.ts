// GET /languages and POST /translate, LibreTranslate-compatible:
//   POST {"q":"text"|["a","b"],"source":"en","target":"es"} → {"translatedText":"…"|["…","…"]}
// Errors answer {"error":"…"} with 400 (bad input, unknown pair), 401, 413, 501 (no translation
// configured), 502/503 (back end failed or down). Browsers call these from the extension, so
// they answer CORS preflights.
import type http from 'node:http';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { tokenMatches } from '../security/guard.ts';
import { TranslationError } from './backend.ts';
import type { TranslationService } from './service.ts';

const MAX_BODY = 256 * 1024;

export function createTranslateHandler(config: ServerConfig, service: TranslationService | null, log: Logger) {
  return async function handle(req: http.IncomingMessage, res: http.ServerResponse, path: '/translate' | '/languages'): Promise<void> {
    cors(req, res, config);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'content-type, authorization', 'access-control-max-age': '600' });
      return void res.end();
    }
    try {
      if (config.token !== undefined) {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!tokenMatches(config.token, bearer)) return reply(res, 401, { error: 'this server needs its token: send Authorization: Bearer <token>' });
      }
      if (!service) {
        return reply(res, 501, { error: 'translation is not configured on this server; start it with --translate apertium, libretranslate or deepl' });
      }
      if (path === '/languages') {
        if (req.method !== 'GET') return reply(res, 405, { error: 'use GET /languages' });
        return reply(res, 200, await service.languages());
      }
      if (req.method !== 'POST') return reply(res, 405, { error: 'use POST /translate with {"q":[...],"source":"en","target":"es"}' });
      const body = await readJson(req);
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
      reply(res, 200, { translatedText: single ? out[0] : out });
    } catch (err) {
      const status = err instanceof TranslationError ? err.status : 500;
      if (status >= 500) log.warn(`${req.method} ${path}: ${(err as Error).message}`);
      reply(res, status, { error: status === 500 ? 'translation failed on the server' : (err as Error).message });
    }
  };
}

function cors(req: http.IncomingMessage, res: http.ServerResponse, config: ServerConfig): void {
  const origin = req.headers.origin;
  if (!origin) return;
  if (config.allowedOrigins === null || config.allowedOrigins.includes(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new TranslationError(400, 'send Content-Type: application/json with {"q":[...],"source":"en","target":"es"}');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new TranslationError(413, `request body above ${MAX_BODY / 1024} KiB`);
    chunks.push(chunk as Buffer);
  }
  try {
    const data: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error();
    return data;
  } catch {
    throw new TranslationError(400, 'the body is not a JSON object');
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
