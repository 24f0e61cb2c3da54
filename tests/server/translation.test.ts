// Translation on the real server: POST /translate and GET /languages through real Apertium
// (apertium-apy started by the server on loopback, eng→spa), translations pushed after finals
// of real speech, every kind of bad input, a dead back end; and the LibreTranslate and DeepL
// back ends against small local doubles of their documented APIs (never the real services).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerMessage } from '../../protocol/index.ts';
import { encodeWav, joinWithSilence, realClips } from '../helpers/fixtures.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { TestClient } from '../helpers/ws-client.ts';

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/translate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const SPANISH = /\b(el|la|los|las|de|que|y|en|es|un|una|hola|tiempo)\b/i;

describe('POST /translate with Apertium (real apertium-apy, eng→spa)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--engine', 'sphinx', '--translate', 'apertium']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists the installed pairs in LibreTranslate shape', async () => {
    const res = await fetch(`${server.httpUrl}/languages`);
    expect(res.status).toBe(200);
    const langs = await res.json();
    expect(langs).toContainEqual({ code: 'en', name: 'English', targets: expect.arrayContaining(['es']) });
    const health = await (await fetch(`${server.httpUrl}/health`)).json();
    expect(health.translation).toBe('apertium');
  });

  it('translates a batch in order, blanks kept blank', async () => {
    const res = await post(server.httpUrl, { q: ['Hello, my friend.', '', 'The weather is nice today.'], source: 'en', target: 'es' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.translatedText).toHaveLength(3);
    expect(body.translatedText[0]).toMatch(/hola/i);
    expect(body.translatedText[1]).toBe('');
    expect(body.translatedText[2]).toMatch(/tiempo/i);
  });

  it('answers a string q with a string, and normalises codes (en-US, ES)', async () => {
    const res = await post(server.httpUrl, { q: 'The house is red.', source: 'en-US', target: 'ES' });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(typeof body.translatedText).toBe('string');
    expect(body.translatedText).toMatch(/casa/i);
  });

  it('translates 10 kB of text', async () => {
    const sentence = 'The committee will meet again next week to discuss the new budget. ';
    const text = sentence.repeat(Math.ceil(10_240 / sentence.length));
    expect(text.length).toBeGreaterThanOrEqual(10_240);
    const res = await post(server.httpUrl, { q: [text], source: 'en', target: 'es' });
    expect(res.status).toBe(200);
    const [out] = (await res.json()).translatedText;
    expect(out.length).toBeGreaterThan(8_000);
    expect(out).toMatch(/comité/i);
  });

  it('refuses an unknown pair with a clear 400 naming what is installed', async () => {
    const res = await post(server.httpUrl, { q: ['hello'], source: 'en', target: 'fr' });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatch(/no en→fr pair/);
    expect(error).toMatch(/en→es/);
  });

  it('refuses bad input with a clear 400/413 and keeps serving', async () => {
    const cases: [unknown, number, RegExp][] = [
      ['not json', 400, /not a JSON object/],
      [{ source: 'en', target: 'es' }, 400, /"q" must be/],
      [{ q: [1, 2], source: 'en', target: 'es' }, 400, /"q" must be/],
      [{ q: ['hi'], source: 'auto', target: 'es' }, 400, /"auto" is not supported/],
      [{ q: ['hi'], source: 'english!', target: 'es' }, 400, /not a language code/],
      [{ q: ['hi'], source: 'en' }, 400, /"source" and "target"/],
      [{ q: ['x'.repeat(20_001)], source: 'en', target: 'es' }, 413, /at most 20000 characters/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(server.httpUrl, body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect((await res.json()).error).toMatch(message);
    }
    const wrongType = await fetch(`${server.httpUrl}/translate`, { method: 'POST', body: '{}' });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).error).toMatch(/application\/json/);
    const empty = await post(server.httpUrl, { q: [], source: 'en', target: 'es' });
    expect(await empty.json()).toEqual({ translatedText: [] });
    const ok = await post(server.httpUrl, { q: ['Good morning.'], source: 'en', target: 'es' });
    expect(ok.status).toBe(200);
  });

  it('answers CORS preflights from the extension', async () => {
    const res = await fetch(`${server.httpUrl}/translate`, {
      method: 'OPTIONS',
      headers: { origin: 'chrome-extension://abc', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('chrome-extension://abc');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/);
  });

  it('pushes a translation after each final when init asks for a target language', async () => {
    const clip = realClips().find((c) => c.id === 'en-LJ001-0001')!;
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: 'es', engine: 'sphinx', protocol: 2 });
    expect(await c.waitType('ready')).toMatchObject({ translation: 'es' });
    c.sendBinary(encodeWav(joinWithSilence([clip.pcm], 1)));
    c.send({ type: 'stop' });
    await c.waitType('done', 60_000);
    const finals = c.ofType('final').filter((f) => f.text);
    const translations = c.ofType('translation');
    expect(finals.length).toBeGreaterThan(0);
    // One translation per final with text, keyed by its segmentId, sent before `done`.
    expect(translations.map((t) => t.segmentId).sort()).toEqual(finals.map((f) => f.segmentId).sort());
    for (const t of translations) {
      const parsed = parseServerMessage(JSON.stringify(t));
      expect(parsed).toEqual({ ok: true, value: { type: 'translation', segmentId: t.segmentId, text: t.text, language: 'es' } });
      const final = finals.find((f) => f.segmentId === t.segmentId)!;
      const finalAt = c.messages.findIndex((m) => m.msg === final);
      expect(c.messages.findIndex((m) => m.msg === t)).toBeGreaterThan(finalAt);
    }
    expect(translations.map((t) => t.text).join(' ')).toMatch(SPANISH);
    console.log(`pushed: ${finals.map((f) => f.text).join(' | ')} → ${translations.map((t) => t.text).join(' | ')}`);
  });

  it('pushes nothing without a target language', async () => {
    const clip = realClips().find((c) => c.id === 'en-LJ001-0001')!;
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2 });
    expect(await c.waitType('ready')).not.toHaveProperty('translation');
    c.sendBinary(encodeWav(joinWithSilence([clip.pcm], 1)));
    c.send({ type: 'stop' });
    await c.waitType('done', 60_000);
    expect(c.ofType('final').length).toBeGreaterThan(0);
    expect(c.ofType('translation')).toEqual([]);
  });

  it('an unsupported target gets one non-fatal translation_failed; captions keep flowing', async () => {
    const clip = realClips().find((c) => c.id === 'en-LJ001-0001')!;
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: 'fr', engine: 'sphinx', protocol: 2 });
    // ready does not promise translations the back end cannot make.
    expect(await c.waitType('ready')).not.toHaveProperty('translation');
    c.sendBinary(encodeWav(joinWithSilence([clip.pcm, clip.pcm], 1)));
    c.send({ type: 'stop' });
    await c.waitType('done', 60_000);
    expect(c.ofType('final').filter((f) => f.text).length).toBeGreaterThan(1);
    const errors = c.ofType('error');
    expect(errors).toEqual([expect.objectContaining({ code: 'translation_failed', fatal: false, message: expect.stringMatching(/en→fr/) })]);
    expect(c.ofType('translation')).toEqual([]);
  });

  it('re-sends translations with the finals replayed to a resumed session', async () => {
    const clip = realClips().find((c) => c.id === 'en-LJ001-0001')!;
    const first = await TestClient.connect(server.wsUrl);
    first.send({ type: 'init', sourceLanguage: 'en', targetLanguage: 'es', engine: 'sphinx', protocol: 2 });
    const ready = await first.waitType('ready');
    // Audio, then the connection drops before any answer: the finals come while detached.
    first.sendBinary(encodeWav(joinWithSilence([clip.pcm], 1)));
    await new Promise((r) => setTimeout(r, 100));
    first.terminate();
    await new Promise((r) => setTimeout(r, 8000));
    const second = await TestClient.connect(server.wsUrl);
    second.send({
      type: 'init',
      sourceLanguage: 'en',
      targetLanguage: 'es',
      engine: 'sphinx',
      protocol: 2,
      resume: { sessionId: ready.sessionId, token: ready.resumeToken, lastSegmentId: -1 },
    });
    expect(await second.waitType('ready')).toMatchObject({ resumed: true, translation: 'es' });
    second.send({ type: 'stop' });
    await second.waitType('done', 60_000);
    const finals = second.ofType('final').filter((f) => f.text);
    expect(finals.length).toBeGreaterThan(0);
    const translated = new Set(second.ofType('translation').map((t) => t.segmentId));
    for (const f of finals) expect(translated.has(f.segmentId), `translation of final ${f.segmentId}`).toBe(true);
  });

  /** The pid of the apertium-apy the server started last. */
  const apertiumPid = () => Number([...server.logs().matchAll(/apertium-apy started \(pid (\d+)\)/g)].at(-1)?.[1]);

  // These two kill the server's apertium-apy.
  it('keeps captions flowing when the back end dies mid-session: one translation_failed, no fatal error', async () => {
    const clip = realClips().find((c) => c.id === 'en-LJ001-0001')!;
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: 'es', engine: 'sphinx', protocol: 2 });
    expect(await c.waitType('ready')).toMatchObject({ translation: 'es' });
    process.kill(apertiumPid(), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    c.sendBinary(encodeWav(joinWithSilence([clip.pcm], 1)));
    c.send({ type: 'stop' });
    await c.waitType('done', 60_000);
    expect(c.ofType('final').filter((f) => f.text).length).toBeGreaterThan(0);
    expect(c.ofType('error')).toEqual([
      expect.objectContaining({ code: 'translation_failed', fatal: false, message: expect.stringMatching(/Apertium translation back end stopped/) }),
    ]);
    expect((await c.closed).code).toBe(1000);
  });

  it('answers 503 while the back end is down, and recovers', async () => {
    // Wait for the restart the previous test triggered, so there is a live one to kill.
    for (let i = 0; i < 60 && (await post(server.httpUrl, { q: ['Hi.'], source: 'en', target: 'es' })).status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const pid = apertiumPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const down = await post(server.httpUrl, { q: ['Hello.'], source: 'en', target: 'es' });
    expect(down.status).toBe(503);
    expect((await down.json()).error).toMatch(/Apertium translation back end stopped/);
    // The server restarts apertium-apy; within a few seconds translations work again.
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await post(server.httpUrl, { q: ['Hello.'], source: 'en', target: 'es' })).status;
    }
    expect(status).toBe(200);
  });
});

