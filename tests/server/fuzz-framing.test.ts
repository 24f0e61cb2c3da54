// Fuzzing below the protocol: random and mutated HTTP request lines and headers, WebSocket
// handshakes, frame bits, lengths, masks and fragmentation, and TCP resets at random bytes, over
// raw sockets against one real server. It must never crash, never answer 5xx (but 503 busy and 501 no translation), and stay
// healthy. Seeded: FRAMING_SEED=<n> reproduces a run, FRAMING_CASES=<n> changes its size.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { Rng, mulberry32 } from '../helpers/rng.ts';
import { frame, upgradeRequest } from '../helpers/raw-ws.ts';

const SEED = Number(process.env.FRAMING_SEED ?? 20261201);
const CASES = Number(process.env.FRAMING_CASES ?? 10_000);
const WORKERS = 24;
/** WebSocket cases sent on one connection before a keepalive checks it still answers. */
const WS_BATCH = 20;

const METHODS = ['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'CONNECT', 'TRACE', 'get', 'G ET', '', 'X'.repeat(300)];
const TARGETS = ['/', '/health', '/metrics', '/ws', '/ws/', '/transcribe', '/translate', '/languages', '//[', '//[::1', 'http://[', '//%zz', '*',
  '/ws?x=%', '/%00', '/..%2f..%2fetc/passwd', 'http://127.0.0.1/health', '/' + 'a'.repeat(9000), '/health?' + 'q=1&'.repeat(500), '/\u00ff', ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1', 'http/1.1', '', 'HTTP/1.1 extra'];
const HOSTS = ['127.0.0.1', 'localhost:7860', '[::1]', 'evil.example', '', '[', 'a'.repeat(300), '127.0.0.1:99999', 'localhost\u0000'];
const ORIGINS = ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'http://localhost:5173', 'null', 'https://evil.example', '', '\u00ff\u00fe', 'x'.repeat(500)];
const CONTENT_TYPES = ['application/json', 'multipart/form-data; boundary=xyz', 'multipart/form-data', 'text/plain', 'application/octet-stream', ';;;', 'multipart/form-data; boundary=' + 'b'.repeat(200)];

/** A random HTTP request (possibly an upgrade), mutated at the byte level now and then. */
function httpCase(r: Rng): Buffer {
  const headers: string[] = [];
  if (r.chance(0.9)) headers.push(`Host: ${r.pick(HOSTS)}`);
  if (r.chance(0.4)) headers.push(`Origin: ${r.pick(ORIGINS)}`);
  if (r.chance(0.3)) headers.push('Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${r.pick(['dGhlIHNhbXBsZSBub25jZQ==', '', 'short', r.bytes(16).toString('base64')])}`, `Sec-WebSocket-Version: ${r.pick(['13', '8', '', 'x'])}`);
  if (r.chance(0.2)) headers.push(`Sec-WebSocket-Protocol: ${r.pick(['token.abc', 'token.', 'a,,b', 'x'.repeat(400)])}`);
  if (r.chance(0.3)) headers.push(`Content-Type: ${r.pick(CONTENT_TYPES)}`);
  let body = '';
  if (r.chance(0.3)) {
    body = r.pick(['{"q":"hi","source":"en","target":"es"}', '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nRIFF\r\n--xyz--\r\n', 'garbage', r.bytes(r.int(300)).toString('latin1')]);
    const lie = r.chance(0.3) ? r.int(2 * body.length + 2) : body.length;
    headers.push(r.chance(0.2) ? 'Transfer-Encoding: chunked' : `Content-Length: ${r.chance(0.05) ? r.pick(['-1', 'abc', '99999999999999999999', '1, 2']) : lie}`);
  }
  if (r.chance(0.1)) headers.push(`X-Forwarded-For: ${r.pick(['1.2.3.4', '::1', 'garbage', '1.1.1.1, 2.2.2.2'])}`);
  if (r.chance(0.05)) headers.push(`X-Big: ${'v'.repeat(r.pick([100, 9000, 20000]))}`);
  if (r.chance(0.05)) headers.push(r.pick(['NoColon', ': empty-name', 'Bad Name: x', 'X: \u0000', 'X:\r\n folded']));
  const text = `${r.pick(METHODS)} ${r.pick(TARGETS)} ${r.pick(VERSIONS)}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`;
  const bytes = Buffer.from(text, 'latin1');
  if (r.chance(0.15)) for (let i = 0, n = 1 + r.int(4); i < n; i++) bytes[r.int(bytes.length)] = r.int(256);
  return bytes;
}

// No init that starts an engine: thousands of engine starts would measure the engine, not the framing.
const MESSAGES = ['{"type":"keepalive"}', '{"type":"init","sourceLanguage":"en","engine":"telepathy","protocol":2}', '{"type":"flush"}', '{"type":"stop"}', 'not json', '{"type":"init","sourceLanguage":"' + 'x'.repeat(100) + '"}'];

/** One or more WebSocket frames with random bits, lengths, masks and fragmentation. */
function frameCase(r: Rng): Buffer {
  const k = r.next();
  if (k < 0.25) return frame(r.pick(MESSAGES)); // well formed
  if (k < 0.4) {
    // A fragmented message, sometimes with a control frame or a wrong opcode inside.
    const text = Buffer.from(r.pick(MESSAGES));
    const cut = r.int(text.length + 1);
    const parts = [frame(text.subarray(0, cut), { fin: false, opcode: 1 })];
    if (r.chance(0.3)) parts.push(frame('', { opcode: r.pick([9, 10]) }));
    parts.push(frame(text.subarray(cut), { opcode: r.chance(0.8) ? 0 : r.pick([1, 2]), fin: r.chance(0.9) }));
    return Buffer.concat(parts);
  }
  if (k < 0.7) {
    return frame(r.chance(0.5) ? r.bytes(r.int(200)) : Buffer.from(r.pick(MESSAGES)), {
      fin: r.chance(0.8),
      rsv: r.chance(0.3) ? r.int(8) : 0,
      opcode: r.chance(0.5) ? r.pick([0, 1, 2, 8, 9, 10]) : r.int(16),
      mask: r.chance(0.9),
      ...(r.chance(0.2) ? { length: r.pick([0, 1, 125, 126, 65535, 65536, 70_000, 2 ** 31, 2 ** 40]) } : {}),
    });
  }
  if (k < 0.8) {
    // A control frame too long, or a close frame with odd codes and reasons.
    const payload = r.chance(0.5) ? r.bytes(126 + r.int(10)) : Buffer.concat([Buffer.from([r.int(256), r.int(256)]), r.bytes(r.int(130))]);
    return frame(payload, { opcode: r.pick([8, 9, 10]) });
  }
  return r.bytes(1 + r.int(64)); // raw noise on the socket
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--engine', 'sphinx', '--max-sessions', '200', '--max-connections-per-ip', '200', '--rate-limit', '0', '--init-timeout', '3', '--quiet']);
});
afterAll(async () => {
  await server?.stop();
});

interface Conn {
  socket: net.Socket;
  data: () => string;
  closed: Promise<void>;
  isClosed: () => boolean;
}

function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (d) => chunks.length < 64 && chunks.push(d));
    socket.on('error', () => {});
    const closedP = new Promise<void>((r) => socket.once('close', () => ((closed = true), r())));
    socket.once('connect', () => resolve({ socket, data: () => Buffer.concat(chunks).toString('latin1'), closed: closedP, isClosed: () => closed }));
    socket.once('error', reject);
  });
}

