// Raw sockets for hostile-client tests: plain TCP or TLS connections that send exactly the bytes
// a test writes (bad request lines, half handshakes, hand-built WebSocket frames, resets).
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';

export interface RawTarget {
  port: number;
  tls: boolean;
  /** Local source address (127.0.0.x) so one test can act as several clients. */
  localAddress?: string;
  /** Keep our side open after the server's FIN (to see whether the server lets go of the socket). */
  allowHalfOpen?: boolean;
}

export interface RawConn {
  socket: net.Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves once the peer closed or reset the connection. */
  closed: Promise<void>;
  /** Resolves with the text received once it contains `pattern` (or the connection ended). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a TCP reset (RST), no FIN. */
  reset(): void;
}

export function rawConnect(t: RawTarget): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port: t.port, allowHalfOpen: t.allowHalfOpen ?? false, ...(t.localAddress ? { localAddress: t.localAddress } : {}) };
    const socket: net.Socket = t.tls
      ? tls.connect({ ...opts, rejectUnauthorized: false, servername: undefined })
      : net.connect(opts);
    const chunks: Buffer[] = [];
    let done = false;
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => ((done = true), r())));
    const received = () => Buffer.concat(chunks);
    const conn: RawConn = {
      socket,
      received,
      closed,
      async waitFor(pattern, timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs;
        while (!pattern.test(received().toString('latin1')) && !done && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
        return received().toString('latin1');
      },
      reset() {
        if (t.tls) (socket as tls.TLSSocket).destroy(); // a TLS socket has no resetAndDestroy of its own
        const raw = t.tls ? ((socket as unknown as { _parent?: net.Socket })._parent ?? socket) : socket;
        if (typeof raw.resetAndDestroy === 'function' && !raw.destroyed) raw.resetAndDestroy();
        else socket.destroy();
      },
    };
    socket.once(t.tls ? 'secureConnect' : 'connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

/** A WebSocket upgrade request for `path` with extra header lines. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

export interface FrameOpts {
  fin?: boolean;
  rsv?: number; // 3 bits: RSV1 = 4
  opcode?: number;
  mask?: boolean;
  /** Claimed payload length (default: the real one): a lie makes a truncated or oversized frame. */
  length?: number;
}

/** One WebSocket frame, masked as a client must (unless mask: false). */
export function frame(payload: Buffer | string, o: FrameOpts = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const fin = o.fin ?? true;
  const opcode = o.opcode ?? (typeof payload === 'string' ? 1 : 2);
  const mask = o.mask ?? true;
  const len = o.length ?? data.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126) head.push(m | len);
  else if (len < 65536) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(data);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

/** Opens a raw WebSocket: resolves after the 101 (or with the refusal's status line). */
export async function rawUpgrade(t: RawTarget, headers: Record<string, string> = {}, path = '/ws'): Promise<{ conn: RawConn; status: number }> {
  const conn = await rawConnect(t);
  conn.socket.write(upgradeRequest(path, headers));
  const text = await conn.waitFor(/\r\n\r\n/);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { conn, status };
}

/** GET `path` with a plain HTTP/1.1 request on a raw socket; resolves with the status (0: none). */
export async function rawGet(t: RawTarget, target: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const conn = await rawConnect(t);
  const lines = Object.entries({ Host: '127.0.0.1', Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  conn.socket.write(`GET ${target} HTTP/1.1\r\n${lines}\r\n`);
  await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 5000))]);
  conn.socket.destroy();
  const text = conn.received().toString('latin1');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
}
