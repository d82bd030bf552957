/**
 * The tfjs engine: @tensorflow/tfjs on the WebAssembly backend (XNNPACK, SIMD,
 * single-threaded — the threaded build needs SharedArrayBuffer workers that
 * fail under Node), with the training kernels the wasm backend lacks
 * registered from src/nets/kernels/.
 *
 * The .wasm binaries are read from the installed
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/ folder: nothing is fetched
 * from the network.
 */
import * as tf from './tf.ts';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MerError } from '../core/errors.ts';
import { registerWasmTrainingKernels } from './kernels/index.ts';

export type BackendName = 'wasm' | 'cpu';

export interface BackendOptions {
  /** 'wasm' (default): XNNPACK SIMD kernels; 'cpu': tfjs's pure-JS reference kernels */
  backend?: BackendName;
}

let wasmPathsSet = false;

/** Absolute folder (with trailing slash) holding tfjs-backend-wasm's .wasm files. */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  // the package's "main" lives in dist/, next to the .wasm binaries
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  return join(dirname(main), '/');
}

/**
 * Select (and on first use initialise) a tfjs backend; returns the tfjs
 * namespace. Idempotent: calling it again with the same backend is free.
 */
export async function initBackend(opts: BackendOptions = {}): Promise<typeof tf> {
  // concurrent callers (e.g. in-process folds started together) share one initialisation
  const backend = opts.backend ?? 'wasm';
  const prev = pending;
  const next = prev.then(() => initBackendNow(backend));
  pending = next.catch(() => undefined);
  return next;
}

let pending: Promise<unknown> = Promise.resolve();

async function initBackendNow(backend: BackendName): Promise<typeof tf> {
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw new MerError('BAD_OPTION', `unknown tfjs backend '${String(backend)}'`, { expected: "'wasm' or 'cpu'" });
  }
  if (backend === 'wasm') {
    if (!wasmPathsSet) {
      // SIMD yes, threads no: the threaded binary is never selected
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setWasmPaths(wasmDistDir());
      wasmPathsSet = true;
    }
    registerWasmTrainingKernels();
  }
  if (tf.getBackend() !== backend || !tf.findBackend(backend)) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new MerError('UNSUPPORTED', `tfjs backend '${backend}' failed to initialise`);
  }
  await tf.ready();
  return tf;
}
