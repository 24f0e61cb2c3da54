// `npm run check:simd [-- <file.node>]`: fails (exit 1) when the whisper.cpp binary the engine
// loads (or the one named) has no AVX2/AVX-512 (x86-64) or NEON (arm64) code.
import { checkAddon, scanBinary } from '../server/engines/simd-check.ts';

const file = process.argv[2];
if (file) {
  const s = scanBinary(file);
  console.log(`${s.file}: ${s.ymm} ymm, ${s.zmm} zmm, ${s.neon} NEON instructions → ${s.ok ? 'SIMD' : 'NO SIMD'}`);
  process.exit(s.ok ? 0 : 1);
}
const r = checkAddon();
console.log(`whisper.cpp system info: ${r.info}`);
console.log(`${r.scan.file}: ${r.scan.ymm} ymm, ${r.scan.zmm} zmm, ${r.scan.neon} NEON instructions`);
console.log(r.ok ? `SIMD: ${r.features.join(', ')}` : 'NO SIMD: rebuild with "npm run build:whisper" on this machine');
process.exit(r.ok ? 0 : 1);
