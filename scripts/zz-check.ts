import koffi from 'koffi';
import { DEFAULT_DECODER_OPTIONS, SphinxDecoder, resolveModel } from '../server/engines/sphinx-ffi.ts';
const sb = koffi.load('libsphinxbase.so.3');
const ps = koffi.load('libpocketsphinx.so.3');
const ps_get_feat = ps.func('void *ps_get_feat(void *ps)');
const cmn_live_get = sb.func('void cmn_live_get(void *cmn, _Out_ float *vec)');
const model = resolveModel();
console.log(model.featParams);
for (const o of [DEFAULT_DECODER_OPTIONS, { '-cmninit': '50,1,2,3,4,5,6,7,8,9,10,11,12' }]) {
  const d = new SphinxDecoder(model, o);
  const f = ps_get_feat((d as any).ps);
  const v = new Float32Array(13); cmn_live_get(koffi.decode(f, 88, 'void *'), v);
  console.log('cepsize', koffi.decode(f, 16, 'int32'), Array.from(v, (x) => x.toFixed(2)).join(','));
}
