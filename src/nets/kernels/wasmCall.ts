/**
 * Helpers for kernels registered on the wasm backend: call another wasm
 * kernel directly (no engine bookkeeping, no autograd tape), view a tensor's
 * bytes on the wasm heap, and free intermediates.
 *
 * Heap views are invalidated when the wasm memory grows, so take them only
 * after every output of a kernel has been allocated.
 */
import * as tf from '../tf.ts';
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

/** A kernel function as the wasm backend calls it. */
/** what tfjs passes a kernel function (attrs optional, as tf.KernelFunc has it) */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

export type WasmKernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }) => tf.TensorInfo;

/**
 * Put `kernelFunc` in place of the wasm backend's kernel `name` (idempotent;
 * the backend's setup function is kept). Returns the kernel it replaced, for
 * wrappers that hand some cases back to it (undefined when there was none or
 * `kernelFunc` was already in place; a wrapper keeps the first one it got).
 */
export function replaceWasmKernel(name: string, kernelFunc: WasmKernelFn): WasmKernelFn | undefined {
  const current = tf.getKernel(name, 'wasm');
  const fn = kernelFunc as unknown as tf.KernelFunc;
  if (current?.kernelFunc === fn) return undefined;
  if (current) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: current?.setupFunc, kernelFunc: fn });
  return current?.kernelFunc as unknown as WasmKernelFn | undefined;
}

/** Register a kernel config once (re-registering throws in tfjs). */
export function registerOnce(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) return;
  tf.registerKernel(config);
}

/** Attributes shared by the depthwise convolution kernels. */
export interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Sizes of a depthwise convolution (NHWC input, [kh, kw, C, M] filter) as the loops use them. */
export function depthwiseGeometry(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  a: DepthwiseAttrs,
) {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, outChannels: CM } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  return { N, H, W, C, Ho, Wo, CM, M: CM / C, kh, kw, sh, sw, dh, dw, pt: info.padInfo.top, pl: info.padInfo.left };
}
