import koffi from 'koffi';
import { DEFAULT_DECODER_OPTIONS, SphinxDecoder, resolveModel } from '../server/engines/sphinx-ffi.ts';
import { realClips } from '../tests/helpers/fixtures.ts';
const sb = koffi.load('libsphinxbase.so.3');
const ps = koffi.load('libpocketsphinx.so.3');
const feat_s = koffi.struct('feat_s_partial', {
  refcount: 'int', name: 'void *', cepsize: 'int32', n_stream: 'int32', stream_len: 'void *', window_size: 'int32', n_sv: 'int32',
  sv_len: 'void *', subvecs: 'void *', sv_buf: 'void *', sv_dim: 'int32', cmn: 'int', varnorm: 'int32', agc: 'int', compute_feat: 'void *', cmn_struct: 'void *',
});
console.log('offset cmn_struct', koffi.offsetof(feat_s, 'cmn_struct'));
const ps_get_feat = ps.func('void *ps_get_feat(void *ps)');
const cmn_live_get = sb.func('void cmn_live_get(void *cmn, _Out_ float *vec)');
const model = resolveModel();
const d = new SphinxDecoder(model, DEFAULT_DECODER_OPTIONS);
const psPtr = (d as any).ps as bigint;
const feat = ps_get_feat(psPtr);
const f = koffi.decode(feat, 0, feat_s);
console.log('cepsize', f.cepsize, 'n_stream', f.n_stream, 'cmn type', f.cmn, 'window', f.window_size);
const get = () => { const v = new Float32Array(13); cmn_live_get(f.cmn_struct, v); return Array.from(v, (x) => x.toFixed(2)).join(','); };
console.log('init', get());
const run = (pcm: Int16Array) => { for (let i = 0; i < pcm.length; i += 1600) d.process(pcm.subarray(i, i + 1600)); return d.endUtterance(); };
for (const c of realClips()) { run(c.pcm); if (/jfk|0001$|0870|0032|0930/.test(c.id)) console.log(c.id, get()); }
// average of converged means
{
  const d2 = new SphinxDecoder(model, DEFAULT_DECODER_OPTIONS);
  const f2 = koffi.decode(ps_get_feat((d2 as any).ps), 0, feat_s);
  const acc = new Float64Array(13); let n = 0;
  const clips = realClips();
  for (const c of [...clips, ...clips]) {
    for (let i = 0; i < c.pcm.length; i += 1600) d2.process(c.pcm.subarray(i, i + 1600));
    d2.endUtterance();
    n++; if (n <= clips.length) continue; // second pass: warmed up
    const v = new Float32Array(13); cmn_live_get(f2.cmn_struct, v); v.forEach((x, i) => (acc[i] += x));
  }
  console.log('avg', Array.from(acc, (x) => (x / clips.length).toFixed(2)).join(','));
}
// can -cmninit be overridden?
{
  const d3 = new SphinxDecoder(model, { ...DEFAULT_DECODER_OPTIONS, '-cmninit': '50,1,2,3,4,5,6,7,8,9,10,11,12' });
  const f3 = koffi.decode(ps_get_feat((d3 as any).ps), 0, feat_s);
  const v = new Float32Array(13); cmn_live_get(f3.cmn_struct, v); console.log('override ->', Array.from(v).join(','));
}
