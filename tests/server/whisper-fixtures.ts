// Paths of the weightless whisper.cpp test models in ../shared/fixtures/models.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(repoRoot, '../shared');
export const SHARED_MODEL = (size: string) => path.join(sharedDir, `fixtures/models/for-tests-ggml-${size}.bin`);
