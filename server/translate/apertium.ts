// Apertium back end: runs Debian's `apertium-apy` HTTP server as a child process on the
// loopback interface and translates through its /translate endpoint. Fully offline.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { Logger } from '../log.ts';
import { backendJson, fetchBackend, TranslationError, type LanguageInfo, type TranslationBackend } from './backend.ts';
import { fromIso3, toIso3 } from '../../protocol/languages.ts';
import { languageName } from './language-names.ts';

export interface ApertiumOptions {
  /** Folder of installed pair modes (Debian: /usr/share/apertium/modes). */
  pairsPath: string;
  python: string;
  log: Logger;
  /** How long apertium-apy may take to answer its first request. */
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export const DEFAULT_PAIRS_PATH = '/usr/share/apertium/modes';
/** The Debian package's interpreter: apertium-apy's tornado lives in its dist-packages. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

// apertium-apy has no option for its listen address and binds every interface; this wrapper
// pins tornado's bind() to 127.0.0.1 so only our server can reach it.
const LOOPBACK_LAUNCHER = `
import sys, tornado.tcpserver as t
_bind = t.TCPServer.bind
t.TCPServer.bind = lambda self, port, address=None, *a, **k: _bind(self, port, '127.0.0.1', *a, **k)
from apertium_apy.apy import main
sys.argv = ['apertium-apy'] + sys.argv[1:]
main()
`;

export class ApertiumBackend implements TranslationBackend {
  readonly name = 'apertium';
  private proc: ChildProcess | null = null;
  private port = 0;
  private starting: Promise<void> | null = null;
  private closed = false;
  private pairs: [string, string][] | null = null;

  constructor(private readonly opts: ApertiumOptions) {}

  /** Starts apertium-apy and waits until it lists its pairs. */
  start(): Promise<void> {
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async languages(): Promise<LanguageInfo[]> {
    const pairs = await this.listPairs();
    const bySource = new Map<string, Set<string>>();
    for (const [s, t] of pairs) {
      if (!bySource.has(s)) bySource.set(s, new Set());
      bySource.get(s)!.add(t);
    }
    return [...bySource].map(([code, targets]) => ({ code, name: languageName(code), targets: [...targets] }));
  }

  async translate(texts: string[], source: string, target: string): Promise<string[]> {
    const pairs = await this.listPairs();
    if (!pairs.some(([s, t]) => s === source && t === target)) {
      const known = pairs.map(([s, t]) => `${s}→${t}`).join(', ') || 'none';
      throw new TranslationError(400, `Apertium has no ${source}→${target} pair installed (installed: ${known}); install a package for the pair (apt-cache search apertium-${toIso3(source)})`);
    }
    const langpair = `${toIso3(source)}|${toIso3(target)}`;
    // apertium-apy takes one text per request; it runs them through one pipeline in order.
    return Promise.all(texts.map((q) => this.translateOne(q, langpair)));
  }

  async close(): Promise<void> {
    this.closed = true;
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  private async translateOne(q: string, langpair: string): Promise<string> {
    const base = await this.baseUrl();
    const res = await fetchBackend(
      'Apertium',
      `${base}/translate`,
      { method: 'POST', body: new URLSearchParams({ q, langpair, markUnknown: 'no' }) },
      this.opts.requestTimeoutMs ?? 20_000,
    );
    const data = (await backendJson('Apertium', res)) as { responseData?: { translatedText?: unknown }; message?: string; explanation?: string };
    const text = data.responseData?.translatedText;
    if (!res.ok || typeof text !== 'string') {
      const why = data.explanation ?? data.message ?? `HTTP ${res.status}`;
      throw new TranslationError(res.status === 400 ? 400 : 502, `Apertium could not translate: ${why}`);
    }
    // With markUnknown=no, dropped unknown-word marks leave doubled spaces behind.
    return text.replace(/[ \t]{2,}/g, ' ').trim();
  }

  private async listPairs(): Promise<[string, string][]> {
    if (this.pairs) return this.pairs;
    const base = await this.baseUrl();
    const res = await fetchBackend('Apertium', `${base}/listPairs`, {}, 10_000);
    const data = (await backendJson('Apertium', res)) as { responseData?: { sourceLanguage: string; targetLanguage: string }[] };
    const pairs = (data.responseData ?? [])
      .map((p) => [fromIso3(p.sourceLanguage), fromIso3(p.targetLanguage)] as [string, string])
      .filter(([s, t], i, all) => s !== t && all.findIndex(([s2, t2]) => s2 === s && t2 === t) === i);
    this.pairs = pairs;
    return pairs;
  }

  /** The running apertium-apy's address; a crashed one is restarted, and this request answers 503. */
  private async baseUrl(): Promise<string> {
    if (this.closed) throw new TranslationError(503, 'the Apertium back end is shutting down');
    if (this.starting) await this.starting;
    if (!this.proc) {
      void this.start().catch((err) => this.opts.log.warn(`apertium-apy restart failed: ${(err as Error).message}`));
      throw new TranslationError(503, 'the Apertium translation back end stopped; it is being restarted, try again in a few seconds');
    }
    return `http://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    if (!fs.existsSync(this.opts.pairsPath)) {
      throw new Error(`Apertium pairs folder ${this.opts.pairsPath} not found: install apertium-apy and a pair such as apertium-eng-spa`);
    }
    const port = await freePort();
    const log = this.opts.log;
    const proc = spawn(this.opts.python, ['-c', LOOPBACK_LAUNCHER, '-p', String(port), '-l', '/dev/null', this.opts.pairsPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.once('error', () => undefined); // a missing interpreter shows as an exit below
    void exited.then(() => {
      if (this.proc === proc) {
        this.proc = null;
        if (!this.closed) log.warn(`apertium-apy (pid ${proc.pid}) exited (code ${proc.exitCode ?? proc.signalCode}); it restarts on the next request`);
      }
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`apertium-apy exited at start (is the apertium-apy package installed?): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${port}/listPairs`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error('apertium-apy did not start in time');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    this.proc = proc;
    this.port = port;
    this.pairs = null;
    log.info(`apertium-apy started (pid ${proc.pid}) on 127.0.0.1:${port}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
