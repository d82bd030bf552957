/**
 * Identity for the wasm backend without the copy. tfjs-backend-wasm 4.x
 * copies the tensor's bytes, and the engine runs Identity for every tensor a
 * gradient saves (tf.customGrad's `save`, saveTensorsForBackwardMode) — for
 * STSTNet's fused head that is the 14.7 MB conv output every step. Tensors
 * are immutable, so sharing the data (reference-counted, as the backend's own
 * Reshape does) is the same value. The CPU backend's Identity does the same.
 */
import * as tf from '../tf.ts';
import { replaceWasmKernel } from './wasmCall.ts';

interface RefCounting {
  incRef(dataId: object): void;
}

export function identityWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') throw new Error('internal: string tensors never reach the wasm Identity');
  (args.backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Replace the wasm backend's Identity with the sharing one (idempotent). */
export function registerIdentityWasm(): void {
  replaceWasmKernel('Identity', identityWasm);
}
