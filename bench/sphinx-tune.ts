// Decoder-option sweep for the sphinx engine: WER and real-time factor over the real-speech
// fixtures, decoded the way a session streams (100 ms chunks, a partial every 500 ms).
// Presets are interleaved clip by clip, so load from other processes hits them alike and the
// comparison stays fair on a busy machine. One thread: RTF is per core.
//   npx tsx bench/sphinx-tune.ts [preset | '{"-opt":"value"}' ...]   (default: all presets)

import os from 'node:os';
import { DEFAULT_DECODER_OPTIONS, SphinxDecoder, resolveModel } from '../server/engines/sphinx-ffi.ts';
import { realClips } from '../tests/helpers/fixtures.ts';
import { wordErrors } from '../tests/helpers/wer.ts';

const PRESETS: Record<string, Record<string, string>> = {
  // PocketSphinx's own defaults, spelled out.
  library: { '-beam': '1e-48', '-wbeam': '7e-29', '-pbeam': '1e-48', '-maxhmmpf': '30000', '-fwdflat': 'yes', '-bestpath': 'yes' },
  'no-fwdflat': { '-fwdflat': 'no' },
  hmm2000: { '-fwdflat': 'no', '-maxhmmpf': '2000' },
  // What the engine uses (DEFAULT_DECODER_OPTIONS).
  chosen: { ...DEFAULT_DECODER_OPTIONS },
};

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PRESETS);
const model = resolveModel();
const clips = realClips();
const audioSeconds = clips.reduce((s, c) => s + c.pcm.length / 16000, 0);

interface Run {
  name: string;
  decoder: SphinxDecoder;
  cpuMs: number;
  wallMs: number;
  finishMs: number[];
  errors: number;
  refWords: number;
}

const runs: Run[] = names.map((name) => {
  const opts = name.startsWith('{') ? (JSON.parse(name) as Record<string, string>) : PRESETS[name];
  if (!opts) throw new Error(`unknown preset ${name}`);
  return { name, decoder: new SphinxDecoder(model, opts), cpuMs: 0, wallMs: 0, finishMs: [], errors: 0, refWords: 0 };
});

for (const clip of clips) {
  for (const run of runs) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < clip.pcm.length; i += 1600) {
      run.decoder.process(clip.pcm.subarray(i, i + 1600));
      if (i % 8000 === 0) run.decoder.hypothesis();
    }
    const tf = performance.now();
    const hyp = run.decoder.endUtterance();
    run.finishMs.push(performance.now() - tf);
    run.wallMs += performance.now() - t0;
    const c = process.cpuUsage(c0);
    run.cpuMs += (c.user + c.system) / 1000;
    const w = wordErrors(clip.text, hyp);
    run.errors += w.errors;
    run.refWords += w.refWords;
    if (process.env.VERBOSE) console.log(`  ${run.name} ${clip.id}: ${hyp}`);
  }
}

console.log(`${clips.length} clips, ${audioSeconds.toFixed(1)} s of audio; load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs`);
for (const run of runs) {
  run.decoder.free();
  const mean = run.finishMs.reduce((a, b) => a + b, 0) / run.finishMs.length;
  console.log(
    JSON.stringify({
      preset: run.name,
      wer: +(run.errors / run.refWords).toFixed(4),
      cpuRtf: +(run.cpuMs / 1000 / audioSeconds).toFixed(3),
      wallRtf: +(run.wallMs / 1000 / audioSeconds).toFixed(3),
      finishMsMean: Math.round(mean),
      finishMsMax: Math.round(Math.max(...run.finishMs)),
    }),
  );
}
