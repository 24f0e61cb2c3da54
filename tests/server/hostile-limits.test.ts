// Hostile clients against the fair limits: resets that leave sessions held for resume, uploads
// that never finish, connections that never init, oversized fields and messages, floods of bad
// messages. One address must never take every slot; /health is checked after each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../helpers/server-process.ts';
import { rawConnect } from '../helpers/raw-ws.ts';
import { CONFIGS, closeAll, healthy, openSession, startHostile } from '../helpers/hostile.ts';

const DEFAULT = CONFIGS[0]!;

function connect(url: string, localAddress = '127.0.0.1') {
  const ws = new WebSocket(url, { localAddress });
  const messages: Record<string, any>[] = [];
  ws.on('error', () => {});
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  const opened = new Promise<void>((r) => ws.once('open', () => r()));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  const waitType = async (type: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = messages.find((x) => x.type === type || (type !== 'error' && x.code === type));
      if (m) return m;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${type}: ${JSON.stringify(messages).slice(0, 300)}`);
  };
  return { ws, messages, opened, closed, waitType };
}

describe('fair limits', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ server, cleanup } = await startHostile(DEFAULT, ['--max-sessions', '8', '--max-connections-per-ip', '2', '--init-timeout', '2', '--body-timeout', '3', '--resume-grace', '60']));
  });
  afterAll(async () => {
    await cleanup?.();
  });
  const target = () => ({ port: server.port, tls: false });

  it('counts sessions held for resume against their address: init+reset cycles cannot fill the server', async () => {
    const refused: string[] = [];
    for (let i = 0; i < 16; i++) {
      const c = connect(server.wsUrl, '127.0.0.7');
      await c.opened;
      c.ws.send(JSON.stringify({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2 }));
      const first = await Promise.race([c.waitType('ready').then(() => 'ready'), c.waitType('error').then((m) => m.code as string)]);
      if (first !== 'ready') {
        refused.push(first);
        c.ws.terminate();
        continue;
      }
      c.ws.send(Buffer.alloc(3200)); // audio: the session is worth keeping for a resume
      await new Promise((r) => setTimeout(r, 50));
      (c.ws as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy();
      await c.closed;
    }
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['too_many_connections']));
    // Another client still gets a session.
    const other = await openSession(server, DEFAULT, '127.0.0.8');
    await closeAll([other]);
    expect(await healthy(server, target())).toBe(true);
  });

  it('closes a connection that sends no valid init within --init-timeout, keepalives or not', async () => {
    const c = connect(server.wsUrl, '127.0.0.9');
    await c.opened;
    const timer = setInterval(() => c.ws.readyState === c.ws.OPEN && c.ws.send('{"type":"keepalive"}'), 200);
    try {
      expect(await c.waitType('init_timeout', 6000)).toMatchObject({ type: 'error', fatal: true });
      expect(await c.closed).toBe(1008);
    } finally {
      clearInterval(timer);
    }
  });

  it('limits uploads per address and cuts a body that does not arrive within --body-timeout', async () => {
    const slow = async (address: string) => {
      const conn = await rawConnect({ port: server.port, tls: false, localAddress: address });
      conn.socket.write(`POST /transcribe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 100000\r\n\r\n--xyz\r\n`);
      return conn;
    };
    const t0 = Date.now();
    const a = await slow('127.0.0.10');
    const b = await slow('127.0.0.10');
    await new Promise((r) => setTimeout(r, 300));
    const c = await slow('127.0.0.10');
    // The third from the same address is refused at once (two slots per address).
    expect(await c.waitFor(/\r\n\r\n/, 3000)).toMatch(/^HTTP\/1\.1 429/);
    c.socket.destroy();
    // The stalled ones are cut when their body deadline passes.
    await Promise.all([a.closed, b.closed]);
    const seconds = (Date.now() - t0) / 1000;
    console.log(`stalled uploads cut after ${seconds.toFixed(1)} s (--body-timeout 3): ${a.received().toString('latin1').split('\r\n')[0]}`);
    expect(seconds).toBeLessThan(8);
    await new Promise((r) => setTimeout(r, 200));
    expect(await healthy(server, target())).toBe(true);
    // Their slots are free again.
    const d = await slow('127.0.0.10');
    await new Promise((r) => setTimeout(r, 300));
    expect(d.received().length).toBe(0);
    d.socket.destroy();
  });

  it('refuses over-long protocol fields with a clear error and never logs them whole', async () => {
    const c = connect(server.wsUrl, '127.0.0.11');
    await c.opened;
    const long = 'en-' + 'abcdefgh-'.repeat(2000) + 'x1';
    c.ws.send(JSON.stringify({ type: 'init', sourceLanguage: long, targetLanguage: '', engine: 'sphinx', protocol: 2 }));
    expect(await c.waitType('error')).toMatchObject({ code: 'bad_message', message: expect.stringMatching(/sourceLanguage.*limit is 35/) });
    c.ws.send(JSON.stringify({ type: 'init', sourceLanguage: 'en', targetLanguage: 'x'.repeat(5000), engine: 'sphinx', protocol: 2 }));
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages.some((m) => m.type === 'ready')).toBe(false);
    expect(server.logs()).not.toContain('abcdefgh-abcdefgh-abcdefgh-abcdefgh-');
    c.ws.close();
  });

  it('allows 64 KiB messages before init, audio-sized ones after', async () => {
    const c = connect(server.wsUrl, '127.0.0.12');
    await c.opened;
    c.ws.send(JSON.stringify({ type: 'keepalive', pad: 'x'.repeat(100 * 1024) }));
    expect(await c.closed).toBe(1009);
    const d = connect(server.wsUrl, '127.0.0.12');
    await d.opened;
    d.ws.send(JSON.stringify({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2, audio: { encoding: 'pcm_s16le', sampleRate: 48000, channels: 2 } }));
    await d.waitType('ready');
    d.ws.send(Buffer.alloc(384_000)); // 2 s of 48 kHz stereo: the largest PCM frame
    d.ws.send('{"type":"keepalive"}');
    await d.waitType('pong');
    expect(d.ws.readyState).toBe(WebSocket.OPEN);
    d.ws.close();
    await d.closed;
  });

  it('closes a connection after too many protocol errors', async () => {
    const c = connect(server.wsUrl, '127.0.0.13');
    await c.opened;
    for (let i = 0; i < 300; i++) c.ws.send('not json');
    expect(await c.waitType('too_many_errors')).toMatchObject({ fatal: true });
    expect(await c.closed).toBe(1008);
    expect(c.messages.filter((m) => m.code === 'bad_json').length).toBeLessThanOrEqual(200);
    expect(await healthy(server, target())).toBe(true);
  });
});
