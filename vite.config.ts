// Builds the extension into dist/ (load it unpacked). @crxjs/vite-plugin reads manifest.json
// and bundles every entry it names; the offscreen document is not in the manifest (it is
// created at run time), so it is listed as an extra input. The AudioWorklet processor is
// bundled through its `?worker&url` import in src/offscreen/tab-pipeline.ts.
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import manifest from './manifest.json' with { type: 'json' };

export default defineConfig({
  plugins: [preact(), crx({ manifest })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome116',
    sourcemap: true,
    rollupOptions: {
      input: { offscreen: 'src/offscreen/offscreen.html' },
    },
  },
  // AudioWorklet scripts are modules: an ES bundle with no imports left.
  worker: { format: 'es' },
  server: { port: 5173, strictPort: true, hmr: { port: 5173 } },
});
