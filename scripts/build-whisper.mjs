// Builds the whisper.cpp addon (native/whisper) with node-gyp for this machine's CPU
// (WHISPER_MARCH, default "native": AVX2/AVX-512 on x86-64, NEON on arm64). Run on install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'native/whisper/build/Release/tc_whisper.node');
if (process.argv.includes('--if-missing') && existsSync(out)) process.exit(0);

// Node's own headers when they are installed (Debian's nodejs, official tarballs), so
// node-gyp does not download them from nodejs.org.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = existsSync(path.join(prefix, 'include/node/node.h')) ? [`--nodedir=${prefix}`] : [];
const gyp = path.join(root, 'node_modules/node-gyp/bin/node-gyp.js');
console.error(`Building the whisper.cpp addon (${process.env.WHISPER_MARCH || 'native'} SIMD; a minute or two)`);
const r = spawnSync(process.execPath, [gyp, 'rebuild', '-C', 'native/whisper', '-j', 'max', '--loglevel=warn', ...nodedir], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (r.status !== 0 || !existsSync(out)) {
  console.error('whisper.cpp addon build failed: the whisper engine will be unavailable (sphinx still works).');
  console.error('It needs a C/C++ compiler, make and python3 (Debian: apt-get install build-essential python3).');
  process.exit(process.argv.includes('--optional') ? 0 : 1);
}
console.error(`whisper.cpp addon built: ${path.relative(root, out)}`);
