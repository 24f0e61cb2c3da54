// Whisper model files: the catalog of ggml models published for whisper.cpp, the local cache
// folder, name → file resolution, a header check, and a verified download.
//
// Checksums are SHA-1, as published: the unquantized models in whisper.cpp's models/README.md
// (github.com/ggml-org/whisper.cpp), the q5_1/q8_0 ones in the model card of
// huggingface.co/ggerganov/whisper.cpp (the same values download-ggml-model.sh users check).

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

export interface CatalogModel {
  /** Name as whisper.cpp spells it: 'base.en', 'small-q5_1'. */
  name: string;
  /** File name in the Hugging Face repo and in the cache folder. */
  file: string;
  /** Approximate size, for messages. */
  sizeMiB: number;
  sha1: string;
  multilingual: boolean;
  quantization?: 'q5_1' | 'q8_0';
}

const entry = (name: string, sizeMiB: number, sha1: string): CatalogModel => {
  const q = /-(q5_1|q8_0)$/.exec(name)?.[1] as CatalogModel['quantization'];
  return {
    name,
    file: `ggml-${name}.bin`,
    sizeMiB,
    sha1,
    multilingual: !name.includes('.en'),
    ...(q ? { quantization: q } : {}),
  };
};

export const MODEL_CATALOG: readonly CatalogModel[] = [
  entry('tiny', 75, 'bd577a113a864445d4c299885e0cb97d4ba92b5f'),
  entry('tiny-q5_1', 31, '2827a03e495b1ed3048ef28a6a4620537db4ee51'),
  entry('tiny-q8_0', 42, '19e8118f6652a650569f5a949d962154e01571d9'),
  entry('tiny.en', 75, 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df'),
  entry('tiny.en-q5_1', 31, '3fb92ec865cbbc769f08137f22470d6b66e071b6'),
  entry('tiny.en-q8_0', 42, '802d6668e7d411123e672abe4cb6c18f12306abb'),
  entry('base', 142, '465707469ff3a37a2b9b8d8f89f2f99de7299dac'),
  entry('base-q5_1', 57, 'a3733eda680ef76256db5fc5dd9de8629e62c5e7'),
  entry('base-q8_0', 78, '7bb89bb49ed6955013b166f1b6a6c04584a20fbe'),
  entry('base.en', 142, '137c40403d78fd54d454da0f9bd998f78703390c'),
  entry('base.en-q5_1', 57, 'd26d7ce5a1b6e57bea5d0431b9c20ae49423c94a'),
  entry('base.en-q8_0', 78, 'bb1574182e9b924452bf0cd1510ac034d323e948'),
  entry('small', 466, '55356645c2b361a969dfd0ef2c5a50d530afd8d5'),
  entry('small-q5_1', 181, '6fe57ddcfdd1c6b07cdcc73aaf620810ce5fc771'),
  entry('small-q8_0', 252, 'bcad8a2083f4e53d648d586b7dbc0cd673d8afad'),
  entry('small.en', 466, 'db8a495a91d927739e50b3fc1cc4c6b8f6c2d022'),
  entry('small.en-q5_1', 181, '20f54878d608f94e4a8ee3ae56016571d47cba34'),
  entry('small.en-q8_0', 252, '9d75ff4ccfa0a8217870d7405cf8cef0a5579852'),
];

/** Model used when none is named: multilingual, fast enough for live captions on a CPU. */
export const DEFAULT_MODEL = 'base';

export const DEFAULT_BASE_URL = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';

/** Cache folder: $WHISPER_MODEL_DIR, else ~/.cache/tab-captions/models. */
export function modelDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.WHISPER_MODEL_DIR?.trim();
  return dir ? path.resolve(expandHome(dir)) : path.join(homedir(), '.cache', 'tab-captions', 'models');
}

/** Catalog entry for 'base.en', 'ggml-base.en.bin', 'base.en.q5_1' or 'base.en-q5_1'. */
export function catalogEntry(name: string): CatalogModel | undefined {
  const n = modelNameOf(name);
  return MODEL_CATALOG.find((m) => m.name === n);
}

