// The providers' own logic against fakes of what they wrap: Chrome's Translator API (the real
// one is exercised in tests/e2e/chrome-translator.test.ts) and fetch for our server.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { normalizeLanguage } from '../../../../protocol/languages.ts';
import { ChromeProvider, translatorApi, type TranslatorApi } from '../../../../src/translation/chrome-provider.ts';
import { endsWithSentence } from '../../../../src/translation/sentences.ts';
import { httpBaseFor, ServerProvider } from '../../../../src/translation/server-provider.ts';

afterEach(() => vi.useRealTimers());

function fakeTranslatorApi(availability: string, createBehaviour: 'ok' | 'hang' = 'ok') {
  const seen: { availability: unknown[]; create: unknown[] } = { availability: [], create: [] };
  const api: TranslatorApi = {
    availability: async (o) => {
      seen.availability.push(o);
      return availability as never;
    },
    create: (o) => {
      seen.create.push(o);
      if (createBehaviour === 'hang') return new Promise(() => {});
      const monitor = new EventTarget();
      o.monitor?.(monitor);
      monitor.dispatchEvent(Object.assign(new Event('downloadprogress'), { loaded: 0.5 }));
      monitor.dispatchEvent(Object.assign(new Event('downloadprogress'), { loaded: 1 }));
      return Promise.resolve({ translate: async (t: string) => `[${o.targetLanguage}] ${t}`, destroy() {} });
    },
  };
  return { api, seen };
}

describe('language codes', () => {
  it('normalises regions, case, deprecated and ISO 639-3 codes', () => {
    expect(normalizeLanguage('en-US')).toBe('en');
    expect(normalizeLanguage('ES')).toBe('es');
    expect(normalizeLanguage('iw')).toBe('he');
    expect(normalizeLanguage('in')).toBe('id');
    expect(normalizeLanguage('spa')).toBe('es');
    expect(normalizeLanguage('pt_BR')).toBe('pt');
    expect(normalizeLanguage('')).toBeNull();
    expect(normalizeLanguage('english!')).toBeNull();
    expect(normalizeLanguage(7)).toBeNull();
  });
});

describe('ChromeProvider', () => {
  it('reports unavailable where the API does not exist', async () => {
    expect(translatorApi({})).toBeNull();
    const p = new ChromeProvider({ api: null });
    expect(await p.availability('en', 'es')).toBe('unavailable');
    await expect(p.translate(['hi'], 'en', 'es')).rejects.toThrow(/no built-in Translator/);
  });

  it('asks availability per pair with normalised codes (iw → he)', async () => {
    const { api, seen } = fakeTranslatorApi('downloadable');
    const p = new ChromeProvider({ api });
    expect(await p.availability('en-US', 'iw')).toBe('downloadable');
    expect(seen.availability).toEqual([{ sourceLanguage: 'en', targetLanguage: 'he' }]);
  });

  it('does not start a download outside the popup (no gesture there)', async () => {
    const { api, seen } = fakeTranslatorApi('downloadable');
    const p = new ChromeProvider({ api, allowDownload: false });
    await expect(p.prepare('en', 'es')).rejects.toThrow(/not downloaded yet: open the popup/);
    expect(seen.create).toEqual([]);
  });

  it('downloads with progress when allowed, then translates in order', async () => {
    const { api } = fakeTranslatorApi('downloadable');
    const p = new ChromeProvider({ api, allowDownload: true });
    const progress: number[] = [];
    await p.prepare('en', 'es', { onProgress: (f) => progress.push(f) });
    expect(progress).toEqual([0.5, 1]);
    expect(await p.translate(['one', 'two'], 'en', 'es')).toEqual(['[es] one', '[es] two']);
  });

  it('gives up on a create() that never settles, aborting it, and may try again later', async () => {
    vi.useFakeTimers();
    const { api, seen } = fakeTranslatorApi('available', 'hang');
    const p = new ChromeProvider({ api, createTimeoutMs: 2000 });
    const prep = p.prepare('en', 'es');
    const assertion = expect(prep).rejects.toThrow(/Chrome's translator did not finish within 2 s/);
    await vi.advanceTimersByTimeAsync(2000);
    await assertion;
    expect((seen.create[0] as { signal: AbortSignal }).signal.aborted).toBe(true);
    void p.prepare('en', 'es').catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.create).toHaveLength(2);
  });

  it('refuses a pair Chrome cannot do', async () => {
    const { api } = fakeTranslatorApi('unavailable');
    await expect(new ChromeProvider({ api }).prepare('en', 'xx')).rejects.toThrow(/cannot translate en→xx/);
  });
});

