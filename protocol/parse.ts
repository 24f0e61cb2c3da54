// Parsers of the wire contract's text frames (both directions). They never throw: a bad frame
// comes back as { ok: false, code, message }, as docs/protocol.md describes.

import {
  FIELD_LIMITS,
  OPUS_SAMPLE_RATES,
  SUPPORTED_SAMPLE_RATES,
  WIRE_SAMPLE_RATE,
  type AudioSpec,
  type ClientMessage,
  type ErrorCode,
  type InitMessage,
  type ResumeRequest,
  type ServerMessage,
} from './messages.ts';
import { isLanguageTag } from './languages.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (code: ErrorCode, message: string): Parsed<never> => ({ ok: false, code, message });

/** Validates one text frame from a client. Unknown fields are ignored (forward compatible). */
export function parseClientMessage(raw: string): Parsed<ClientMessage> {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'message is not valid JSON');
  }
  if (!isObject(data) || typeof data.type !== 'string') {
    return fail('bad_message', 'message must be a JSON object with a string "type"');
  }
  switch (data.type) {
    case 'flush':
    case 'stop':
    case 'keepalive':
      return { ok: true, value: { type: data.type } };
    case 'init':
      return parseInit(data);
    default:
      return fail('bad_message', `unknown message type "${String(data.type).slice(0, 40)}"`);
  }
}

function parseInit(data: Record<string, unknown>): Parsed<InitMessage> {
  const str = (key: string, fallback: string): string | null => {
    const v = data[key];
    if (v === undefined || v === null) return fallback;
    return typeof v === 'string' ? v : null;
  };
  const sourceLanguage = str('sourceLanguage', 'auto');
  const targetLanguage = str('targetLanguage', '');
  const engine = str('engine', 'default');
  if (sourceLanguage === null || targetLanguage === null || engine === null) {
    return fail('bad_message', 'init: sourceLanguage, targetLanguage and engine must be strings');
  }
  for (const [key, limit] of Object.entries(FIELD_LIMITS)) {
    const v = data[key];
    if (typeof v === 'string' && v.length > limit) {
      return fail('bad_message', `init: ${key} is ${v.length} characters long; the limit is ${limit}`);
    }
  }
  if (!isLanguageTag(sourceLanguage)) {
    return fail('bad_message', `init: sourceLanguage "${sourceLanguage.slice(0, 20)}" is not "auto" or a language code`);
  }
  const msg: InitMessage = { type: 'init', sourceLanguage, targetLanguage, engine };
  if (data.protocol !== undefined) {
    if (typeof data.protocol !== 'number' || !Number.isInteger(data.protocol)) {
      return fail('bad_message', 'init: protocol must be an integer');
    }
    msg.protocol = data.protocol;
  }
  if (data.audio !== undefined) {
    const audio = parseAudioSpec(data.audio);
    if (!audio.ok) return audio;
    msg.audio = audio.value;
  }
  if (data.resume !== undefined && data.resume !== null) {
    const resume = parseResume(data.resume);
    if (!resume.ok) return resume;
    msg.resume = resume.value;
  }
  return { ok: true, value: msg };
}

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

function parseResume(v: unknown): Parsed<ResumeRequest> {
  if (!isObject(v)) return fail('bad_message', 'init: resume must be an object');
  const { sessionId, token, audioOffset, lastSegmentId } = v;
  if (typeof sessionId !== 'string' || typeof token !== 'string' || sessionId.length > 100 || token.length > 200) {
    return fail('bad_message', 'init: resume needs string sessionId and token (from ready)');
  }
  const out: ResumeRequest = { sessionId, token };
  if (audioOffset !== undefined) {
    if (!isCount(audioOffset, 0)) return fail('bad_message', 'init: resume.audioOffset must be an integer >= 0');
    out.audioOffset = audioOffset;
  }
  if (lastSegmentId !== undefined) {
    if (!isCount(lastSegmentId, -1)) return fail('bad_message', 'init: resume.lastSegmentId must be an integer >= -1');
    out.lastSegmentId = lastSegmentId;
  }
  return { ok: true, value: out };
}