/** Bare model name of a name or file name: 'ggml-base.en.bin' → 'base.en'. */
export function modelNameOf(nameOrFile: string): string {
  return path
    .basename(nameOrFile.trim())
    .replace(/^ggml-/, '')
    .replace(/\.bin$/, '')
    .replace(/[._](q5_1|q8_0)$/, '-$1');
}

/**
 * Resolves a catalog name, another model name already in the cache folder, or a file path
 * to an existing model file; null when there is none.
 */
export function findModel(nameOrPath: string, opts: { dir?: string } = {}): string | null {
  const value = nameOrPath.trim();
  if (!value) return null;
  const looksLikePath = value.includes('/') || value.includes('\\') || value.startsWith('~') || value.endsWith('.bin');
  if (looksLikePath) {
    const p = path.resolve(expandHome(value));
    if (isFile(p)) return p;
    if (value.includes('/') || value.includes('\\') || value.startsWith('~')) return null;
  }
  const dir = opts.dir ?? modelDir();
  const p = path.join(dir, `ggml-${modelNameOf(value)}.bin`);
  return isFile(p) ? p : null;
}

/** What to tell a user whose model cannot be found. */
export function missingModelMessage(nameOrPath: string, opts: { dir?: string } = {}): string {
  const dir = opts.dir ?? modelDir();
  const known = catalogEntry(nameOrPath);
  if (known) {
    return `Whisper model "${known.name}" is not downloaded (looked in ${dir}). Download it with: npm run model -- ${known.name}`;
  }
  return (
    `Whisper model "${nameOrPath}" was not found (looked for the file and in ${dir}). ` +
    `Use a path to a ggml .bin file or one of: ${MODEL_CATALOG.map((m) => m.name).join(', ')}`
  );
}

// ---------------------------------------------------------------- header check

export interface ModelHeader {
  nVocab: number;
  nAudioLayer: number;
  nMels: number;
  ftype: number;
  /** English-only models have a 51864-token vocabulary. */
  multilingual: boolean;
  /** tiny/base/small/medium/large by encoder depth. */
  size: string;
}

const GGML_MAGIC = 0x67676d6c; // 'ggml', little-endian

/**
 * Reads the ggml header of a whisper.cpp model. Throws with a readable reason when the file
 * is not one, so a wrong file is reported before the native loader sees it.
 */
export async function readModelHeader(file: string): Promise<ModelHeader> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(48);
    const { bytesRead } = await fh.read(buf, 0, 48, 0);
    if (bytesRead < 48) throw new Error(`${file} is too small to be a whisper.cpp model (${bytesRead} bytes)`);
    const magic = buf.readUInt32LE(0);
    if (magic !== GGML_MAGIC) {
      const gguf = buf.toString('latin1', 0, 4) === 'GGUF';
      throw new Error(
        `${file} is not a whisper.cpp ggml model (${gguf ? 'it is a GGUF file' : 'bad magic'}); ` +
          'use a ggml-*.bin file from huggingface.co/ggerganov/whisper.cpp',
      );
    }
    const h = Array.from({ length: 11 }, (_, i) => buf.readInt32LE(4 + 4 * i));
    const [nVocab, nAudioCtx, , , nAudioLayer, , , , , nMels, ftype] = h;
    if (nVocab < 50000 || nVocab > 52000 || nAudioCtx !== 1500 || nAudioLayer < 1 || nAudioLayer > 64 || (nMels !== 80 && nMels !== 128)) {
      throw new Error(`${file} has a ggml header that is not a Whisper model's (corrupt or another kind of model)`);
    }
    const sizes: Record<number, string> = { 4: 'tiny', 6: 'base', 12: 'small', 24: 'medium', 32: 'large' };
    return {
      nVocab,
      nAudioLayer,
      nMels,
      ftype,
      multilingual: nVocab >= 51865,
      size: sizes[nAudioLayer] ?? `${nAudioLayer}-layer`,
    };
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------- download

export interface DownloadProgress {
  received: number;
  /** From Content-Length; null when the server did not say. */
  total: number | null;
}

