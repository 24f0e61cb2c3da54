// POST /transcribe: one WAV file in, its text out, for clients that cannot hold a WebSocket.
// It runs the streaming path (recognizer + VAD + endpointer in TranscriptionPipeline) on the
// whole file and joins the finals, so both ways of asking give the same text.
import type http from 'node:http';
import { WIRE_SAMPLE_RATE } from '../src/shared/protocol.ts';
import { parseWav } from './audio/wav.ts';
import { resampleTo16k } from './audio/resample.ts';
import type { ServerConfig } from './config.ts';
import type { EngineRegistry } from './engine-registry.ts';
import type { Logger } from './log.ts';
import { TranscriptionPipeline } from './pipeline.ts';
import { tokenMatches } from './security/guard.ts';

/** Largest request body; a 60 s 48 kHz stereo WAV is 11 MiB, so such files must be smaller. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_SECONDS = 60;
const LANGUAGE_RE = /^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/;

export interface TranscribeDeps {
  config: ServerConfig;
  engines: EngineRegistry;
  log: Logger;
  /** Streaming sessions now open: REST requests share the session limit with them. */
  sessionCount(): number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createTranscribeHandler(deps: TranscribeDeps) {
  let active = 0;
  return {
    get active() {
      return active;
    },
    async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
      let counted = false;
      try {
        authorize(req, deps.config);
        if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '')) {
          throw new HttpError(400, 'send multipart/form-data with a "file" field holding a WAV file');
        }
        if (deps.sessionCount() + active >= deps.config.maxSessions) {
          throw new HttpError(503, `the server is at its limit of ${deps.config.maxSessions} sessions; try again later`);
        }
        active++;
        counted = true;
        const body = await readBody(req, MAX_BODY_BYTES);
        const { file, language } = await parseForm(req, body);
        const result = await transcribe(deps, file, language);
        reply(res, 200, { success: true, ...result });
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) deps.log.warn(`POST /transcribe: ${(err as Error).message}`);
        // Answering before the body is read makes most clients fail with a reset connection
        // instead of reading the answer: drop the rest first, unless it is far too big.
        const drained = status === 413 ? await drain(req, 4 * MAX_BODY_BYTES) : true;
        reply(res, status, { success: false, error: (err as Error).message });
        if (!drained) res.once('finish', () => req.destroy());
      } finally {
        if (counted) active--;
      }
    },
  };
}

function authorize(req: http.IncomingMessage, config: ServerConfig): void {
  if (config.token === undefined) return;
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!tokenMatches(config.token, bearer)) throw new HttpError(401, 'unauthorized: send Authorization: Bearer <token>');
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const tooBig = () => new HttpError(413, `request body is above the ${limit / 1024 / 1024} MiB limit`);
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooBig());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0; // keep nothing; the caller drains the rest
        reject(tooBig());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Reads and drops the rest of a body; false when it goes on past `max` bytes. */
function drain(req: http.IncomingMessage, max: number): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.resolve(false);
  return new Promise((resolve) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) resolve(false);
    });
    req.once('end', () => resolve(true));
    req.once('error', () => resolve(false));
    req.resume();
  });
}

/** Node's own multipart parser (undici's Request.formData), on the buffered body: no dependency. */
async function parseForm(req: http.IncomingMessage, body: Buffer): Promise<{ file: Buffer; language: string }> {
  let form: FormData;
  try {
    const request = new Request('http://localhost/transcribe', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type']! },
      body: new Uint8Array(body), // a copy typed as the fetch API wants it
    });
    form = await request.formData();
  } catch {
    throw new HttpError(400, 'malformed multipart/form-data body');
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') {
    throw new HttpError(400, 'no "file" field with a file: send the WAV file as form field "file"');
  }
  const language = form.get('language') ?? 'auto';
  if (typeof language !== 'string' || !LANGUAGE_RE.test(language)) {
    throw new HttpError(400, 'field "language" must be "auto" or a language code such as "en"');
  }
  return { file: Buffer.from(await file.arrayBuffer()), language };
}

async function transcribe(
  deps: TranscribeDeps,
  file: Buffer,
  language: string,
): Promise<{ text: string; language: string; duration: number }> {
  let wav;
  try {
    wav = parseWav(file);
  } catch (err) {
    throw new HttpError(400, `"file" is not a 16-bit PCM WAV file: ${(err as Error).message}`);
  }
  if (wav.sampleRate < 8000 || wav.sampleRate > 48000) {
    throw new HttpError(400, `WAV sample rate ${wav.sampleRate} Hz is not supported; use 8000 to 48000 Hz`);
  }
  const duration = wav.samples.length / wav.channels / wav.sampleRate;
  if (duration > MAX_SECONDS) {
    throw new HttpError(400, `WAV file of ${duration.toFixed(1)} s is too long; the limit is ${MAX_SECONDS} s (use the WebSocket for longer audio)`);
  }
  const engine = deps.engines.default;
  const languages = engine.info.languages;
  const base = language.split('-')[0]!.toLowerCase();
  if (language !== 'auto' && languages !== 'multi' && !languages.includes(base)) {
    throw new HttpError(400, `the ${engine.info.name} engine transcribes ${languages.join(', ')} only, not "${language}"`);
  }
  const fallback = language !== 'auto' ? base : languages === 'multi' ? '' : languages[0]!;
  const texts: string[] = [];
  let detected = '';
  let failure: string | null = null;
  const recognizer = await engine.createRecognizer({ language });
  const pipeline = await TranscriptionPipeline.create(
    recognizer,
    {
      partial: () => {},
      final: (f) => {
        if (f.text) texts.push(f.text);
        detected ||= f.language;
      },
      error: (_code, message) => (failure = message),
    },
    {
      endSilenceMs: deps.config.endSilenceMs,
      maxSegmentSeconds: deps.config.maxSegmentSeconds,
      language: fallback,
      log: deps.log,
    },
  ).catch(async (err) => {
    await recognizer.close();
    throw err;
  });
  try {
    const pcm = resampleTo16k(wav.samples, wav.sampleRate, wav.channels);
    // Fed in 1 s steps, as a live client would, so the VAD and endpointer see a stream.
    for (let i = 0; i < pcm.length; i += WIRE_SAMPLE_RATE) pipeline.push(pcm.subarray(i, i + WIRE_SAMPLE_RATE));
    await pipeline.flush();
  } finally {
    await pipeline.close();
  }
  if (failure) throw new Error(failure);
  return { text: texts.join(' '), language: detected || fallback, duration: Math.round(duration * 1000) / 1000 };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
