// What every translation back end (Apertium, LibreTranslate, DeepL) offers our server.

export interface LanguageInfo {
  /** ISO 639-1. */
  code: string;
  name: string;
  /** Codes this language can be translated into. */
  targets: string[];
}

export interface TranslationBackend {
  readonly name: string;
  /** Source languages with their targets, as GET /languages reports them. */
  languages(): Promise<LanguageInfo[]>;
  /** Translates each text; the answer has one entry per input, in order. */
  translate(texts: string[], source: string, target: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A failure with the HTTP status a client should see: 400 bad pair/input, 503 back end down. */
export class TranslationError extends Error {
  constructor(
    readonly status: 400 | 413 | 502 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** fetch with a deadline; network failures become a 503 that names the back end. */
export async function fetchBackend(backend: string, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : 'it cannot be reached';
    throw new TranslationError(503, `the ${backend} translation back end is unavailable: ${why}`);
  }
}

/** Reads a JSON body, or explains what the back end sent instead. */
export async function backendJson(backend: string, res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new TranslationError(502, `the ${backend} back end answered HTTP ${res.status} with something that is not JSON`);
  }
}
