// Checks that a native whisper.cpp binary really contains vector code for this CPU: a
// disassembly scan (ymm/zmm registers on x86-64, NEON v-registers on arm64) and, for our
// addon, whisper.cpp's own system-info flags. Used by `npm run check:simd` and its test.
import { spawnSync } from 'node:child_process';
import { ADDON_PATH, hasUsefulSimd, simdFeatures, systemInfo } from './whisper-binding.ts';

export interface SimdScan {
  file: string;
  /** Instructions using 256-bit (ymm, AVX/AVX2) and 512-bit (zmm, AVX-512) registers. */
  ymm: number;
  zmm: number;
  /** arm64: instructions on NEON vector registers (v0.4s, v1.8h...). */
  neon: number;
  ok: boolean;
}

/** Disassembles `file` with objdump and counts vector-register instructions. */
export function scanBinary(file: string, arch = process.arch): SimdScan {
  const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`objdump failed on ${file}: ${r.error?.message ?? r.stderr.slice(0, 200)}`);
  let ymm = 0;
  let zmm = 0;
  let neon = 0;
  for (const line of r.stdout.split('\n')) {
    if (line.includes('%ymm') || line.includes(' ymm')) ymm++;
    if (line.includes('%zmm') || line.includes(' zmm')) zmm++;
    if (/\bv\d+\.(4s|8h|16b|2d)\b/.test(line)) neon++;
  }
  const ok = arch === 'arm64' ? neon > 1000 : ymm + zmm > 1000;
  return { file, ymm, zmm, neon, ok };
}

export interface SimdReport {
  info: string;
  features: string[];
  scan: SimdScan;
  ok: boolean;
}

/** Both checks on the addon the engine loads. */
export function checkAddon(file = ADDON_PATH): SimdReport {
  const info = systemInfo();
  const features = simdFeatures(info);
  const scan = scanBinary(file);
  return { info, features, scan, ok: scan.ok && hasUsefulSimd(features) };
}
