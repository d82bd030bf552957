/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.x lacks it,
 * so `tf.grad` of any conv2d weight throws there).
 *
 * dW[a, b, ci, co] = Σ_{n, i, j} x[n, i·sh + a − pt, j·sw + b − pl, ci] · dy[n, i, j, co]
 *
 * This is itself a convolution, computed by the wasm backend's own XNNPACK
 * Conv2D: swap the roles of batch and channels —
 *   x' = transpose(x, [3, 1, 2, 0])   : [Ci, H, W, N]   (batch = Ci, channels = N)
 *   f' = transpose(dy, [1, 2, 0, 3])  : [Ho, Wo, N, Co] (the kernel)
 *   y' = conv2d(x', f', stride 1, dilation = forward stride, forward padding)
 *                                     : [Ci, ≥kh, ≥kw, Co]
 * and dW[a, b, ci, co] = y'[ci, a, b, co] for a < kh, b < kw. (y' can be one
 * row/column larger than the kernel when the forward conv dropped trailing
 * input pixels; those extra entries are ignored.)
 */
import * as tf from '@tensorflow/tfjs';
import { freeInfo, heapF32, registerOnce, runWasmKernel, type WasmBackend } from './wasmCall.ts';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== 'channelsLast') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    fmt,
  );
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const p = info.padInfo;
  const yT = runWasmKernel(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [
        [0, 0],
        [p.top, p.bottom],
        [p.left, p.right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  freeInfo(backend, xT);
  freeInfo(backend, dyT);
  const [, oh, ow] = yT.shape;
  if (oh < kh || ow < kw) throw new Error(`internal: Conv2DBackpropFilter got ${oh}×${ow}, kernel ${kh}×${kw}`);
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  const src = heapF32(backend, yT);
  const dst = heapF32(backend, out);
  for (let c = 0; c < ci; c++) {
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const s = ((c * oh + a) * ow + b) * co;
        const d = ((a * kw + b) * ci + c) * co;
        for (let o = 0; o < co; o++) dst[d + o] = src[s + o];
      }
    }
  }
  freeInfo(backend, yT);
  return out;
}

export function registerConv2DBackpropFilterWasm(): void {
  registerOnce({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc });
}
