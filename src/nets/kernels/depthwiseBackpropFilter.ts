/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (missing in
 * tfjs-backend-wasm 4.x). Plain loops over the wasm heap:
 *
 * df[a, b, c, m] = Σ_{n, i, j} x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, c] · dy[n, i, j, c·M + m]
 */
import * as tf from '../tf.ts';
import { depthwiseGeometry, heapF32, registerOnce, type DepthwiseAttrs, type WasmBackend, type WasmKernelArgs } from './wasmCall.ts';

interface DepthwiseBackpropFilterAttrs extends DepthwiseAttrs {
  filterShape: [number, number, number, number];
}

export function depthwiseConv2dNativeBackpropFilterWasm(args: WasmKernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropFilterAttrs;
  const { N, H, W, C, Ho, Wo, CM, M, kh, kw, sh, sw, dh, dw, pt, pl } = depthwiseGeometry(x.shape as [number, number, number, number], attrs.filterShape, attrs);
  const out = backend.makeOutput([kh, kw, C, M], 'float32');
  const df = heapF32(backend, out);
  df.fill(0);
  const xs = heapF32(backend, x);
  const g = heapF32(backend, dy);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const fBase = (a * kw + b) * CM;
      for (let n = 0; n < N; n++) {
        for (let i = 0; i < Ho; i++) {
          const yy = i * sh + a * dh - pt;
          if (yy < 0 || yy >= H) continue;
          for (let j = 0; j < Wo; j++) {
            const xx = j * sw + b * dw - pl;
            if (xx < 0 || xx >= W) continue;
            const xBase = ((n * H + yy) * W + xx) * C;
            const gBase = ((n * Ho + i) * Wo + j) * CM;
            for (let c = 0; c < C; c++) {
              const xv = xs[xBase + c];
              for (let m = 0; m < M; m++) df[fBase + c * M + m] += xv * g[gBase + c * M + m];
            }
          }
        }
      }
    }
  }
  return out;
}

export function registerDepthwiseBackpropFilterWasm(): void {
  registerOnce({
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as tf.KernelFunc,
  });
}
