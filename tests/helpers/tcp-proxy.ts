// A loopback TCP proxy for network-fault tests: forwards connections to a target port and can
// drop them (TCP reset, no close frame) or stall them (sockets stay open, nothing gets through:
// a dead NAT entry or a frozen Wi-Fi link). New connections always go through.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes forwarded client → target and target → client, over all connections (bandwidth on the wire). */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Resets every open connection, both sides. */
  dropAll(): void;
  /** From now on the open connections carry nothing (data is discarded), but stay open. */
  stallAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ a: net.Socket; b: net.Socket; stalled: boolean }>();
  let accepted = 0;
  const bytes = { up: 0, down: 0 };
  const server = net.createServer((a) => {
    accepted++;
    const b = net.connect(targetPort, '127.0.0.1');
    const pair = { a, b, stalled: false };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket, dir: 'up' | 'down') => {
      from.on('data', (d) => {
        if (pair.stalled || to.destroyed) return;
        bytes[dir] += d.length;
        to.write(d);
      });
      from.on('end', () => {
        if (!pair.stalled) to.end();
      });
      from.on('error', () => {});
      from.on('close', () => {
        pairs.delete(pair);
        if (!pair.stalled) to.destroy();
      });
    };
    forward(a, b, 'up');
    forward(b, a, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    get bytesUp() {
      return bytes.up;
    },
    get bytesDown() {
      return bytes.down;
    },
    dropAll() {
      for (const p of pairs) {
        p.a.resetAndDestroy();
        p.b.resetAndDestroy();
      }
      pairs.clear();
    },
    stallAll() {
      for (const p of pairs) p.stalled = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.a.destroy();
          p.b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
