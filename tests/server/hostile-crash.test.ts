// Hostile clients that used to take the server down with one request, in every configuration
// (default, --token, TLS, --trust-proxy): bad request targets, resets after refused upgrades and
// malformed WebSocket frames on refused or unauthenticated sockets. /health is checked after each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { RunningServer } from '../helpers/server-process.ts';
import { frame, rawConnect, rawGet, rawUpgrade, upgradeRequest } from '../helpers/raw-ws.ts';
import { CONFIGS, clientHeaders, clientTarget, closeAll, healthy, openSession, startHostile } from '../helpers/hostile.ts';

const BAD_TARGETS = ['//[', '//[::1', 'http://[', '//a:b@[x]/', '//%zz', 'https://:99999/', '/ws?x=%', '*', '//'];
const urlRejects = (t: string) => {
  try {
    new URL(t, 'http://localhost');
    return false;
  } catch {
    return true;
  }
};

/** Frames a well-behaved client never sends, each on its own connection. */
const BAD_FRAMES: [string, () => Buffer][] = [
  ['RSV1 set', () => frame('{"type":"keepalive"}', { rsv: 4 })],
  ['bad UTF-8 text', () => frame(Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]), { opcode: 1 })],
  ['reserved opcode', () => frame('x', { opcode: 3 })],
  ['unmasked', () => frame('{"type":"keepalive"}', { mask: false })],
  ['oversized (17 MiB claimed)', () => frame(Buffer.alloc(16), { length: 17 * 1024 * 1024 })],
  ['fragmented control frame', () => frame('', { opcode: 9, fin: false })],
];

describe.each(CONFIGS)('hostile input, $name configuration', (c) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  const target = () => ({ port: server.port, tls: c.tls });
  beforeAll(async () => {
    ({ server, cleanup } = await startHostile(c, ['--max-sessions', '2', '--max-connections-per-ip', '1']));
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('answers request targets that new URL() rejects with 400, plain and as upgrades', async () => {
    for (const t of BAD_TARGETS) {
      const plain = await rawGet(target(), t);
      if (urlRejects(t)) expect(plain.status, `GET ${t}`).toBe(400);
      else expect([400, 404], `GET ${t}`).toContain(plain.status);
      const up = await rawUpgrade(target(), {}, t);
      up.conn.socket.destroy();
      if (urlRejects(t)) expect(up.status, `upgrade ${t}`).toBe(400);
      expect(await healthy(server, target()), `after ${t}`).toBe(true);
    }
  });

  const refusals: [string, string, Record<string, string>][] = [
    ['404', '/nope', {}],
    ['403', '/ws', { Origin: 'https://evil.example' }],
    ...(c.token ? [['401', '/ws', { 'Sec-WebSocket-Protocol': 'token.wrong-token-value' }] as [string, string, Record<string, string>]] : []),
  ];
  it.each(refusals)('survives a TCP reset right after a refused upgrade (%s)', async (status, path, headers) => {
    for (let i = 0; i < 20; i++) {
      const conn = await rawConnect(target());
      conn.socket.write(upgradeRequest(path, headers));
      if (i % 2 === 0) await conn.waitFor(/\r\n\r\n/, 2000);
      else await new Promise((r) => setTimeout(r, i % 3));
      if (i === 0) expect(conn.received().toString('latin1')).toMatch(new RegExp(`^HTTP/1.1 ${status}`));
      conn.reset();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await healthy(server, target())).toBe(true);
  });

  it.each(BAD_FRAMES)('survives a malformed frame (%s) on busy, too_many_connections and unauthenticated sockets', async (_n, bad) => {
    const held: WebSocket[] = [];
    try {
      // Two sessions from two addresses fill --max-sessions 2.
      held.push(await openSession(server, c, '127.0.0.2'), await openSession(server, c, '127.0.0.3'));
      const busy = await rawUpgrade(clientTarget(c, server.port, '127.0.0.4'), clientHeaders(c, '127.0.0.4'));
      expect(busy.status).toBe(101);
      busy.conn.socket.write(bad());
      // A second connection from an address that holds one (limit 1): too_many_connections.
      const tooMany = await rawUpgrade(clientTarget(c, server.port, '127.0.0.2'), clientHeaders(c, '127.0.0.2'));
      expect(tooMany.status).toBe(101);
      tooMany.conn.socket.write(bad());
      await Promise.race([Promise.all([busy.conn.closed, tooMany.conn.closed]), new Promise((r) => setTimeout(r, 3000))]);
      expect(busy.conn.received().toString('latin1')).toMatch(/"busy"/);
      expect(tooMany.conn.received().toString('latin1')).toMatch(/too_many_connections/);
      expect(await healthy(server, target())).toBe(true);
    } finally {
      await closeAll(held);
    }
    await new Promise((r) => setTimeout(r, 200));
    // Still waiting for its init (and, with --token, for the token).
    const pending = await rawUpgrade(clientTarget(c, server.port, '127.0.0.5'), clientHeaders(c, '127.0.0.5', false));
    expect(pending.status).toBe(101);
    pending.conn.socket.write(bad());
    await Promise.race([pending.conn.closed, new Promise((r) => setTimeout(r, 3000))]);
    pending.conn.socket.destroy();
    expect(await healthy(server, target())).toBe(true);
  });
});