describe('POST /translate without translation configured', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--engine', 'sphinx']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 501 with how to enable it', async () => {
    const res = await post(server.httpUrl, { q: ['hi'], source: 'en', target: 'es' });
    expect(res.status).toBe(501);
    expect((await res.json()).error).toMatch(/--translate apertium/);
    expect((await fetch(`${server.httpUrl}/languages`)).status).toBe(501);
  });
});

// ------------------------------------------------------------ doubles of third-party APIs

interface Double {
  url: string;
  requests: { path: string; headers: http.IncomingHttpHeaders; body: any }[];
  close(): Promise<void>;
}

/** A local HTTP server answering like the documented API; `route` builds [status, body]. */
async function startDouble(route: (path: string, headers: http.IncomingHttpHeaders, body: any) => [number, unknown]): Promise<Double> {
  const requests: Double['requests'] = [];
  const srv = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : null;
    requests.push({ path: req.url!, headers: req.headers, body });
    const [status, out] = route(req.url!, req.headers, body);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => srv.close(() => r())),
  };
}

const fakeSpanish = (t: string) => `ES(${t})`;

describe('LibreTranslate back end (local double of its API)', () => {
  let double: Double;
  let server: RunningServer;
  beforeAll(async () => {
    // https://libretranslate.com/docs: POST /translate {q,source,target,format,api_key} → {translatedText}
    double = await startDouble((path, _h, body) => {
      if (path === '/lt/languages') return [200, [{ code: 'en', name: 'English', targets: ['es', 'fr'] }]];
      if (path !== '/lt/translate') return [404, { error: 'Not Found' }];
      if (body.api_key !== 'lt-secret') return [403, { error: 'Invalid API key' }];
      if (body.target === 'xx') return [400, { error: 'xx is not supported' }];
      return [200, { translatedText: Array.isArray(body.q) ? body.q.map(fakeSpanish) : fakeSpanish(body.q) }];
    });
    server = await startServer(['--engine', 'sphinx', '--translate', 'libretranslate', '--libretranslate-url', `${double.url}/lt`], {
      LIBRETRANSLATE_API_KEY: 'lt-secret',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await double?.close();
  });

  it('passes batches through with the key, which clients never see', async () => {
    const res = await post(server.httpUrl, { q: ['one', 'two'], source: 'en', target: 'es' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ translatedText: ['ES(one)', 'ES(two)'] });
    expect(double.requests.at(-1)!.body).toEqual({ q: ['one', 'two'], source: 'en', target: 'es', format: 'text', api_key: 'lt-secret' });
    const langs = await (await fetch(`${server.httpUrl}/languages`)).json();
    expect(langs).toEqual([{ code: 'en', name: 'English', targets: ['es', 'fr'] }]);
    expect(JSON.stringify(langs)).not.toMatch(/lt-secret/);
  });

  it('relays a refused pair as 400, and a dead service as 503', async () => {
    const bad = await post(server.httpUrl, { q: ['one'], source: 'en', target: 'xx' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/LibreTranslate refused the request: xx is not supported/);
    await double.close();
    const down = await post(server.httpUrl, { q: ['one'], source: 'en', target: 'es' });
    expect(down.status).toBe(503);
    expect((await down.json()).error).toMatch(/LibreTranslate translation back end is unavailable/);
  });
});

describe('DeepL back end (local double of its API v2)', () => {
  let double: Double;
  let server: RunningServer;
  beforeAll(async () => {
    // https://developers.deepl.com/docs/api-reference/translate: Authorization: DeepL-Auth-Key …,
    // {text:[…],source_lang,target_lang} → {translations:[{detected_source_language,text}]}
    double = await startDouble((path, headers, body) => {
      if (headers.authorization !== 'DeepL-Auth-Key dl-secret:fx') return [403, { message: 'Wrong endpoint or key' }];
      if (path === '/v2/languages?type=source') return [200, [{ language: 'EN', name: 'English' }, { language: 'DE', name: 'German' }]];
      if (path === '/v2/languages?type=target') return [200, [{ language: 'ES', name: 'Spanish' }, { language: 'EN-US', name: 'English (American)' }]];
      if (path !== '/v2/translate') return [404, { message: 'Not found' }];
      if (body.target_lang === 'ZZ') return [400, { message: "Value for 'target_lang' not supported." }];
      return [200, { translations: body.text.map((t: string) => ({ detected_source_language: body.source_lang, text: `${body.target_lang}:${t}` })) }];
    });
    server = await startServer(['--engine', 'sphinx', '--translate', 'deepl', '--deepl-url', double.url], { DEEPL_API_KEY: 'dl-secret:fx' });
  });
  afterAll(async () => {
    await server?.stop();
    await double?.close();
  });

  it('translates through DeepL with the key in the header', async () => {
    const res = await post(server.httpUrl, { q: ['one', '', 'two'], source: 'en', target: 'es' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ translatedText: ['ES:one', '', 'ES:two'] });
    expect(double.requests.at(-1)!.body).toEqual({ text: ['one', 'two'], source_lang: 'EN', target_lang: 'ES' });
    const langs = await (await fetch(`${server.httpUrl}/languages`)).json();
    expect(langs).toContainEqual({ code: 'en', name: 'English', targets: ['es'] });
  });

  it('asks DeepL for EN-US when the target is English', async () => {
    await post(server.httpUrl, { q: ['Hallo'], source: 'de', target: 'en' });
    expect(double.requests.at(-1)!.body.target_lang).toBe('EN-US');
  });

  it('relays a refused pair as 400, and a dead service as 503', async () => {
    const bad = await post(server.httpUrl, { q: ['one'], source: 'en', target: 'zz' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/DeepL refused the request/);
    await double.close();
    const down = await post(server.httpUrl, { q: ['one'], source: 'en', target: 'es' });
    expect(down.status).toBe(503);
    expect((await down.json()).error).toMatch(/DeepL translation back end is unavailable/);
  });
});
