// POST /transcribe: one WAV file in, its text out, for clients that cannot hold a WebSocket.
// It runs the streaming path (recognizer + VAD + endpointer in TranscriptionPipeline) on the
// whole file and joins the finals, so both ways of asking give the same text.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { FIELD_LIMITS, SUPPORTED_SAMPLE_RATES, WIRE_SAMPLE_RATE, isLanguageTag } from '../protocol/index.ts';
import { parseWav } from '../protocol/wav.ts';
import { resampleTo16k } from './audio/resample.ts';
import type { PipelineConfig, SecurityConfig } from './config.ts';
import { clip, type Logger } from './log.ts';
import { TranscriptionPipeline } from './pipeline.ts';
import type { AddressSlots } from './security/address-slots.ts';
import type { EngineOpener } from './session/open-engine.ts';
import { bearerToken, tokenMatches } from './security/guard.ts';

/** Largest request body; a 60 s 48 kHz stereo WAV is 11 MiB, so such files must be smaller. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_SECONDS = 60;

export interface TranscribeDeps {
  /** The token check. */
  security: SecurityConfig;
  /** Endpointing, as for WebSocket sessions. */
  pipeline: PipelineConfig;
  log: Logger;
  /** The session-limit check and engine/language check, shared with WebSocket sessions (REST uploads count as sessions). */
  opener: EngineOpener;
  /** Per-address slots shared with WebSocket connections. */
  slots: AddressSlots;
  /** True while the server shuts down. */
  closing(): boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Registers POST /transcribe (multipart via @fastify/multipart); returns the count of uploads in flight. */
export async function registerTranscribeRoute(app: FastifyInstance, deps: TranscribeDeps): Promise<{ readonly active: number }> {
  let active = 0;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    await scope.register(multipart, {
      limits: { fileSize: MAX_BODY_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 8, headerPairs: 16 },
    });
    // Any other body is left unread here and answered with this API's own 400.
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.post('/transcribe', async (req, reply) => {
      let release: (() => void) | null = null;
      try {
        if (deps.closing()) throw new HttpError(503, 'the server is shutting down');
        authorize(req, deps.security);
        if (!req.isMultipart()) throw new HttpError(400, 'send multipart/form-data with a "file" field holding a WAV file');
        if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooBig();
        const full = deps.opener.full();
        if (full) throw new HttpError(503, full);
        release = deps.slots.acquire(req.ip);
        if (!release) throw new HttpError(429, `this address already holds ${deps.slots.max} connections or uploads; try again later`);
        active++;
        const { file, language } = await parseForm(req);
        const result = await transcribe(deps, file, language);
        return reply.code(200).send({ success: true, ...result });
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) deps.log.warn(`POST /transcribe: ${clip((err as Error).message)}`);
        // Answering before the body is read makes most clients fail with a reset connection
        // instead of reading the answer: drop the rest first, unless it is far too big.
        const drained = status === 413 ? await drain(req, 4 * MAX_BODY_BYTES) : true;
        if (!drained) reply.raw.once('finish', () => req.raw.destroy());
        return reply.code(status).send({ success: false, error: (err as Error).message });
      } finally {
        if (release) {
          release();
          active--;
        }
      }
    });
  });
  return {
    get active() {
      return active;
    },
  };
}

const tooBig = () => new HttpError(413, `request body is above the ${MAX_BODY_BYTES / 1024 / 1024} MiB limit`);

function authorize(req: FastifyRequest, security: SecurityConfig): void {
  if (security.token === undefined) return;
  const bearer = bearerToken(req.headers);
  if (!tokenMatches(security.token, bearer)) throw new HttpError(401, 'unauthorized: send Authorization: Bearer <token>');
}

/** Reads and drops the rest of a body; false when it goes on past `max` bytes. */
function drain(req: FastifyRequest, max: number): Promise<boolean> {
  const raw = req.raw;
  if (raw.readableEnded || raw.destroyed) return Promise.resolve(true);
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.resolve(false);
  return new Promise((resolve) => {
    let size = 0;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) resolve(false);
    });
    raw.once('end', () => resolve(true));
    raw.once('error', () => resolve(false));
    raw.once('close', () => resolve(false));
    raw.resume();
  });
}

/** The "file" part (a WAV file, at most MAX_BODY_BYTES) and the optional "language" field. */
async function parseForm(req: FastifyRequest): Promise<{ file: Buffer; language: string }> {
  let file: Buffer | null = null;
  let language = 'auto';
  let fileAsText = false;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        if (part.fieldname === 'file' && file === null) file = data;
      } else if (part.fieldname === 'language') language = String(part.value);
      else if (part.fieldname === 'file') fileAsText = true;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooBig();
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new HttpError(400, 'send one "file" field (and optionally "language"), nothing more');
    }
    throw new HttpError(400, 'malformed multipart/form-data body');
  }
  if (file === null) {
    throw new HttpError(
      400,
      fileAsText
        ? '"file" came as a text field, not a file: send the WAV file as form field "file" with a file name'
        : 'no "file" field with a file: send the WAV file as form field "file"',
    );
  }
  if (!isLanguageTag(language) || language.length > FIELD_LIMITS.sourceLanguage) {
    throw new HttpError(400, 'field "language" must be "auto" or a language code such as "en"');
  }
  return { file, language };
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
  const { min, max } = SUPPORTED_SAMPLE_RATES;
  if (wav.sampleRate < min || wav.sampleRate > max) {
    throw new HttpError(400, `WAV sample rate ${wav.sampleRate} Hz is not supported; use ${min} to ${max} Hz`);
  }
  const duration = wav.samples.length / wav.channels / wav.sampleRate;
  if (duration > MAX_SECONDS) {
    throw new HttpError(400, `WAV file of ${duration.toFixed(1)} s is too long; the limit is ${MAX_SECONDS} s (use the WebSocket for longer audio)`);
  }
  const opened = deps.opener.open({ engine: 'default', language });
  if (!opened.ok) throw new HttpError(400, opened.message);
  const { engine, language: fallback } = opened;
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
      ...deps.pipeline,
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