describe('ServerProvider', () => {
  it('derives the HTTP address from the WebSocket URL', () => {
    expect(httpBaseFor('ws://localhost:7860/ws')).toBe('http://localhost:7860');
    expect(httpBaseFor('wss://captions.example.org/ws')).toBe('https://captions.example.org');
    expect(httpBaseFor('http://x')).toBeNull();
    expect(httpBaseFor('nonsense')).toBeNull();
  });

  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('reads availability from GET /languages and posts batches to /translate', async () => {
    const requests: [string, RequestInit | undefined][] = [];
    const fetchImpl = (async (url: string, init?: RequestInit) => {
      requests.push([url, init]);
      if (url.endsWith('/languages')) return json(200, [{ code: 'en', name: 'English', targets: ['es'] }]);
      const body = JSON.parse(String(init!.body));
      return json(200, { translatedText: body.q.map((t: string) => `es:${t}`) });
    }) as typeof fetch;
    const p = new ServerProvider('http://127.0.0.1:1', '', fetchImpl);
    expect(await p.availability('en', 'es')).toBe('available');
    expect(await p.availability('en', 'fr')).toBe('unavailable');
    expect(await p.translate(['a', 'b'], 'en', 'es')).toEqual(['es:a', 'es:b']);
    expect(requests.at(-1)![0]).toBe('http://127.0.0.1:1/translate');
    expect(JSON.parse(String(requests.at(-1)![1]!.body))).toEqual({ q: ['a', 'b'], source: 'en', target: 'es' });
    expect(requests.filter(([u]) => u.endsWith('/languages'))).toHaveLength(1); // cached
  });

  it('turns server errors and network failures into plain messages', async () => {
    const down = new ServerProvider('http://127.0.0.1:1', '', (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch);
    expect(await down.availability('en', 'es')).toBe('unavailable');
    await expect(down.translate(['a'], 'en', 'es')).rejects.toThrow('the server cannot be reached');
    const refusing = new ServerProvider('http://127.0.0.1:1', '', (async () => json(503, { error: 'the Apertium translation back end is unavailable' })) as typeof fetch);
    await expect(refusing.translate(['a'], 'en', 'es')).rejects.toThrow('the Apertium translation back end is unavailable');
    const short = new ServerProvider('http://127.0.0.1:1', '', (async () => json(200, { translatedText: ['only one'] })) as typeof fetch);
    await expect(short.translate(['a', 'b'], 'en', 'es')).rejects.toThrow(/one translation per text/);
  });
});

describe('sentences and cache', () => {
  it.each([
    ['How are you?', true],
    ['I said "stop."', true],
    ['ask not what your country', false],
    ['Hello there, how', false],
    ['これはペンです。', true],
    ['First one. second one', false],
  ])('endsWithSentence(%s) is %s', (text, expected) => {
    expect(endsWithSentence(text, 'en')).toBe(expected);
  });
});

describe('provider choice', () => {
  it('asks the server to push only when it should translate', async () => {
    const { wantsServerPush, providersFor } = await import('../../../../src/translation/tab-translator.ts');
    const { DEFAULT_SETTINGS } = await import('../../../../src/shared/settings.ts');
    const s = { ...DEFAULT_SETTINGS, targetLanguage: 'es' };
    expect(wantsServerPush({ ...s, translationProvider: 'server' }, true)).toBe(true);
    expect(wantsServerPush({ ...s, translationProvider: 'auto' }, false)).toBe(true);
    expect(wantsServerPush({ ...s, translationProvider: 'auto' }, true)).toBe(false);
    expect(wantsServerPush({ ...s, translationProvider: 'chrome' }, true)).toBe(false);
    expect(wantsServerPush({ ...s, translationProvider: 'none' }, false)).toBe(false);
    expect(wantsServerPush({ ...s, targetLanguage: '' }, false)).toBe(false);
    expect(providersFor({ ...s, translationProvider: 'auto' }).map((p) => p.id)).toEqual(['chrome', 'server', 'none']);
    expect(providersFor({ ...s, translationProvider: 'server' }).map((p) => p.id)).toEqual(['server', 'none']);
    expect(providersFor({ ...s, translationProvider: 'chrome' }).map((p) => p.id)).toEqual(['chrome', 'none']);
    expect(providersFor({ ...s, translationProvider: 'none' })).toEqual([]);
  });
});
