import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ChecksumError,
  DEFAULT_MODEL,
  MODEL_CATALOG,
  catalogEntry,
  downloadModel,
  findModel,
  missingModelMessage,
  modelDir,
  modelNameOf,
  readModelHeader,
  type CatalogModel,
} from '../../../../server/engines/models.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const sharedDir = process.env.SHARED_DIR ?? path.resolve(repoRoot, '../shared');
const testModel = (name: string) => path.join(sharedDir, 'fixtures/models', name);

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'models-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('catalog', () => {
  it('lists tiny/base/small (.en) with q5_1 and q8_0 variants and SHA-1 checksums', () => {
    const names = MODEL_CATALOG.map((m) => m.name);
    for (const size of ['tiny', 'tiny.en', 'base', 'base.en', 'small', 'small.en']) {
      expect(names).toContain(size);
      expect(names).toContain(`${size}-q5_1`);
      expect(names).toContain(`${size}-q8_0`);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(MODEL_CATALOG.map((m) => m.sha1)).size).toBe(names.length);
    for (const m of MODEL_CATALOG) {
      expect(m.sha1).toMatch(/^[0-9a-f]{40}$/);
      expect(m.file).toBe(`ggml-${m.name}.bin`);
      expect(m.multilingual).toBe(!m.name.includes('.en'));
    }
    expect(catalogEntry('base.en')?.sha1).toBe('137c40403d78fd54d454da0f9bd998f78703390c');
    expect(catalogEntry('small-q5_1')?.quantization).toBe('q5_1');
    expect(catalogEntry(DEFAULT_MODEL)).toBeDefined();
  });

  it('accepts file names and dotted quantization spellings', () => {
    expect(modelNameOf('ggml-base.en.bin')).toBe('base.en');
    expect(modelNameOf('/x/y/ggml-small-q8_0.bin')).toBe('small-q8_0');
    expect(modelNameOf('base.en.q5_1')).toBe('base.en-q5_1');
    expect(catalogEntry('ggml-tiny.en-q5_1.bin')?.name).toBe('tiny.en-q5_1');
    expect(catalogEntry('large-v9')).toBeUndefined();
  });
});

describe('cache folder and resolution', () => {
  it('uses WHISPER_MODEL_DIR, else ~/.cache/tab-captions/models', () => {
    expect(modelDir({ WHISPER_MODEL_DIR: tmp })).toBe(tmp);
    expect(modelDir({})).toBe(path.join(os.homedir(), '.cache', 'tab-captions', 'models'));
  });

  it('resolves names in the cache folder and paths to existing files', async () => {
    const file = path.join(tmp, 'ggml-base.en.bin');
    await writeFile(file, 'x');
    expect(findModel('base.en', { dir: tmp })).toBe(file);
    expect(findModel('ggml-base.en.bin', { dir: tmp })).toBe(file);
    expect(findModel(file)).toBe(file);
    expect(findModel('base', { dir: tmp })).toBeNull();
    expect(findModel(path.join(tmp, 'nope.bin'), { dir: tmp })).toBeNull();
    expect(findModel('', { dir: tmp })).toBeNull();
    // A model outside the catalog, put in the cache folder by hand.
    await writeFile(path.join(tmp, 'ggml-medium.bin'), 'x');
    expect(findModel('medium', { dir: tmp })).toBe(path.join(tmp, 'ggml-medium.bin'));
  });

  it('says how to get a missing model', () => {
    expect(missingModelMessage('base', { dir: tmp })).toContain('npm run model -- base');
    expect(missingModelMessage('whatever', { dir: tmp })).toContain('tiny.en');
  });
});

describe('readModelHeader', () => {
  it('reads the test models: multilingual and English-only tiny', async () => {
    const multi = await readModelHeader(testModel('for-tests-ggml-tiny.bin'));
    expect(multi).toMatchObject({ multilingual: true, size: 'tiny', nMels: 80 });
    const en = await readModelHeader(testModel('for-tests-ggml-tiny.en.bin'));
    expect(en).toMatchObject({ multilingual: false, size: 'tiny' });
  });

  it('rejects files that are not ggml Whisper models', async () => {
    const garbage = path.join(tmp, 'garbage.bin');
    await writeFile(garbage, randomBytes(4096));
    await expect(readModelHeader(garbage)).rejects.toThrow(/not a whisper\.cpp ggml model/);
    const gguf = path.join(tmp, 'model.gguf');
    await writeFile(gguf, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(100)]));
    await expect(readModelHeader(gguf)).rejects.toThrow(/GGUF/);
    const short = path.join(tmp, 'short.bin');
    await writeFile(short, Buffer.from('lmgg'));
    await expect(readModelHeader(short)).rejects.toThrow(/too small/);
  });
});

