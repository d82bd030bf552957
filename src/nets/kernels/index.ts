/**
 * Kernels tfjs-backend-wasm 4.x lacks for training, registered on the wasm
 * backend. Found by training small conv nets on wasm and recording what
 * throws "Kernel '…' not registered": Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter.
 * MaxPoolGrad exists but is wrong with several channels, so it is replaced.
 * (Conv2DBackpropInput and AvgPoolGrad exist and agree with the CPU backend;
 * batch-norm gradients are composed of ordinary ops.) Identity is replaced
 * by a zero-copy one (identity.ts): the gradient tape clones every tensor it
 * saves through it. BatchMatMul is wrapped so that transposed products
 * (every dense layer's gradient) take XNNPACK's fast path (batchMatMul.ts),
 * and Conv2DBackpropInput becomes forward convolutions, one per stride phase
 * (conv2dBackpropInput.ts), 4–10× faster than the backend's plain loop.
 * Conv2D with stride 1 and out channels a multiple of 16 runs on merkit's
 * SIMD kernel (conv2d.ts; bit-identical to XNNPACK's, without recreating an
 * XNNPACK operator for every new filter tensor).
 */
import { registerConv2DBackpropFilterWasm } from './conv2dBackpropFilter.ts';
import { registerDepthwiseBackpropFilterWasm } from './depthwiseBackpropFilter.ts';
import { registerDepthwiseBackpropInputWasm } from './depthwiseBackpropInput.ts';
import { registerMaxPoolGradWasm } from './maxPoolGrad.ts';
import { registerIdentityWasm } from './identity.ts';
import { registerBatchMatMulWasm } from './batchMatMul.ts';
import { registerConv2DBackpropInputWasm } from './conv2dBackpropInput.ts';
import { registerConv2DWasm } from './conv2d.ts';

export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'MaxPoolGrad',
] as const;

/** Idempotent: registering twice is a no-op. */
export function registerWasmTrainingKernels(): void {
  registerConv2DBackpropFilterWasm();
  registerDepthwiseBackpropInputWasm();
  registerDepthwiseBackpropFilterWasm();
  registerMaxPoolGradWasm();
  registerIdentityWasm();
  registerBatchMatMulWasm();
  registerConv2DBackpropInputWasm();
  registerConv2DWasm();
}
