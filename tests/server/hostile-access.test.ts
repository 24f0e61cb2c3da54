// Hostile web pages: with no flags only browser extensions and loopback pages may use the server
// (WebSocket and HTTP), CORS goes only to them, and a Host that does not name the server (DNS
// rebinding) gets 421. --allowed-origins pins the list; --allowed-hosts adds names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server-process.ts';
import { rawConnect, rawUpgrade } from '../helpers/raw-ws.ts';
import { EXT_ORIGIN, healthy, startHostile } from '../helpers/hostile.ts';

/** One raw HTTP/1.1 request; resolves with the status and the header block (lower case). */
async function request(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; head: string }> {
  const conn = await rawConnect({ port, tls: false });
  const all = { Host: `127.0.0.1:${port}`, Connection: 'close', ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers };
  conn.socket.write(`${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
  await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 10_000))]);
  conn.socket.destroy();
  const text = conn.received().toString('latin1');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head: text.split('\r\n\r\n')[0]!.toLowerCase() };
}

const MULTIPART = '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--xyz--\r\n';

describe('default origin and host policy', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ server, cleanup } = await startHostile({ name: 'default', args: [], tls: false, trustProxy: false }));
  });
  afterAll(async () => {
    await cleanup?.();
  });
  const upgradeStatus = async (headers: Record<string, string>) => {
    const { conn, status } = await rawUpgrade({ port: server.port, tls: false }, headers);
    conn.socket.destroy();
    return status;
  };

  it('opens WebSockets for extensions, loopback pages and clients without Origin only', async () => {
    for (const origin of [EXT_ORIGIN, 'moz-extension://0b1c2d3e-aaaa-bbbb-cccc-111122223333', 'http://localhost:5173', 'https://localhost', 'http://127.0.0.2:8080', 'http://[::1]:3000']) {
      expect(await upgradeStatus({ Origin: origin }), origin).toBe(101);
    }
    expect(await upgradeStatus({})).toBe(101);
    for (const origin of ['null', 'https://evil.example', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io', 'file://', 'data:text/html,x']) {
      expect(await upgradeStatus({ Origin: origin }), origin).toBe(403);
    }
    expect(await healthy(server, { port: server.port, tls: false })).toBe(true);
  });

  it('refuses HTTP from other origins: no CORS grant, no translation key to spend, no engine run', async () => {
    const evil = { Origin: 'https://evil.example' };
    expect((await request(server.port, 'GET', '/health', evil)).status).toBe(403);
    const preflight = await request(server.port, 'OPTIONS', '/translate', { ...evil, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
    expect(preflight.status).toBe(403);
    expect(preflight.head).not.toMatch(/access-control-allow-origin/);
    const post = await request(server.port, 'POST', '/translate', { ...evil, 'Content-Type': 'application/json' }, '{"q":"hi","source":"en","target":"es"}');
    expect(post.status).toBe(403);
    expect(post.head).not.toMatch(/access-control-allow-origin/);
    // A cross-site form post needs no preflight: it must not reach the engine.
    const upload = await request(server.port, 'POST', '/transcribe', { ...evil, 'Content-Type': 'multipart/form-data; boundary=xyz' }, MULTIPART);
    expect(upload.status).toBe(403);
    expect((await request(server.port, 'GET', '/health', { Origin: 'null' })).status).toBe(403);
  });

  it('grants CORS to the extension and to loopback pages', async () => {
    const ok = await request(server.port, 'OPTIONS', '/translate', { Origin: EXT_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
    expect(ok.status).toBe(204);
    expect(ok.head).toContain(`access-control-allow-origin: ${EXT_ORIGIN}`);
    const page = await request(server.port, 'GET', '/health', { Origin: 'http://localhost:5173' });
    expect(page.status).toBe(200);
    expect(page.head).toContain('access-control-allow-origin: http://localhost:5173');
  });

  it('answers 421 to a Host that does not name the server (DNS rebinding), HTTP and WebSocket', async () => {
    for (const path of ['/health', '/metrics', '/languages']) {
      expect((await request(server.port, 'GET', path, { Host: `rebind.evil.example:${server.port}` })).status, path).toBe(421);
    }
    expect(await upgradeStatus({ Host: 'rebind.evil.example' })).toBe(421);
    for (const host of [`localhost:${server.port}`, '127.0.0.1', `[::1]:${server.port}`, 'app.localhost']) {
      expect((await request(server.port, 'GET', '/health', { Host: host })).status, host).toBe(200);
    }
  });

  it('closes refused upgrades instead of leaving them half open', async () => {
    for (const [path, headers] of [['/nope', {}], ['/health', {}], ['/ws', { Origin: 'https://evil.example' }]] as const) {
      const { conn, status } = await rawUpgrade({ port: server.port, tls: false, allowHalfOpen: true }, headers, path);
      expect(status).toBeGreaterThanOrEqual(400);
      // A socket the server let go of answers our writes with a reset; a lingering one takes them.
      let failed = false;
      conn.socket.on('error', () => (failed = true));
      for (let i = 0; i < 20 && !failed && !conn.socket.destroyed; i++) {
        conn.socket.write('x'.repeat(1000));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(failed || conn.socket.destroyed, path).toBe(true);
      conn.socket.destroy();
    }
  });
});

describe('--allowed-origins pins, --allowed-hosts adds', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ server, cleanup } = await startHostile({ name: 'default', args: ['--allowed-origins', EXT_ORIGIN, '--allowed-hosts', 'captions.lan'], tls: false, trustProxy: false }));
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('serves only the pinned extension and the added host name', async () => {
    const up = async (headers: Record<string, string>) => {
      const { conn, status } = await rawUpgrade({ port: server.port, tls: false }, headers);
      conn.socket.destroy();
      return status;
    };
    expect(await up({ Origin: EXT_ORIGIN })).toBe(101);
    expect(await up({ Origin: 'chrome-extension://someotherextensionidaaaaaaaaaaaa' })).toBe(403);
    expect(await up({ Origin: 'http://localhost:5173' })).toBe(403);
    expect((await request(server.port, 'GET', '/health', { Host: `captions.lan:${server.port}` })).status).toBe(200);
    expect((await request(server.port, 'GET', '/health', { Host: 'other.lan' })).status).toBe(421);
  });
});