describe('downloadModel (against a local server)', () => {
  const body = randomBytes(300_000);
  const sha1 = createHash('sha1').update(body).digest('hex');
  const fake: CatalogModel = { name: 'fake', file: 'ggml-fake.bin', sizeMiB: 1, sha1, multilingual: true };
  let server: http.Server;
  let base: string;
  let requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const route = req.url?.split('/')[1];
      if (route === 'ok') {
        res.writeHead(200, { 'content-length': body.length });
        // Several chunks, so progress is reported more than once.
        for (let i = 0; i < body.length; i += 65536) res.write(body.subarray(i, i + 65536));
        res.end();
      } else if (route === 'redirect') {
        res.writeHead(302, { location: `/ok/${req.url?.split('/')[2]}` }).end();
      } else if (route === 'corrupt') {
        const bad = Buffer.from(body);
        bad[1000] ^= 0xff;
        res.writeHead(200, { 'content-length': bad.length }).end(bad);
      } else if (route === 'truncated') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 100_000), () => res.socket?.destroy());
      } else if (route === 'stall') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000)); // then nothing
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    requests = [];
  });

  const leftovers = async () => (await readdir(tmp)).filter((f) => f.startsWith('ggml-fake'));

  it('downloads, verifies, reports progress and renames the .part file', async () => {
    const progress: { received: number; total: number | null }[] = [];
    const file = await downloadModel(fake, { dir: tmp, baseUrl: `${base}/ok`, onProgress: (p) => progress.push(p) });
    expect(file).toBe(path.join(tmp, 'ggml-fake.bin'));
    expect((await readFile(file)).equals(body)).toBe(true);
    expect(await leftovers()).toEqual(['ggml-fake.bin']);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual({ received: body.length, total: body.length });
    expect(requests).toEqual(['/ok/ggml-fake.bin']);

    // Already there and valid: no second download.
    await downloadModel(fake, { dir: tmp, baseUrl: `${base}/ok` });
    expect(requests).toHaveLength(1);
  });

  it('follows redirects (Hugging Face answers with one)', async () => {
    const file = await downloadModel(fake, { dir: tmp, baseUrl: `${base}/redirect` });
    expect((await readFile(file)).equals(body)).toBe(true);
  });

  it('replaces a cached file whose checksum is wrong', async () => {
    await writeFile(path.join(tmp, 'ggml-fake.bin'), 'stale');
    await downloadModel(fake, { dir: tmp, baseUrl: `${base}/ok` });
    expect(requests).toHaveLength(1);
    expect((await readFile(path.join(tmp, 'ggml-fake.bin'))).equals(body)).toBe(true);
  });

  it('rejects a checksum mismatch and leaves nothing behind', async () => {
    const err = await downloadModel(fake, { dir: tmp, baseUrl: `${base}/corrupt` }).catch((e) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect(err.message).toMatch(/checksum mismatch.*expected SHA-1/);
    expect(await leftovers()).toEqual([]);
  });

  it('rejects a truncated response and leaves nothing behind', async () => {
    await expect(downloadModel(fake, { dir: tmp, baseUrl: `${base}/truncated` })).rejects.toThrow(
      /interrupted after \d+ of 300000 bytes|cut short/,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('gives up on a stalled download', async () => {
    await expect(
      downloadModel(fake, { dir: tmp, baseUrl: `${base}/stall`, stallTimeoutMs: 300 }),
    ).rejects.toThrow(/stalled/);
    expect(await leftovers()).toEqual([]);
  });

  it('reports HTTP errors', async () => {
    await expect(downloadModel(fake, { dir: tmp, baseUrl: `${base}/missing` })).rejects.toThrow(/HTTP 404/);
    expect(existsSync(path.join(tmp, 'ggml-fake.bin'))).toBe(false);
  });

  it('explains an unreachable server (offline)', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await downloadModel(fake, { dir: tmp, baseUrl: `http://127.0.0.1:${port}` }).catch((e) => e);
    expect(err.message).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): are you offline\?/);
    expect(err.message).toContain(path.join(tmp, 'ggml-fake.bin'));
  });

  it('rejects unknown model names without touching the network', async () => {
    await expect(downloadModel('large-v9', { dir: tmp, baseUrl: `${base}/ok` })).rejects.toThrow(/unknown Whisper model/);
    expect(requests).toHaveLength(0);
  });
});
