// `npm start`'s first run: with no Whisper model in the cache, download the one that keeps up
// on this machine (by bench:whisper's figures), with a progress bar and SHA-1 check; offline,
// say so in one line and start sphinx at once. `--engine sphinx` or `--no-download` skip it.
import { availableParallelism } from 'node:os';
import {
  DEFAULT_BASE_URL,
  MODEL_CATALOG,
  catalogEntry,
  downloadModel,
  findModel,
  safeHost,
  type CatalogModel,
  type DownloadProgress,
} from '../server/engines/models.ts';

/**
 * Fewest cores on which a model keeps up with one live stream, from bench:whisper on the
 * weightless models (2 threads, README table): base's sized passes take ~0.24 s and its finals
 * come 0.8 s (p50) / 1.3 s (p95) after the speech; small's 0.9 s passes give a 5.5 s p95. So
 * base from 2 cores; tiny (0.11 s passes, four streams on 2 cores) below that.
 */
const MIN_CORES: readonly [string, number][] = [
  ['base', 2],
  ['tiny', 1],
];

/** The model for this core count: base from 2 cores, else tiny; `.en` for English-only use. */
export function recommendedModel(cores: number, englishOnly: boolean): string {
  const size = MIN_CORES.find(([, min]) => cores >= min)?.[0] ?? 'tiny';
  return englishOnly ? `${size}.en` : size;
}

export interface FirstRunOptions {
  /** Arguments meant for the server; the result says which to use instead. */
  serverArgs: string[];
  cores?: number;
  dir?: string;
  baseUrl?: string;
  /** One line per message (stdout in `npm start`). */
  log: (line: string) => void;
  onProgress?: (name: string, p: DownloadProgress) => void;
  /** How long the reachability check may take before the host counts as offline. */
  probeTimeoutMs?: number;
  /** Catalog lookup (tests serve their own files). */
  entry?: (name: string) => CatalogModel | undefined;
}

export interface FirstRunResult {
  serverArgs: string[];
  action: 'skipped' | 'present' | 'downloaded' | 'offline' | 'failed';
  model?: string;
}

function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

export async function ensureFirstRunModel(opts: FirstRunOptions): Promise<FirstRunResult> {
  // Our own flags (--no-download, --language X) do not go to the server.
  const args: string[] = [];
  let language: string | undefined;
  for (let i = 0; i < opts.serverArgs.length; i++) {
    const a = opts.serverArgs[i];
    if (a === '--no-download') continue;
    if (a === '--language') language = opts.serverArgs[++i];
    else if (a.startsWith('--language=')) language = a.slice('--language='.length);
    else args.push(a);
  }
  const engine = flagValue(args, '--engine') ?? process.env.ENGINE;
  if (opts.serverArgs.includes('--no-download') || engine === 'sphinx' || flagValue(args, '--model') || process.env.WHISPER_MODEL) {
    return { serverArgs: args, action: 'skipped' };
  }
  const dir = opts.dir;
  const englishOnly = language === 'en' || language?.startsWith('en-') === true;
  const name = recommendedModel(opts.cores ?? availableParallelism(), englishOnly);
  // A model already downloaded: the recommended one, else any from the catalog (largest first).
  const have = [name, ...[...MODEL_CATALOG].reverse().map((m) => m.name)].find((n) => findModel(n, { dir }));
  if (have) return { serverArgs: [...args, '--model', findModel(have, { dir })!], action: 'present', model: have };

  const entry = (opts.entry ?? catalogEntry)(name);
  if (!entry) return { serverArgs: args, action: 'skipped' };
  const baseUrl = (opts.baseUrl ?? process.env.WHISPER_MODEL_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const sphinx = [...args, '--engine', 'sphinx'];
  const host = safeHost(baseUrl);
  if (!(await reachable(`${baseUrl}/${entry.file}`, opts.probeTimeoutMs ?? 5000))) {
    opts.log(`No Whisper model yet and ${host} cannot be reached (offline?): starting with sphinx (English only); "npm run model -- ${name}" later gets Whisper.`);
    return { serverArgs: sphinx, action: 'offline', model: name };
  }
  opts.log(`No Whisper model yet: downloading "${name}" (${entry.sizeMiB} MiB), the one that keeps up on this machine (--no-download or --engine sphinx to skip).`);
  try {
    const file = await downloadModel(entry, { dir, baseUrl, onProgress: (p) => opts.onProgress?.(name, p), stallTimeoutMs: 30_000 });
    return { serverArgs: [...args, '--model', file], action: 'downloaded', model: name };
  } catch (err) {
    opts.log(`Whisper model download failed (${(err as Error).message.split('. ')[0]}): starting with sphinx.`);
    return { serverArgs: sphinx, action: 'failed', model: name };
  }
}

/** Whether the model host answers at all within the timeout (any HTTP status counts). */
async function reachable(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
