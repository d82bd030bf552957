/**
 * Vite build of the merkit page. The page imports the browser-safe src/
 * modules (core, motion, temporal, features, learn, face/align); the few
 * `node:` imports they carry (the lazy createRequire of the libsvm binding)
 * resolve to web/shims/node.ts,
 * which throws a clear error if ever called in the browser; the Node-only
 * modules reached lazily from run/analyze.ts and face/track.ts resolve to
 * web/shims/nodeOnly.ts.
 */
import { defineConfig } from 'vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shim = join(here, 'shims', 'node.ts');

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^node:.*$/, replacement: shim },
      // run/analyze.ts's Node edge (analyzeVideo) and face/track.ts's default detector, both imported lazily: the page injects its own
      { find: /^\.\.\/io\/(video|image|atomic)\.ts$/, replacement: join(here, 'shims', 'nodeOnly.ts') },
      { find: /^\.\/(modelFolder|detect)\.ts$/, replacement: join(here, 'shims', 'nodeOnly.ts') },
    ],
  },
  // the analysis worker imports the same src/ modules (lazy imports included): an ES module worker
  worker: { format: 'es' },
  build: {
    outDir: join(here, '..', 'dist', 'page'),
    emptyOutDir: true,
    target: 'es2022',
    // face-api's esm bundle (tfjs inside) is ~1.3 MB: expected, not a warning
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
});
