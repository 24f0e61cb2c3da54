// koffi binding to CMU PocketSphinx 5prealpha as packaged by Debian (libpocketsphinx3,
// libsphinxbase3). Every call here is synchronous and CPU-bound: use it from a worker thread
// (sphinx-worker.ts), never on the server's event loop.

import fs from 'node:fs';
import path from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';
import { EngineUnavailableError } from './engine.ts';

export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const APT_PACKAGES = 'libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us';
export const INSTALL_HINT = `install the Debian packages: apt-get install ${APT_PACKAGES}`;

/**
 * Decoder options tuned for streaming captions with the en-us continuous model, measured with
 * bench/sphinx-tune.ts over the 38 real-speech fixtures (257 s), 100 ms chunks, one core:
 *   library defaults:  WER 29.5%, RTF 0.37–0.46, finish() 480–570 ms mean / 1.4–2.0 s max
 *   these options:     WER 29.4%, RTF 0.19,      finish()  35–37 ms mean /  90–130 ms max
 * - no fwdflat: its second pass reruns the whole utterance inside finish() (the latency above)
 *   and did not lower WER here; bestpath (cheap lattice rescoring) is worth 3 points: kept.
 * - maxhmmpf 4000 / maxwpf 20 cap the active search: half the CPU, WER unchanged. Tighter
 *   (maxhmmpf 2000) costs 3.5 points; narrower beams (1e-30/1e-20) or -ds 2 cost far more.
 */
export const DEFAULT_DECODER_OPTIONS: Readonly<Record<string, string>> = {
  '-fwdflat': 'no',
  '-bestpath': 'yes',
  '-maxhmmpf': '4000',
  '-maxwpf': '20',
  '-cmninit': '56.8,6.6,1.7,7.9,-14.9,-6.6,-16.4,3.0,-1.9,-3.4,0.4,-4.7,5.9',
};
// Why -cmninit: live CMN uses this mean until a decoder has seen 8 s of speech (or ends its
// first utterance), so it decides the first utterance of every new session. The model's own
// value (41.00,-5.29,...) is far from real recordings at our levels: a fresh decoder per
// fixture clip gave WER 49.5% with it, 30.0% with the mean decoders converge to over the
// fixtures (above). Not overfitted: with the mean reset before each clip, a mean taken from
// LJ Speech only gave LibriVox 28.2% (model's: 36.6%), one from LibriVox only gave LJ Speech
// 30.0% (model's: 41.3%). A warm decoder (29.4%) is unaffected.

export interface SphinxModelPaths {
  hmm: string;
  lm: string;
  dict: string;
  /** The acoustic model's feat.params (front-end settings), when it has one. */
  featParams: Record<string, string> | null;
}

/** Parses feat.params: one "-name value" pair per line. */
export function parseFeatParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(-\S+)\s+(\S+)/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Finds the acoustic model, language model and dictionary; throws when any is missing. */
export function resolveModel(modelDir: string = DEFAULT_MODEL_DIR): SphinxModelPaths {
  const paths = {
    hmm: path.join(modelDir, 'en-us'),
    lm: path.join(modelDir, 'en-us.lm.bin'),
    dict: path.join(modelDir, 'cmudict-en-us.dict'),
  };
  const missing = [path.join(paths.hmm, 'mdef'), paths.lm, paths.dict].filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    throw new EngineUnavailableError('sphinx', `model files missing (${missing.join(', ')}); ${INSTALL_HINT}`);
  }
  const featFile = path.join(paths.hmm, 'feat.params');
  const featParams = fs.existsSync(featFile) ? parseFeatParams(fs.readFileSync(featFile, 'utf8')) : null;
  return { ...paths, featParams };
}

type Ptr = bigint;

interface SphinxLib {
  cmd_ln_parse_r(inout: Ptr | null, defn: Ptr, argc: number, argv: string[], strict: number): Ptr | null;
  cmd_ln_free_r(config: Ptr): number;
  ps_args(): Ptr;
  ps_init(config: Ptr): Ptr | null;
  ps_free(ps: Ptr): number;
  ps_start_utt(ps: Ptr): number;
  ps_process_raw(ps: Ptr, data: Int16Array, n: number, noSearch: number, fullUtt: number): number;
  ps_end_utt(ps: Ptr): number;
  ps_get_hyp(ps: Ptr, score: null): string | null;
}

let lib: SphinxLib | null = null;

