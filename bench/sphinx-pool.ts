// Throughput of the sphinx engine's worker pool: S sessions decode the real-speech fixtures
// at once (as fast as possible, 100 ms chunks); reports audio seconds per wall second and
// the main thread's worst event-loop stall.   npx tsx bench/sphinx-pool.ts [sessions] [workers]

import os from 'node:os';
import { createSphinxEngine } from '../server/engines/sphinx.ts';
import { realClips } from '../tests/helpers/fixtures.ts';

const sessions = Number(process.argv[2] ?? 4);
const workers = Number(process.argv[3] ?? os.availableParallelism());
const clips = realClips();
const audio = clips.reduce((s, c) => s + c.pcm.length / 16000, 0);

const engine = await createSphinxEngine({ workers });
let last = performance.now();
let maxLag = 0;
const timer = setInterval(() => {
  const now = performance.now();
  maxLag = Math.max(maxLag, now - last - 10);
  last = now;
}, 10);

const t0 = performance.now();
await Promise.all(
  Array.from({ length: sessions }, async (_, s) => {
    const rec = await engine.createRecognizer({ language: 'en' });
    for (let c = s; c < clips.length; c += sessions) {
      const pcm = clips[c].pcm;
      for (let i = 0; i < pcm.length; i += 1600) {
        await rec.accept(pcm.subarray(i, i + 1600));
        if (i % 8000 === 0) await rec.partial();
      }
      await rec.finish();
    }
    await rec.close();
  }),
);
const wall = (performance.now() - t0) / 1000;
clearInterval(timer);
await engine.close();
console.log(
  `${sessions} sessions on ${workers} workers (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}): ` +
    `${audio.toFixed(0)} s of audio in ${wall.toFixed(1)} s = RTF ${(wall / audio).toFixed(3)} ` +
    `(${(audio / wall).toFixed(1)}× real time); worst event-loop stall ${maxLag.toFixed(0)} ms`,
);
