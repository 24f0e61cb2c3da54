// The whisper.cpp binary the engine loads must contain vector code for this CPU. The check is
// shown to fail on a binary without it (a scalar build, like @fugood/whisper.node 1.1.3's).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAddon, scanBinary } from '../../server/engines/simd-check.ts';
import { hasUsefulSimd, simdFeatures } from '../../server/engines/whisper-binding.ts';
import { createWhisperEngine } from '../../server/engines/whisper.ts';
import { SHARED_MODEL } from './whisper-fixtures.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('SIMD in the loaded whisper.cpp build', () => {
  it('the addon has AVX2/AVX-512 (x86-64) or NEON (arm64) code and says so in its system info', () => {
    const r = checkAddon();
    expect(r.scan.ok, `${r.scan.file}: ${r.scan.ymm} ymm, ${r.scan.zmm} zmm, ${r.scan.neon} NEON`).toBe(true);
    expect(hasUsefulSimd(r.features), r.info).toBe(true);
    expect(r.ok).toBe(true);
  });

  it('the engine reports the SIMD it runs with', async () => {
    const engine = await createWhisperEngine({ modelPath: SHARED_MODEL('tiny'), workers: 1 });
    try {
      expect(hasUsefulSimd(engine.simd)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('fails on a scalar binary and on a system-info line without vector flags', async () => {
    // A shared object compiled without -march: SSE2 only, as @fugood/whisper.node's was.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simd-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'dot.c'), 'float dot(const float*a,const float*b,int n){float s=0;for(int i=0;i<n;i++)s+=a[i]*b[i];return s;}\n');
    const cc = spawnSync('cc', ['-O3', '-shared', '-fPIC', '-o', path.join(dir, 'dot.so'), path.join(dir, 'dot.c')]);
    expect(cc.status, String(cc.stderr)).toBe(0);
    expect(scanBinary(path.join(dir, 'dot.so')).ok).toBe(false);
    const scalar = 'AVX = 0 | AVX2 = 0 | AVX512 = 0 | FMA = 0 | NEON = 0 | ARM_FMA = 0 | F16C = 0 | SSE3 = 1 | SSSE3 = 1';
    expect(hasUsefulSimd(simdFeatures(scalar), 'x64')).toBe(false);
    expect(hasUsefulSimd(simdFeatures(scalar), 'arm64')).toBe(false);
  });
});
