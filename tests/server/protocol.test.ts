// The real server over a real WebSocket: the protocol's happy path, its limits and every
// kind of bad input from docs/protocol.md. Each must get a clear error or a clean close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { encodeWav } from '../helpers/fixtures.ts';

const INIT = { type: 'init', sourceLanguage: 'auto', targetLanguage: '', engine: 'sphinx', protocol: 2 };

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--engine', 'sphinx', '--max-sessions', '200']);
});
afterAll(async () => {
  await server?.stop();
});

async function ready(init: Record<string, unknown> = INIT): Promise<TestClient> {
  const c = await TestClient.connect(server.wsUrl);
  c.send(init);
  await c.waitType('ready');
  return c;
}

describe('protocol 2 session', () => {
  it('answers init with ready naming engine, model and session', async () => {
    const c = await ready();
    const r = c.ofType('ready')[0]!;
    expect(r).toMatchObject({ type: 'ready', protocol: 2, engine: 'sphinx', sampleRate: 16000 });
    expect(r.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.model).toBeTruthy();
    c.close();
  });

  it('answers keepalive with pong', async () => {
    const c = await ready();
    c.send({ type: 'keepalive' });
    await c.waitType('pong');
    c.close();
  });

  it('stop drains, says done, closes with 1000', async () => {
    const c = await ready();
    c.sendBinary(new Int16Array(1600));
    c.send({ type: 'stop' });
    await c.waitType('done');
    expect((await c.closed).code).toBe(1000);
  });

  it('serves the engine the server runs when a known engine is not available, and says so', async () => {
    const c = await ready({ ...INIT, engine: 'faster-whisper' });
    const r = c.ofType('ready')[0]!;
    expect(r.engine).toBe('sphinx');
    expect(r.notice).toMatch(/whisper is not available/);
    c.close();
  });

  it('reports health as JSON', async () => {
    const res = await fetch(`${server.httpUrl}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'ok', engine: 'sphinx', maxSessions: 200 });
    expect(typeof body.sessions).toBe('number');
  });

  it('answers a WebSocket upgrade on another path with HTTP 404', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/other`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('bad input', () => {
  it('invalid JSON gets bad_json and the session lives on', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send('{not json');
    expect(await c.waitType('error')).toMatchObject({ code: 'bad_json', fatal: false, success: false });
    c.send({ type: 'what' });
    await c.waitFor((m) => m.type === 'error' && m.code === 'bad_message');
    c.send(INIT);
    await c.waitType('ready');
    c.close();
  });

  it('binary before init gets not_initialized', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.sendBinary(new Int16Array(1600));
    expect(await c.waitType('error')).toMatchObject({ code: 'not_initialized', fatal: false });
    c.close();
  });

  it('a second init gets already_initialized', async () => {
    const c = await ready();
    c.send(INIT);
    expect(await c.waitType('error')).toMatchObject({ code: 'already_initialized', fatal: false });
    c.close();
  });

  it('a wrong audio spec is refused clearly', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send({ ...INIT, audio: { encoding: 'mp3', sampleRate: 16000, channels: 1 } });
    const err = await c.waitType('error');
    expect(err).toMatchObject({ code: 'unsupported_audio', fatal: false });
    expect(err.message).toMatch(/pcm_s16le/);
    // Not fatal: the connection still waits for a valid init.
    c.send(INIT);
    expect(await c.waitType('ready')).toMatchObject({ type: 'ready' });
    c.close();
  });

  it('odd byte counts are refused frame by frame', async () => {
    const c = await ready();
    c.sendBinary(new Uint8Array(3201));
    expect(await c.waitType('error')).toMatchObject({ code: 'odd_length', fatal: false });
    c.send({ type: 'keepalive' });
    await c.waitType('pong'); // still alive
    c.close();
  });

  it('oversized frames get frame_too_large; above the transport limit the socket closes with 1009', async () => {
    const c = await ready();
    c.sendBinary(new Int16Array(16000 * 3));
    expect(await c.waitType('error')).toMatchObject({ code: 'frame_too_large', fatal: false });
    c.sendBinary(new Uint8Array(17 * 1024 * 1024));
    expect((await c.closed).code).toBe(1009);
  });

  it('an unknown engine is a fatal error listing the available ones', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send({ ...INIT, engine: 'telepathy' });
    const err = await c.waitType('error');
    expect(err).toMatchObject({ code: 'unknown_engine', fatal: true });
    expect(err.message).toMatch(/sphinx/);
    expect((await c.closed).code).toBe(1008);
  });

  it('a language the engine cannot transcribe is refused', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send({ ...INIT, sourceLanguage: 'es' });
    expect(await c.waitType('error')).toMatchObject({ code: 'unsupported_language', fatal: true });
    await c.closed;
  });

  it('survives 100 connects and disconnects, abrupt ones included', async () => {
    for (let i = 0; i < 100; i++) {
      const c = await TestClient.connect(server.wsUrl);
      if (i % 3 === 0) c.send(INIT);
      if (i % 3 === 1) c.sendBinary(new Int16Array(800));
      if (i % 2 === 0) c.terminate();
      else c.close();
    }
    const c = await ready();
    c.send({ type: 'keepalive' });
    await c.waitType('pong');
    c.close();
    await new Promise((r) => setTimeout(r, 300));
    const health = await (await fetch(`${server.httpUrl}/health`)).json();
    expect(health.sessions).toBe(0);
  });
});

describe('limits', () => {
  it('answers busy above the session limit', async () => {
    const small = await startServer(['--engine', 'sphinx', '--max-sessions', '2']);
    try {
      const a = await TestClient.connect(small.wsUrl);
      const b = await TestClient.connect(small.wsUrl);
      const c = await TestClient.connect(small.wsUrl);
      expect(await c.waitType('error')).toMatchObject({ code: 'busy', fatal: true });
      expect((await c.closed).code).toBe(1013);
      a.close();
      await a.closed;
      await new Promise((r) => setTimeout(r, 100));
      const d = await TestClient.connect(small.wsUrl);
      d.send(INIT);
      await d.waitType('ready');
      b.close();
      d.close();
    } finally {
      await small.stop();
    }
  });

  it('closes idle sessions with idle_timeout', async () => {
    const s = await startServer(['--engine', 'sphinx', '--idle-timeout', '1']);
    try {
      const c = await TestClient.connect(s.wsUrl);
      c.send(INIT);
      await c.waitType('ready');
      expect(await c.waitType('error', 5000)).toMatchObject({ code: 'idle_timeout', fatal: true });
      expect((await c.closed).code).toBe(4000);
    } finally {
      await s.stop();
    }
  });

  it('shuts down gracefully on SIGTERM: finals first, then a reason', async () => {
    const s = await startServer(['--engine', 'sphinx']);
    const c = await TestClient.connect(s.wsUrl);
    c.send(INIT);
    await c.waitType('ready');
    const code = await s.stop('SIGTERM');
    expect(code).toBe(0);
    expect(c.ofType('error').at(-1)).toMatchObject({ code: 'shutting_down', fatal: true });
    expect((await c.closed).code).toBe(1001);
  });
});

describe('original protocol clients', () => {
  it('get connection/initialized and one transcription per WAV file', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'auto', targetLanguage: 'en', engine: 'faster-whisper' });
    await c.waitFor((m) => m.type === 'connection' && m.status === 'initialized');
    expect(c.ofType('ready')).toHaveLength(0);
    c.sendBinary(encodeWav(new Int16Array(16000), 16000));
    const t = await c.waitType('transcription', 20_000);
    expect(t).toMatchObject({ type: 'transcription', text: '', success: true });
    c.close();
  });
});
