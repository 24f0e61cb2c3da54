// Smoke test of the sphinx engine outside vitest: `npx tsx scripts/sphinx-smoke.ts [file.wav]`.
// Proves the worker threads start under plain tsx (as `tsx server/main.ts` runs them).

import fs from 'node:fs';
import path from 'node:path';
import { parseWav } from '../protocol/wav.ts';
import { resampleTo16k } from '../server/audio/resample.ts';
import { createSphinxEngine } from '../server/engines/sphinx.ts';

const file = process.argv[2] ?? path.resolve(process.env.SHARED_DIR ?? '../shared', 'fixtures/speech/real/en-librivox-0880.wav');
const wav = parseWav(fs.readFileSync(file));
const pcm = resampleTo16k(wav.samples, wav.sampleRate, wav.channels);

const t0 = performance.now();
const engine = await createSphinxEngine({ workers: 1 });
console.log(`engine ${JSON.stringify(engine.info)} ready in ${Math.round(performance.now() - t0)} ms`);
const rec = await engine.createRecognizer({ language: 'en' });
for (let i = 0; i < pcm.length; i += 1600) {
  await rec.accept(pcm.subarray(i, i + 1600));
  if (i % 16000 === 0) console.log(`partial: ${(await rec.partial()).text}`);
}
console.log(`final: ${(await rec.finish()).text}`);
await rec.close();
await engine.close();