export function parseAudioSpec(v: unknown): Parsed<AudioSpec> {
  if (!isObject(v)) return fail('unsupported_audio', 'init: audio must be an object');
  const { encoding, sampleRate, channels } = v;
  if (encoding !== 'pcm_s16le' && encoding !== 'opus') {
    // Not String(encoding): an object such as {"toString":1} makes String() throw.
    const shown = typeof encoding === 'string' ? encoding.slice(0, 20) : typeof encoding;
    return fail('unsupported_audio', `audio encoding "${shown}" is not supported; use "pcm_s16le" or "opus"`);
  }
  if (encoding === 'opus' && !OPUS_SAMPLE_RATES.includes(sampleRate as number)) {
    return fail('unsupported_audio', `opus audio sampleRate must be one of ${OPUS_SAMPLE_RATES.join(', ')} Hz (16000 preferred)`);
  }
  if (
    typeof sampleRate !== 'number' ||
    !Number.isInteger(sampleRate) ||
    sampleRate < SUPPORTED_SAMPLE_RATES.min ||
    sampleRate > SUPPORTED_SAMPLE_RATES.max
  ) {
    return fail(
      'unsupported_audio',
      `audio sampleRate must be an integer from ${SUPPORTED_SAMPLE_RATES.min} to ${SUPPORTED_SAMPLE_RATES.max} Hz (16000 preferred)`,
    );
  }
  if (channels !== 1 && channels !== 2) {
    return fail('unsupported_audio', 'audio channels must be 1 or 2');
  }
  return { ok: true, value: { encoding, sampleRate, channels } };
}

/**
 * Validates one text frame from a server. Accepts our protocol and the original protocol's
 * messages; anything else is reported, never thrown.
 */
export function parseServerMessage(raw: string): Parsed<ServerMessage> {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return fail('bad_json', 'server sent invalid JSON');
  }
  if (!isObject(data) || typeof data.type !== 'string') {
    return fail('bad_message', 'server message has no "type"');
  }
  const num = (k: string) => (typeof data[k] === 'number' && Number.isFinite(data[k]) ? (data[k] as number) : null);
  const text = typeof data.text === 'string' ? data.text : null;
  switch (data.type) {
    case 'ready':
      if (typeof data.sessionId !== 'string') return fail('bad_message', 'ready without sessionId');
      return {
        ok: true,
        value: {
          type: 'ready',
          sessionId: data.sessionId,
          protocol: 2,
          engine: typeof data.engine === 'string' ? data.engine : 'unknown',
          model: typeof data.model === 'string' ? data.model : '',
          sampleRate: num('sampleRate') ?? WIRE_SAMPLE_RATE,
          ...(typeof data.notice === 'string' ? { notice: data.notice } : {}),
          ...(typeof data.resumeToken === 'string' ? { resumeToken: data.resumeToken } : {}),
          ...(typeof data.resumed === 'boolean' ? { resumed: data.resumed } : {}),
          ...(num('receivedSamples') !== null ? { receivedSamples: num('receivedSamples')! } : {}),
          ...(typeof data.translation === 'string' && data.translation ? { translation: data.translation } : {}),
          ...(typeof data.node === 'string' && data.node ? { node: data.node } : {}),
        },
      };
    case 'partial':
    case 'final': {
      const segmentId = num('segmentId');
      if (segmentId === null || text === null) return fail('bad_message', `${data.type} needs segmentId and text`);
      const start = num('start') ?? 0;
      const end = num('end') ?? start;
      const behind = num('behind');
      const lag = behind !== null && behind >= 0 ? { behind } : {};
      if (data.type === 'partial') return { ok: true, value: { type: 'partial', segmentId, text, start, end, ...lag } };
      const language = typeof data.language === 'string' ? data.language : '';
      return { ok: true, value: { type: 'final', segmentId, text, start, end, language, ...lag } };
    }
    case 'translation': {
      const segmentId = num('segmentId');
      if (segmentId === null || text === null || typeof data.language !== 'string') {
        return fail('bad_message', 'translation needs segmentId, text and language');
      }
      return { ok: true, value: { type: 'translation', segmentId, text, language: data.language } };
    }
    case 'transcription':
      if (text === null) return fail('bad_message', 'transcription without text');
      if (data.success === false) {
        return { ok: true, value: { type: 'error', code: 'engine_error', message: text || 'transcription failed', fatal: false, success: false } };
      }
      return {
        ok: true,
        value: {
          type: 'transcription',
          text,
          success: true,
          ...(typeof data.language === 'string' ? { language: data.language } : {}),
          ...(num('language_probability') !== null ? { language_probability: num('language_probability')! } : {}),
        },
      };
    case 'error':
      return {
        ok: true,
        value: {
          type: 'error',
          code: typeof data.code === 'string' ? data.code : 'server_error',
          message: typeof data.message === 'string' ? data.message : 'the server reported an error',
          fatal: data.fatal === true,
          success: false,
          ...(num('retryAfterMs') !== null && num('retryAfterMs')! >= 0 ? { retryAfterMs: num('retryAfterMs')! } : {}),
        },
      };
    case 'connection':
      if (data.status !== 'connected' && data.status !== 'initialized') {
        return fail('bad_message', 'connection message with unknown status');
      }
      return {
        ok: true,
        value: {
          type: 'connection',
          status: data.status,
          ...(typeof data.sessionId === 'string' ? { sessionId: data.sessionId } : {}),
        },
      };
    case 'pong':
    case 'done':
      return { ok: true, value: { type: data.type } };
    default:
      return fail('bad_message', `unknown server message type "${String(data.type).slice(0, 40)}"`);
  }
}
