/**
 * Helpers for kernels registered on the wasm backend: call another wasm
 * kernel directly (no engine bookkeeping, no autograd tape), view a tensor's
 * bytes on the wasm heap, and free intermediates.
 *
 * Heap views are invalidated when the wasm memory grows, so take them only
 * after every output of a kernel has been allocated.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmBackend = BackendWasm;
type Attrs = Record<string, unknown>;

/** Run a kernel of the wasm backend on tensor infos; the caller owns the result. */
export function runWasmKernel(
  backend: WasmBackend,
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Attrs = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`internal: wasm kernel ${name} is not registered`);
  // Kernel functions take the backend in the same object as the inputs.
  const out = config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap });
  return Array.isArray(out) ? out[0] : (out as tf.TensorInfo);
}

/** Float32 view of a tensor's data on the wasm heap (no copy). */
export function heapF32(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Free an intermediate produced by runWasmKernel. */
export function freeInfo(backend: WasmBackend, t: tf.TensorInfo): void {
  backend.disposeData(t.dataId);
}

/** Register a kernel config once (re-registering throws in tfjs). */
export function registerOnce(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) return;
  tf.registerKernel(config);
}
