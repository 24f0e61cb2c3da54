// Builds the extension once per test run (seconds), so e2e tests always load current code.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../helpers/paths.ts';

export const distDir = path.join(repoRoot, 'dist');

/** Runs `vite build` unless E2E_SKIP_BUILD=1 and a build is already there. */
export function buildExtension(): string {
  const built = fs.existsSync(path.join(distDir, 'manifest.json'));
  if (!(process.env.E2E_SKIP_BUILD === '1' && built)) {
    execFileSync(path.join(repoRoot, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return distDir;
}
