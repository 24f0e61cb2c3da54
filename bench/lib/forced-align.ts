// Word end times of known speech by forced alignment with PocketSphinx (Debian's
// libpocketsphinx3 + pocketsphinx-en-us, the same library the sphinx engine uses): the
// reference transcript becomes a one-path JSGF grammar, so the decoder can only place the
// given words and reports where each starts and ends (10 ms frames). Bench-only: it runs on
// the calling thread, once per clip, before any timing starts.
import koffi from 'koffi';
import { DEFAULT_MODEL_DIR, resolveModel } from '../../server/engines/sphinx-ffi.ts';
import { normalizeWords } from '../../tests/helpers/wer.ts';

export interface AlignedWord {
  word: string;
  /** Seconds from the start of the clip. */
  start: number;
  end: number;
}

type Ptr = unknown;
interface AlignLib {
  cmd_ln_parse_r(a: null, defs: Ptr, argc: number, argv: string[], strict: number): Ptr | null;
  ps_args(): Ptr;
  ps_init(config: Ptr): Ptr | null;
  ps_free(ps: Ptr): number;
  ps_lookup_word(ps: Ptr, word: string): string | null;
  ps_set_jsgf_string(ps: Ptr, name: string, jsgf: string): number;
  ps_set_search(ps: Ptr, name: string): number;
  ps_start_utt(ps: Ptr): number;
  ps_process_raw(ps: Ptr, data: Int16Array, n: number, noSearch: number, fullUtt: number): number;
  ps_end_utt(ps: Ptr): number;
  ps_seg_iter(ps: Ptr): Ptr | null;
  ps_seg_next(seg: Ptr): Ptr | null;
  ps_seg_word(seg: Ptr): string;
  ps_seg_frames(seg: Ptr, sf: number[], ef: number[]): void;
}

let lib: AlignLib | null = null;
function load(): AlignLib {
  if (lib) return lib;
  const sb = koffi.load('libsphinxbase.so.3');
  const ps = koffi.load('libpocketsphinx.so.3');
  const cmd = koffi.pointer('align_cmd_ln_t', koffi.opaque());
  const args = koffi.pointer('align_arg_t', koffi.opaque());
  const dec = koffi.pointer('align_ps_decoder_t', koffi.opaque());
  const seg = koffi.pointer('align_ps_seg_t', koffi.opaque());
  sb.func('err_set_logfp', 'void', ['void *'])(null);
  lib = {
    cmd_ln_parse_r: sb.func('cmd_ln_parse_r', cmd, [cmd, args, 'int', 'const char **', 'int']),
    ps_args: ps.func('ps_args', args, []),
    ps_init: ps.func('ps_init', dec, [cmd]),
    ps_free: ps.func('ps_free', 'int', [dec]),
    ps_lookup_word: ps.func('ps_lookup_word', 'const char *', [dec, 'const char *']),
    ps_set_jsgf_string: ps.func('ps_set_jsgf_string', 'int', [dec, 'const char *', 'const char *']),
    ps_set_search: ps.func('ps_set_search', 'int', [dec, 'const char *']),
    ps_start_utt: ps.func('ps_start_utt', 'int', [dec]),
    ps_process_raw: ps.func('ps_process_raw', 'int', [dec, 'const int16_t *', 'size_t', 'int', 'int']),
    ps_end_utt: ps.func('ps_end_utt', 'int', [dec]),
    ps_seg_iter: ps.func('ps_seg_iter', seg, [dec]),
    ps_seg_next: ps.func('ps_seg_next', seg, [seg]),
    ps_seg_word: ps.func('ps_seg_word', 'const char *', [seg]),
    ps_seg_frames: ps.func('ps_seg_frames', 'void', [seg, koffi.out(koffi.pointer('int')), koffi.out(koffi.pointer('int'))]),
  } as AlignLib;
  return lib;
}

export class ForcedAligner {
  private readonly lib = load();
  private readonly ps: Ptr;
  private n = 0;

  constructor(modelDir = DEFAULT_MODEL_DIR) {
    const m = resolveModel(modelDir);
    const argv = ['align', '-hmm', m.hmm, '-dict', m.dict, '-lm', m.lm, '-bestpath', 'no', '-fwdflat', 'no', '-beam', '1e-60', '-wbeam', '1e-50'];
    const config = this.lib.cmd_ln_parse_r(null, this.lib.ps_args(), argv.length, argv, 1);
    if (!config) throw new Error('forced aligner: bad PocketSphinx options');
    const ps = this.lib.ps_init(config);
    if (!ps) throw new Error(`forced aligner: no PocketSphinx model in ${modelDir}`);
    this.ps = ps;
  }

  /** Reference words the dictionary lacks (a clip with any cannot be aligned). */
  unknownWords(text: string): string[] {
    return normalizeWords(text).filter((w) => !this.lib.ps_lookup_word(this.ps, w));
  }

  /**
   * Aligns `text` to 16 kHz `pcm`. Returns one entry per reference word, in order, or throws
   * when the decoder cannot fit the words to the audio.
   */
  align(pcm: Int16Array, text: string): AlignedWord[] {
    const words = normalizeWords(text);
    const unknown = this.unknownWords(text);
    if (unknown.length) throw new Error(`forced aligner: not in the dictionary: ${unknown.join(', ')}`);
    const name = `align${this.n++}`;
    const jsgf = `#JSGF V1.0;\ngrammar g;\npublic <s> = ${words.join(' ')};\n`;
    if (this.lib.ps_set_jsgf_string(this.ps, name, jsgf) < 0) throw new Error('forced aligner: grammar rejected');
    if (this.lib.ps_set_search(this.ps, name) < 0) throw new Error('forced aligner: ps_set_search failed');
    if (this.lib.ps_start_utt(this.ps) < 0) throw new Error('ps_start_utt failed');
    this.lib.ps_process_raw(this.ps, pcm, pcm.length, 0, 1);
    this.lib.ps_end_utt(this.ps);
    const out: AlignedWord[] = [];
    for (let seg = this.lib.ps_seg_iter(this.ps); seg; seg = this.lib.ps_seg_next(seg)) {
      const w = this.lib.ps_seg_word(seg);
      const sf = [0];
      const ef = [0];
      this.lib.ps_seg_frames(seg, sf, ef);
      // Silences and fillers (<s>, </s>, <sil>, [NOISE]) are not words; "word(2)" is a pronunciation variant.
      if (/^[<[]/.test(w)) continue;
      out.push({ word: w.replace(/\(\d+\)$/, ''), start: sf[0]! / 100, end: (ef[0]! + 1) / 100 });
    }
    if (out.length !== words.length || out.some((w, i) => w.word !== words[i])) {
      throw new Error(`forced aligner: got ${out.length} of ${words.length} words (${out.map((w) => w.word).join(' ')})`);
    }
    return out;
  }

  close(): void {
    this.lib.ps_free(this.ps);
  }
}
