import koffi from 'koffi';
import { DEFAULT_DECODER_OPTIONS, SphinxDecoder, resolveModel } from '../server/engines/sphinx-ffi.ts';
import { realClips } from '../tests/helpers/fixtures.ts';
import { wordErrors } from '../tests/helpers/wer.ts';
const sb = koffi.load('libsphinxbase.so.3');
const ps = koffi.load('libpocketsphinx.so.3');
const ps_get_feat = ps.func('void *ps_get_feat(void *ps)');
const cmn_live_set = sb.func('void cmn_live_set(void *cmn, const float *vec)');
const cmn_live_get = sb.func('void cmn_live_get(void *cmn, _Out_ float *vec)');
const model = resolveModel();
const clips = realClips();
const cmnOf = (d: SphinxDecoder) => koffi.decode(ps_get_feat((d as any).ps), 88, 'void *');
const run = (d: SphinxDecoder, pcm: Int16Array) => { for (let i = 0; i < pcm.length; i += 1600) d.process(pcm.subarray(i, i + 1600)); return d.endUtterance(); };
// mean from a subset: sequential run twice, average converged vectors in 2nd pass
function derive(sub: typeof clips): Float32Array {
  const d = new SphinxDecoder(model, DEFAULT_DECODER_OPTIONS); const acc = new Float64Array(13);
  for (const c of sub) run(d, c.pcm);
  for (const c of sub) { run(d, c.pcm); const v = new Float32Array(13); cmn_live_get(cmnOf(d), v); v.forEach((x, i) => (acc[i] += x)); }
  d.free(); return Float32Array.from(acc, (x) => x / sub.length);
}
const src = (id: string) => (id.includes('LJ') ? 'lj' : id.includes('librivox') ? 'librivox' : 'jfk');
const variants: Record<string, Float32Array | null> = {
  model: null,
  all: derive(clips),
  ljOnly: derive(clips.filter((c) => src(c.id) === 'lj')),
  librivoxOnly: derive(clips.filter((c) => src(c.id) === 'librivox')),
};
for (const [k, v] of Object.entries(variants)) console.log(k, v && Array.from(v, (x) => x.toFixed(1)).join(','));
const d = new SphinxDecoder(model, DEFAULT_DECODER_OPTIONS);
for (const [name, vec] of Object.entries(variants)) {
  const tally: Record<string, [number, number]> = {};
  for (const c of clips) {
    if (vec) cmn_live_set(cmnOf(d), vec); else cmn_live_set(cmnOf(d), Float32Array.from([41.00,-5.29,-0.12,5.09,2.48,-4.07,-1.37,-1.78,-5.08,-2.05,-6.45,-1.42,1.17]));
    const w = wordErrors(c.text, run(d, c.pcm));
    for (const key of [src(c.id), 'ALL']) { const t = (tally[key] ??= [0, 0]); t[0] += w.errors; t[1] += w.refWords; }
  }
  console.log('cold start,', name, Object.entries(tally).map(([k, [e, n]]) => `${k} ${(100 * e / n).toFixed(1)}%`).join('  '));
}
