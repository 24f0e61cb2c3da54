import { DEFAULT_DECODER_OPTIONS, SphinxDecoder, resolveModel } from '../server/engines/sphinx-ffi.ts';
import { realClips } from '../tests/helpers/fixtures.ts';
import { wordErrors } from './../tests/helpers/wer.ts';
const model = resolveModel();
const clips = realClips();
let e1 = 0, e2 = 0, n = 0;
const warm = new SphinxDecoder(model, DEFAULT_DECODER_OPTIONS);
const run = (d: SphinxDecoder, pcm: Int16Array) => { for (let i = 0; i < pcm.length; i += 1600) d.process(pcm.subarray(i, i + 1600)); return d.endUtterance(); };
for (const c of clips) {
  const fresh = new SphinxDecoder(model, DEFAULT_DECODER_OPTIONS);
  const a = wordErrors(c.text, run(fresh, c.pcm)); fresh.free();
  const b = wordErrors(c.text, run(warm, c.pcm));
  e1 += a.errors; e2 += b.errors; n += a.refWords;
}
console.log('fresh decoder per clip WER', (e1 / n).toFixed(4), 'one decoder for all', (e2 / n).toFixed(4));
