// POST /transcribe: one WAV chunk in, its text out (docs/protocol.md, "REST fallback"; the
// original protocol's server answers the same shape). Errors say whether trying again may help.

export class RestError extends Error {
  constructor(
    message: string,
    /** true: the server or network may recover (5xx, 429, network error); false: the request itself is wrong. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface RestAnswer {
  text: string;
  language?: string;
}

/** ws://host:port/ws → http://host:port/transcribe (wss → https). */
export function restUrl(wsUrl: string, path = '/transcribe'): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = path;
  u.search = '';
  u.hash = '';
  return u.href;
}

export async function transcribeWav(
  wsUrl: string,
  wav: ArrayBuffer,
  language: string,
  fetchImpl: typeof fetch = fetch,
  signal?: AbortSignal,
  token?: string,
): Promise<RestAnswer> {
  const form = new FormData();
  form.append('file', new Blob([wav], { type: 'audio/wav' }), 'chunk.wav');
  if (language && language !== 'auto') form.append('language', language);
  let res: Response;
  try {
    res = await fetchImpl(restUrl(wsUrl), { method: 'POST', body: form, signal, headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new RestError(`POST /transcribe failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: judged by the status below.
  }
  const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (res.ok && obj.success !== false && typeof obj.text === 'string') {
    return { text: obj.text, ...(typeof obj.language === 'string' ? { language: obj.language } : {}) };
  }
  const why = typeof obj.error === 'string' ? obj.error : typeof obj.message === 'string' ? obj.message : `HTTP ${res.status}`;
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408 || (res.ok && typeof obj.text !== 'string');
  throw new RestError(`The server could not transcribe a chunk: ${why}`, retryable);
}

/**
 * Is there an HTTP server at this address at all? A WebSocket that fails hides why (a browser
 * never sees the HTTP 404 of a refused upgrade), so a plain request tells "no WebSocket
 * endpoint here" (answers) from "nothing there" (network error).
 */
export async function httpAnswers(wsUrl: string, fetchImpl: typeof fetch = fetch, timeoutMs = 3000): Promise<boolean> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    await fetchImpl(restUrl(wsUrl, new URL(wsUrl).pathname), { method: 'GET', signal: ctl.signal, cache: 'no-store' });
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
