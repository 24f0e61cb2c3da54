// Security options over real sockets: shared-token auth (init field and subprotocol), allowed
// origins, the per-address connection limit and TLS. Each refusal and each acceptance.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../helpers/server-process.ts';

const TOKEN = 'test-token-0123456789';
const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const INIT = { type: 'init', sourceLanguage: 'auto', targetLanguage: '', engine: 'sphinx', protocol: 2 };

interface Conn {
  ws: WebSocket;
  messages: Record<string, any>[];
  /** Resolves 'open', or the HTTP status of a refused upgrade. */
  outcome: Promise<'open' | number>;
  closed: Promise<number>;
  waitType(type: string, timeoutMs?: number): Promise<Record<string, any>>;
}

function connect(url: string, opts: { protocols?: string[]; origin?: string; tls?: boolean } = {}): Conn {
  const ws = new WebSocket(url, opts.protocols ?? [], {
    ...(opts.origin ? { origin: opts.origin } : {}),
    ...(opts.tls ? { rejectUnauthorized: false } : {}),
  });
  const messages: Record<string, any>[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  ws.on('error', () => {});
  const outcome = new Promise<'open' | number>((resolve) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const waitType = async (type: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.find((x) => x.type === type);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${type}; got ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { ws, messages, outcome, closed, waitType };
}

describe('token auth and allowed origins', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--engine', 'sphinx', '--token', TOKEN, '--allowed-origins', `${ORIGIN},https://app.example`]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps /health open', async () => {
    const res = await fetch(`${server.httpUrl}/health`);
    expect(res.status).toBe(200);
  });

  it('accepts the token in init', async () => {
    const c = connect(server.wsUrl);
    expect(await c.outcome).toBe('open');
    c.ws.send(JSON.stringify({ ...INIT, token: TOKEN }));
    expect(await c.waitType('ready')).toMatchObject({ engine: 'sphinx' });
    c.ws.close();
  });

  it('answers keepalive before init, then refuses an init without a token: unauthorized, 1008', async () => {
    const c = connect(server.wsUrl);
    expect(await c.outcome).toBe('open');
    c.ws.send(JSON.stringify({ type: 'keepalive' }));
    await c.waitType('pong');
    c.ws.send(JSON.stringify(INIT));
    expect(await c.waitType('error')).toMatchObject({ code: 'unauthorized', fatal: true, success: false });
    expect(await c.closed).toBe(1008);
    expect(c.messages.some((m) => m.type === 'ready')).toBe(false);
  });

  it('refuses an init with a wrong token, and audio before an authorized init', async () => {
    const c = connect(server.wsUrl);
    expect(await c.outcome).toBe('open');
    c.ws.send(JSON.stringify({ ...INIT, token: TOKEN.slice(0, -1) + 'X' }));
    expect(await c.waitType('error')).toMatchObject({ code: 'unauthorized', fatal: true });
    expect(await c.closed).toBe(1008);

    const d = connect(server.wsUrl);
    expect(await d.outcome).toBe('open');
    d.ws.send(Buffer.alloc(3200));
    expect(await d.waitType('error')).toMatchObject({ code: 'unauthorized', fatal: true });
    expect(await d.closed).toBe(1008);
  });

  it('accepts the token as a subprotocol and selects it in the handshake', async () => {
    const c = connect(server.wsUrl, { protocols: [`token.${TOKEN}`] });
    expect(await c.outcome).toBe('open');
    expect(c.ws.protocol).toBe(`token.${TOKEN}`);
    c.ws.send(JSON.stringify(INIT)); // no token in init needed
    await c.waitType('ready');
    c.ws.close();
  });

  it('refuses a wrong subprotocol token with HTTP 401', async () => {
    const c = connect(server.wsUrl, { protocols: ['token.wrong-token-value'] });
    expect(await c.outcome).toBe(401);
  });

  it('accepts an allowed Origin and refuses another with HTTP 403', async () => {
    const ok = connect(server.wsUrl, { origin: ORIGIN, protocols: [`token.${TOKEN}`] });
    expect(await ok.outcome).toBe('open');
    ok.ws.send(JSON.stringify(INIT));
    await ok.waitType('ready');
    ok.ws.close();

    const bad = connect(server.wsUrl, { origin: 'https://evil.example', protocols: [`token.${TOKEN}`] });
    expect(await bad.outcome).toBe(403);
    const badNoToken = connect(server.wsUrl, { origin: 'chrome-extension://someoneelse' });
    expect(await badNoToken.outcome).toBe(403);
  });

  it('guards /metrics with the token', async () => {
    expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(401);
    const res = await fetch(`${server.httpUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/captions_errors_total\{code="unauthorized"\} [1-9]/);
  });
});

describe('require-origin and the per-address connection limit', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--engine', 'sphinx', '--require-origin', '--max-connections-per-ip', '2']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses an upgrade without Origin with 403, accepts an allowed one (default: extensions and loopback pages)', async () => {
    expect(await connect(server.wsUrl).outcome).toBe(403);
    expect(await connect(server.wsUrl, { origin: 'https://anything.example' }).outcome).toBe(403);
    const c = connect(server.wsUrl, { origin: 'http://localhost:5173' });
    expect(await c.outcome).toBe('open');
    c.ws.close();
    await c.closed;
  });

  it('refuses a connection above the limit with too_many_connections + 1008, and frees slots on close', async () => {
    const origin = ORIGIN;
    const a = connect(server.wsUrl, { origin });
    const b = connect(server.wsUrl, { origin });
    expect(await a.outcome).toBe('open');
    expect(await b.outcome).toBe('open');
    b.ws.send(JSON.stringify(INIT));
    await b.waitType('ready');

    const c = connect(server.wsUrl, { origin });
    expect(await c.outcome).toBe('open');
    expect(await c.waitType('error')).toMatchObject({ code: 'too_many_connections', fatal: true, success: false });
    expect(await c.closed).toBe(1008);

    a.ws.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 100));
    const d = connect(server.wsUrl, { origin });
    expect(await d.outcome).toBe('open');
    d.ws.send(JSON.stringify(INIT));
    await d.waitType('ready');
    b.ws.close();
    d.ws.close();
    await Promise.all([b.closed, d.closed]);
  });
});

describe('TLS', () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'captions-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    server = await startServer([
      '--engine', 'sphinx', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'),
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves https /health', async () => {
    expect(server.httpUrl).toMatch(/^https:/);
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${server.httpUrl}/health`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('runs a session over wss', async () => {
    expect(server.wsUrl).toMatch(/^wss:/);
    const c = connect(server.wsUrl, { tls: true });
    expect(await c.outcome).toBe('open');
    c.ws.send(JSON.stringify(INIT));
    await c.waitType('ready');
    c.ws.send(JSON.stringify({ type: 'stop' }));
    await c.waitType('done');
    expect(await c.closed).toBe(1000);
  });

  it('does not speak plain ws on the TLS port', async () => {
    const c = connect(server.wsUrl.replace(/^wss:/, 'ws:'));
    const result = await Promise.race([c.outcome, c.closed.then(() => 'closed' as const)]);
    expect(result).not.toBe('open');
  });
});