/** Writes `bytes`, or only a prefix and then a TCP reset. */
function send(c: Conn, r: Rng, bytes: Buffer): boolean {
  if (r.chance(0.1)) {
    c.socket.write(bytes.subarray(0, r.int(bytes.length + 1)));
    c.socket.resetAndDestroy();
    return false;
  }
  c.socket.write(bytes);
  return true;
}

const settle = (c: Conn, ms: number) => Promise.race([c.closed, new Promise((r) => setTimeout(r, ms))]);

describe('framing fuzzing', () => {
  it(`survives ${CASES} random HTTP and WebSocket framing cases (seed ${SEED})`, async () => {
    const violations: string[] = [];
    const stats = { http: 0, ws: 0, resets: 0, statuses: {} as Record<string, number> };
    let next = 0;

    async function worker(index: number): Promise<void> {
      const r = new Rng(mulberry32(SEED * 97 + index));
      while (next < CASES) {
        if (r.chance(0.93)) {
          // HTTP: one request on a fresh connection (the server may close it after an error).
          next++;
          stats.http++;
          const c = await open();
          if (!send(c, r, httpCase(r))) {
            stats.resets++;
            continue;
          }
          await settle(c, 300);
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(c.data())?.[1] ?? 'none';
          stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
          if (Number(status) >= 500 && status !== '503' && status !== '501') violations.push(`HTTP ${status} (worker ${index}): ${c.data().slice(0, 200)}`);
          c.socket.destroy();
        } else {
          // WebSocket: a handshake, then a batch of frame cases until the server closes it.
          const c = await open();
          c.socket.write(upgradeRequest('/ws'));
          await new Promise<void>((res) => {
            const check = () => (/\r\n\r\n/.test(c.data()) || c.isClosed() ? res() : setTimeout(check, 5));
            check();
          });
          if (!/^HTTP\/1\.1 101/.test(c.data())) {
            violations.push(`upgrade refused: ${c.data().slice(0, 100)}`);
            c.socket.destroy();
            continue;
          }
          for (let i = 0; i < WS_BATCH && next < CASES && !c.isClosed(); i++) {
            next++;
            stats.ws++;
            if (!send(c, r, frameCase(r))) {
              stats.resets++;
              break;
            }
          }
          if (!c.isClosed() && !c.socket.destroyed) {
            c.socket.write(frame('{"type":"keepalive"}'));
            await settle(c, 500);
          }
          c.socket.destroy();
        }
      }
    }

    const t0 = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    const seconds = (Date.now() - t0) / 1000;
    console.log(`framing fuzz seed ${SEED}: ${stats.http} HTTP + ${stats.ws} WebSocket cases (${stats.resets} resets) in ${seconds.toFixed(1)} s; HTTP statuses ${JSON.stringify(stats.statuses)}`);

    expect(server.proc.exitCode).toBeNull();
    expect(server.proc.signalCode).toBeNull();
    const health = await fetch(`${server.httpUrl}/health`);
    expect(health.status).toBe(200);
    // A well-behaved client still gets a session.
    const ws = new (await import('ws')).default(server.wsUrl);
    const ready = await new Promise<string>((resolve) => {
      ws.on('open', () => ws.send('{"type":"init","sourceLanguage":"en","engine":"sphinx","protocol":2}'));
      ws.on('message', (d) => resolve(JSON.parse(d.toString()).type));
      ws.on('error', () => resolve('error'));
    });
    ws.close();
    expect(ready).toBe('ready');
    expect(violations.slice(0, 20), `server log:\n${server.logs().slice(-3000)}`).toEqual([]);
  });
});
