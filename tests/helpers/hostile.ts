// Shared pieces of the hostile-client suites: the four server configurations (default, token, TLS,
// behind a trusted proxy), a /health probe over raw sockets, and a well-behaved session opener.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, type RunningServer } from './server-process.ts';
import { rawGet, type RawTarget } from './raw-ws.ts';

export const TOKEN = 'hostile-token-0123456789';
export const EXT_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

export interface HostileConfig {
  name: 'default' | 'token' | 'tls' | 'trust-proxy';
  args: string[];
  tls: boolean;
  token?: string;
  trustProxy: boolean;
}

export const CONFIGS: HostileConfig[] = [
  { name: 'default', args: [], tls: false, trustProxy: false },
  { name: 'token', args: ['--token', TOKEN], tls: false, token: TOKEN, trustProxy: false },
  { name: 'tls', args: [], tls: true, trustProxy: false },
  { name: 'trust-proxy', args: ['--trust-proxy'], tls: false, trustProxy: true },
];

/** Starts the server for a configuration (TLS: a fresh self-signed certificate). */
export async function startHostile(c: HostileConfig, extra: string[] = []): Promise<{ server: RunningServer; cleanup(): Promise<void> }> {
  let dir: string | null = null;
  const args = ['--engine', 'sphinx', ...c.args, ...extra];
  if (c.tls) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'captions-hostile-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    args.push('--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'));
  }
  const server = await startServer(args);
  return {
    server,
    async cleanup() {
      await server.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** /health answers 200 and the process is still running. */
export async function healthy(server: RunningServer, t: RawTarget): Promise<boolean> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return false;
  const { status } = await rawGet({ port: t.port, tls: t.tls }, '/health');
  return status === 200;
}

/** Headers a client at `address` sends: behind a trusted proxy the address travels in X-Forwarded-For. */
export function clientHeaders(c: HostileConfig, address: string, withToken = true): Record<string, string> {
  return {
    ...(c.trustProxy ? { 'X-Forwarded-For': address } : {}),
    ...(c.token && withToken ? { 'Sec-WebSocket-Protocol': `token.${c.token}` } : {}),
  };
}

/** Where a client at `address` connects from (without a proxy: its own loopback source address). */
export function clientTarget(c: HostileConfig, port: number, address: string): RawTarget {
  return { port, tls: c.tls, ...(c.trustProxy ? {} : { localAddress: address }) };
}

/** A well-behaved session from `address` (loopback 127.0.0.x): open, init, ready. */
export async function openSession(server: RunningServer, c: HostileConfig, address: string): Promise<WebSocket> {
  const ws = new WebSocket(server.wsUrl, c.token ? [`token.${c.token}`] : [], {
    headers: clientHeaders(c, address, false),
    ...(c.trustProxy ? {} : { localAddress: address }),
    ...(c.tls ? { rejectUnauthorized: false } : {}),
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('close', () => reject(new Error('closed before open')));
  });
  ws.send(JSON.stringify({ type: 'init', sourceLanguage: 'auto', targetLanguage: '', engine: 'sphinx', protocol: 2 }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ready')), 20_000);
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'ready') (clearTimeout(timer), resolve());
      if (m.type === 'error' && m.fatal) (clearTimeout(timer), reject(new Error(`refused: ${m.code}`)));
    });
  });
  return ws;
}

export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map((ws) =>
      ws.readyState === ws.CLOSED ? undefined : new Promise<void>((r) => (ws.once('close', () => r()), ws.close())),
    ),
  );
}
