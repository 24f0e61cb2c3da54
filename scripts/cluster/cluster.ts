// Starts N real transcription server nodes and HAProxy in front of them on loopback (for
// `npm run cluster` and tests/server/cluster.test.ts); each node can be killed, drained, restarted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHaproxyConfig } from './haproxy-config.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = '127.0.0.1';

export interface ClusterOptions {
  nodes: number;
  maxSessionsPerNode: number;
  /** Extra server flags for every node (e.g. --engine sphinx). */
  nodeArgs?: string[];
  /** Client-facing port (0: a free one) and stats port (0: a free one). */
  port?: number;
  statsPort?: number;
  /** Node stderr goes here too (the CLI shows it); tests keep it in memory. */
  echoLogs?: boolean;
}

export interface ClusterNode {
  id: string;
  port: number;
  proc: ChildProcess | null;
  logs: string;
  /** Signal the node (SIGKILL: its whole process group, a crash); resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
}

export interface Cluster {
  wsUrl: string;
  httpUrl: string;
  statsUrl: string;
  nodes: ClusterNode[];
  /** HAProxy's view of each node: "UP", "DOWN", "MAINT", … and its current sessions. */
  backendState(): Promise<Map<string, { status: string; current: number; total: number }>>;
  /** Resolves once HAProxy sees every listed node (default: all) with `status`. */
  waitFor(status: 'UP' | 'DOWN', ids?: string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `--trust-proxy` once the server has it (issue 13): nodes then take X-Forwarded-For from HAProxy. */
function trustProxyArgs(): string[] {
  const help = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsx'), ['server/main.ts', '--help'], { cwd: repoRoot, encoding: 'utf8' });
  return /--trust-proxy\b/.test(help.stdout ?? '') ? ['--trust-proxy'] : [];
}

function makeNode(id: string, port: number, args: string[], echo: boolean): ClusterNode {
  let exited: Promise<number | null> = Promise.resolve(null);
  const node: ClusterNode = {
    id,
    port,
    proc: null,
    logs: '',
    async start() {
      const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
      const proc = spawn(tsx, ['server/main.ts', '--host', HOST, '--port', String(port), ...args], {
        cwd: repoRoot,
        env: { ...process.env, NODE_ID: id },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: SIGKILL must reach tsx's child too
      });
      node.proc = proc;
      exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
      proc.stderr!.on('data', (d) => {
        node.logs += d;
        if (echo) process.stderr.write(`[${id}] ${d}`);
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${id} did not start in 60 s:\n${node.logs}`)), 60_000);
        proc.stdout!.on('data', (d) => {
          out += d;
          if (/listening on/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${id} exited with ${code} before listening:\n${node.logs}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      const proc = node.proc;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        if (signal === 'SIGKILL' && proc.pid) process.kill(-proc.pid, 'SIGKILL');
        else proc.kill(signal);
      }
      return exited;
    },
  };
  return node;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const args = ['--max-sessions', String(o.maxSessionsPerNode), ...trustProxyArgs(), ...(o.nodeArgs ?? [])];
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= o.nodes; i++) nodes.push(makeNode(`node${i}`, await freePort(), args, o.echoLogs ?? false));
  const port = o.port || (await freePort());
  const statsPort = o.statsPort || (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'captions-cluster-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    renderHaproxyConfig({
      nodes: nodes.map((n) => ({ id: n.id, host: HOST, port: n.port })),
      bind: { host: HOST, port },
      stats: { host: HOST, port: statsPort },
      maxSessionsPerNode: o.maxSessionsPerNode,
    }),
  );
  let haproxy: ChildProcess | null = null;
  const statsUrl = `http://${HOST}:${statsPort}/stats`;
  const cluster: Cluster = {
    wsUrl: `ws://${HOST}:${port}/ws`,
    httpUrl: `http://${HOST}:${port}`,
    statsUrl,
    nodes,
    async backendState() {
      const csv = await (await fetch(`${statsUrl};csv`)).text();
      const [header, ...rows] = csv.trim().split('\n');
      const cols = header!.replace(/^# /, '').split(',');
      const at = (name: string) => cols.indexOf(name);
      const out = new Map<string, { status: string; current: number; total: number }>();
      for (const row of rows) {
        const f = row.split(',');
        if (f[at('pxname')] !== 'nodes' || f[at('svname')] === 'BACKEND') continue;
        out.set(f[at('svname')]!, { status: f[at('status')]!, current: Number(f[at('scur')]), total: Number(f[at('stot')]) });
      }
      return out;
    },
    async waitFor(status, ids = nodes.map((n) => n.id), timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const state = await cluster.backendState().catch(() => new Map());
        if (ids.every((id) => state.get(id)?.status?.startsWith(status))) return;
        if (Date.now() > until) throw new Error(`HAProxy did not see ${ids.join(', ')} ${status} in ${timeoutMs} ms: ${JSON.stringify([...state])}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      haproxy?.kill('SIGTERM');
      await Promise.all(nodes.map((n) => n.stop('SIGINT')));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // Nodes one after another: each loads its engine, and two cores are shared.
    for (const n of nodes) await n.start();
    const check = spawnSync('haproxy', ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
    if (check.error) throw new Error(`haproxy is not installed (bash scripts/install-system-deps.sh): ${check.error.message}`);
    if (check.status !== 0) throw new Error(`haproxy refused the configuration:\n${check.stderr}`);
    const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    haproxy = proc;
    let errors = '';
    proc.stderr!.on('data', (d) => {
      errors += d;
      if (o.echoLogs) process.stderr.write(`[haproxy] ${d}`);
    });
    const died = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`haproxy exited with ${code}:\n${errors}`))));
    died.catch(() => {});
    await Promise.race([cluster.waitFor('UP'), died]);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
