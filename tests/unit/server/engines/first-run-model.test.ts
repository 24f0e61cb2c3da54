// npm start's first-run model download, against a local HTTP server (as the downloader's tests).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../../server/engines/models.ts';
import { ensureFirstRunModel, recommendedModel } from '../../../../scripts/first-run-model.ts';

const body = randomBytes(200_000);
const sha1 = createHash('sha1').update(body).digest('hex');
const entry = (name: string, good = true): CatalogModel => ({ name, file: `ggml-${name}.bin`, sizeMiB: 1, sha1: good ? sha1 : '0'.repeat(40), multilingual: !name.includes('.en') });

let server: http.Server;
let base: string;
let requests: string[] = [];
let tmp: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-length': body.length });
    if (req.method === 'HEAD') return res.end();
    for (let i = 0; i < body.length; i += 50_000) res.write(body.subarray(i, i + 50_000));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(async () => {
  requests = [];
  tmp = await mkdtemp(path.join(os.tmpdir(), 'first-run-'));
  return () => rm(tmp, { recursive: true, force: true });
});

function run(serverArgs: string[], extra: Partial<Parameters<typeof ensureFirstRunModel>[0]> = {}) {
  const lines: string[] = [];
  const progress: number[] = [];
  const p = ensureFirstRunModel({
    serverArgs,
    cores: 2,
    dir: tmp,
    baseUrl: base,
    log: (l) => lines.push(l),
    onProgress: (_n, pr) => progress.push(pr.received),
    entry: (n) => entry(n),
    ...extra,
  });
  return { p, lines, progress };
}

describe('the model the bench says keeps up', () => {
  it('is base from 2 cores, tiny on one; .en when the source is English-only', () => {
    expect(recommendedModel(1, false)).toBe('tiny');
    expect(recommendedModel(2, false)).toBe('base');
    expect(recommendedModel(16, false)).toBe('base');
    expect(recommendedModel(1, true)).toBe('tiny.en');
    expect(recommendedModel(4, true)).toBe('base.en');
  });
});

describe('first run of npm start', () => {
  it('downloads the recommended model with progress and a checksum, and starts the server with it', async () => {
    const { p, lines, progress } = run(['--port', '7861']);
    const r = await p;
    expect(r.action).toBe('downloaded');
    expect(r.model).toBe('base');
    const file = path.join(tmp, 'ggml-base.bin');
    expect(existsSync(file)).toBe(true);
    expect(r.serverArgs).toEqual(['--port', '7861', '--model', file]);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(body.length);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/downloading "base"/);
    expect(requests).toEqual(['HEAD /ggml-base.bin', 'GET /ggml-base.bin']);
  });

  it('gets the English-only model for --language en (not passed on to the server)', async () => {
    const r = await run(['--language', 'en'], { cores: 1 }).p;
    expect(r.model).toBe('tiny.en');
    expect(r.serverArgs).toEqual(['--model', path.join(tmp, 'ggml-tiny.en.bin')]);
  });

  it('uses a model already downloaded without asking the host', async () => {
    await writeFile(path.join(tmp, 'ggml-tiny.bin'), 'x');
    const r = await run([]).p;
    expect(r).toMatchObject({ action: 'present', model: 'tiny', serverArgs: ['--model', path.join(tmp, 'ggml-tiny.bin')] });
    expect(requests).toEqual([]);
  });

  it('does nothing with --engine sphinx, --no-download or a --model of its own', async () => {
    expect((await run(['--engine', 'sphinx']).p).action).toBe('skipped');
    const r = await run(['--no-download', '--port', '1']).p;
    expect(r).toEqual({ action: 'skipped', serverArgs: ['--port', '1'] });
    expect((await run(['--model', '/x/ggml-small.bin']).p).action).toBe('skipped');
    expect(requests).toEqual([]);
  });

  it('offline: one line and sphinx at once, no hang', async () => {
    // A port nobody listens on: the connection is refused at once.
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const t0 = performance.now();
    const { p, lines } = run(['--port', '7861'], { baseUrl: `http://127.0.0.1:${port}` });
    const r = await p;
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r).toEqual({ action: 'offline', model: 'base', serverArgs: ['--port', '7861', '--engine', 'sphinx'] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot be reached.*sphinx/);
  });

  it('a host that never answers counts as offline after the probe timeout', async () => {
    const silent = http.createServer(() => undefined); // accepts, never responds
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const t0 = performance.now();
      const r = await run([], { baseUrl: url, probeTimeoutMs: 300 }).p;
      expect(r.action).toBe('offline');
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('a download with a wrong checksum is discarded and sphinx starts', async () => {
    const { p, lines } = run([], { entry: (n) => entry(n, false) });
    const r = await p;
    expect(r.action).toBe('failed');
    expect(r.serverArgs).toEqual(['--engine', 'sphinx']);
    expect(existsSync(path.join(tmp, 'ggml-base.bin'))).toBe(false);
    expect(lines.at(-1)).toMatch(/download failed \(checksum mismatch/);
  });
});