export interface DownloadOptions {
  dir?: string;
  /** Mirror or test server; default $WHISPER_MODEL_BASE_URL or Hugging Face. */
  baseUrl?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Download again even when a verified file is present. */
  force?: boolean;
  signal?: AbortSignal;
  /** Abort when no byte arrives for this long (ms). */
  stallTimeoutMs?: number;
}

export class ChecksumError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
    file: string,
  ) {
    super(`checksum mismatch for ${file}: expected SHA-1 ${expected}, got ${actual}; the download was discarded`);
  }
}

/**
 * Downloads a catalog model (or a custom entry) into the cache folder, verifying its SHA-1.
 * Writes to <file>.part and renames only after the checksum matched, so an interrupted or
 * corrupt download never looks like a model. Returns the model's path.
 */
export async function downloadModel(model: string | CatalogModel, opts: DownloadOptions = {}): Promise<string> {
  const m = typeof model === 'string' ? catalogEntry(model) : model;
  if (!m) {
    throw new Error(`unknown Whisper model "${String(model)}"; available: ${MODEL_CATALOG.map((c) => c.name).join(', ')}`);
  }
  const dir = opts.dir ?? modelDir();
  const dest = path.join(dir, m.file);
  if (!opts.force && isFile(dest) && (await sha1File(dest)) === m.sha1) return dest;

  await mkdir(dir, { recursive: true });
  const part = `${dest}.part`;
  const baseUrl = (opts.baseUrl ?? process.env.WHISPER_MODEL_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const url = `${baseUrl}/${m.file}`;

  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const stallMs = opts.stallTimeoutMs ?? 60_000;
  let stalled = false;
  let timer = setTimeout(() => ((stalled = true), ctrl.abort()), stallMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ((stalled = true), ctrl.abort()), stallMs);
  };

  let received = 0;
  let total: number | null = null;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
    } catch (err) {
      throw networkError(err, url, dest, stalled);
    }
    if (!res.ok || !res.body) {
      throw new Error(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`.trim());
    }
    const len = Number(res.headers.get('content-length'));
    total = Number.isFinite(len) && len > 0 ? len : null;
    opts.onProgress?.({ received, total });

    const hash = createHash('sha1');
    const out = createWriteStream(part);
    const outDone = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
    });
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        hash.update(chunk);
        received += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        opts.onProgress?.({ received, total });
      }
    } catch (err) {
      out.destroy();
      throw networkError(err, url, dest, stalled, received, total);
    }
    out.end();
    await outDone;

    if (total !== null && received !== total) {
      throw new Error(`download of ${url} was cut short: got ${received} of ${total} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual !== m.sha1) throw new ChecksumError(m.sha1, actual, m.file);
    await rename(part, dest);
    return dest;
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Turns fetch's terse failures ("fetch failed", "terminated") into something actionable. */
function networkError(
  err: unknown,
  url: string,
  dest: string,
  stalled: boolean,
  received = 0,
  total: number | null = null,
): Error {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (stalled) return new Error(`download of ${url} stalled (no data received for a while) after ${received} bytes`);
  if (e?.name === 'AbortError') return new Error(`download of ${url} was cancelled`);
  if (received > 0) {
    const of = total !== null ? ` of ${total}` : '';
    return new Error(`download of ${url} was interrupted after ${received}${of} bytes (${e?.cause?.message ?? e?.message ?? err})`);
  }
  const code = e?.cause?.code ?? '';
  const offline = ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET'].includes(code);
  const host = safeHost(url);
  const hint =
    `Check your internet connection, or download ${url} by hand and save it as ${dest}, ` +
    'or set WHISPER_MODEL_BASE_URL to a mirror.';
  return new Error(
    `cannot reach ${host}${code ? ` (${code})` : ''}${offline ? ': are you offline?' : `: ${e?.cause?.message ?? e?.message ?? err}`} ${hint}`,
  );
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Size of a file or null; used by the CLI listing. */
export async function fileSize(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

/** The host of a URL for messages (the whole string when it is not a URL). */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p;
}
