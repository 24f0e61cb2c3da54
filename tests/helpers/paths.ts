// Where the repo and the shared fixtures live (../shared beside the repo, also in CI).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(repoRoot, '../shared');
export const realSpeechDir = path.join(sharedDir, 'fixtures/speech/real');
export const syntheticSpeechDir = path.join(sharedDir, 'fixtures/speech');
export const modelsDir = path.join(sharedDir, 'fixtures/models');