/** Loads the shared libraries once per thread (each worker has its own koffi instance). */
export function loadSphinx(): SphinxLib {
  if (lib) return lib;
  let sb: LibraryHandle;
  let ps: LibraryHandle;
  try {
    sb = koffi.load('libsphinxbase.so.3');
    ps = koffi.load('libpocketsphinx.so.3');
  } catch (err) {
    throw new EngineUnavailableError('sphinx', `cannot load PocketSphinx (${(err as Error).message}); ${INSTALL_HINT}`);
  }
  const cmd = koffi.pointer('cmd_ln_t', koffi.opaque());
  const args = koffi.pointer('arg_t', koffi.opaque());
  const dec = koffi.pointer('ps_decoder_t', koffi.opaque());
  const file = koffi.pointer('FILE_p', koffi.opaque());
  // NULL disables sphinxbase logging process-wide. Preferred over -logfn, which makes each
  // ps_init() reopen and swap a global FILE* — a race between worker threads.
  sb.func('err_set_logfp', 'void', [file])(null);
  lib = {
    cmd_ln_parse_r: sb.func('cmd_ln_parse_r', cmd, [cmd, args, 'int', 'const char **', 'int']),
    cmd_ln_free_r: sb.func('cmd_ln_free_r', 'int', [cmd]),
    ps_args: ps.func('ps_args', args, []),
    ps_init: ps.func('ps_init', dec, [cmd]),
    ps_free: ps.func('ps_free', 'int', [dec]),
    ps_start_utt: ps.func('ps_start_utt', 'int', [dec]),
    ps_process_raw: ps.func('ps_process_raw', 'int', [dec, 'const int16_t *', 'size_t', 'int', 'int']),
    ps_end_utt: ps.func('ps_end_utt', 'int', [dec]),
    ps_get_hyp: ps.func('ps_get_hyp', 'const char *', [dec, 'int *']),
  };
  return lib;
}

let names: Set<string> | null = null;

/** Names in ps_args(): an array of arg_t { char *name; int type; char *deflt; char *doc; }, NULL-terminated. */
function optionNames(l: SphinxLib): Set<string> {
  if (names) return names;
  names = new Set();
  const table = l.ps_args();
  const stride = 4 * 8; // four pointer-sized fields (int type is padded to 8) on 64-bit
  for (let i = 0; i < 1000; i++) {
    const name = koffi.decode(table, i * stride, 'const char *') as string | null;
    if (!name) break;
    names.add(name);
  }
  return names;
}

/**
 * One PocketSphinx decoder: utterances start lazily on the first audio, so finish() followed
 * by accept() needs no explicit restart.
 */
export class SphinxDecoder {
  private readonly lib: SphinxLib;
  private config: Ptr | null;
  private ps: Ptr | null;
  private inUtt = false;

  constructor(model: SphinxModelPaths, options: Readonly<Record<string, string>> = DEFAULT_DECODER_OPTIONS) {
    this.lib = loadSphinx();
    const args = new Map<string, string>();
    for (const [k, v] of Object.entries(options)) args.set(k.startsWith('-') ? k : `-${k}`, v);
    const argv = ['sphinx', '-hmm', model.hmm, '-lm', model.lm, '-dict', model.dict];
    for (const [k, v] of args) argv.push(k, v);
    const known = optionNames(this.lib);
    // Sanity check of the arg_t walk in optionNames(): if it ever misreads, leave feat.params to the library.
    if (model.featParams && known.has('-hmm') && known.has('-lowerf')) {
      // ps_init() re-reads feat.params over the given options, so -cmninit & co. could never
      // be overridden: pass the model's front-end settings ourselves and give it an empty file.
      // (Keys the decoder does not know, like -model, are skipped, as ps_init itself does.)
      for (const [k, v] of Object.entries(model.featParams)) if (!args.has(k) && known.has(k)) argv.push(k, v);
      argv.push('-featparams', '/dev/null');
    }
    // strict=1: an unknown option fails here instead of being ignored silently.
    this.config = this.lib.cmd_ln_parse_r(null, this.lib.ps_args(), argv.length, argv, 1);
    if (!this.config) throw new Error(`invalid PocketSphinx options: ${[...args].flat().join(' ')}`);
    this.ps = this.lib.ps_init(this.config);
    if (!this.ps) {
      this.lib.cmd_ln_free_r(this.config);
      this.config = null;
      throw new Error(`PocketSphinx could not load its model from ${path.dirname(model.hmm)}`);
    }
  }

  private handle(): Ptr {
    if (!this.ps) throw new Error('sphinx decoder is closed');
    return this.ps;
  }

  /** Feeds 16 kHz mono PCM of the running utterance (starting one if needed). */
  process(pcm: Int16Array): void {
    const ps = this.handle();
    if (!this.inUtt) {
      if (this.lib.ps_start_utt(ps) < 0) throw new Error('ps_start_utt failed');
      this.inUtt = true;
    }
    if (pcm.length === 0) return;
    if (this.lib.ps_process_raw(ps, pcm, pcm.length, 0, 0) < 0) throw new Error('ps_process_raw failed');
  }

  /** Best hypothesis of the running utterance ('' between utterances). */
  hypothesis(): string {
    const ps = this.handle();
    return this.inUtt ? (this.lib.ps_get_hyp(ps, null) ?? '').trim() : '';
  }

  /** Ends the running utterance and returns its final text ('' when there was none). */
  endUtterance(): string {
    const ps = this.handle();
    if (!this.inUtt) return '';
    this.inUtt = false;
    if (this.lib.ps_end_utt(ps) < 0) throw new Error('ps_end_utt failed');
    return (this.lib.ps_get_hyp(ps, null) ?? '').trim();
  }

  free(): void {
    if (this.ps) this.lib.ps_free(this.ps);
    if (this.config) this.lib.cmd_ln_free_r(this.config);
    this.ps = null;
    this.config = null;
    this.inUtt = false;
  }
}
