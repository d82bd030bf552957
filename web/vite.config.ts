/**
 * Vite build of the merkit page. The page imports the browser-safe src/
 * modules (core, motion, temporal, features, learn, face/track and align,
 * run/analyze's core) and injects its own face detector, so no Node-only file
 * is reached and no file name needs an alias. The one alias left maps `node:`
 * imports to web/shims/node.ts: learn/libsvm.ts imports node:module for the
 * libsvm binding (training only; the page's SVM predicts without it), and the
 * shim turns a call into a clear error instead of Vite's externalised stub.
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
    alias: [{ find: /^node:.*$/, replacement: shim }],
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
