/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (missing in
 * tfjs-backend-wasm 4.x). Plain loops over the wasm heap:
 *
 * forward  y[n, i, j, c·M + m] = Σ_{a, b} x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, c] · f[a, b, c, m]
 * backward dx[n, y, x, c] = Σ over every (i, j, a, b, m) that reads (y, x) of dy[n, i, j, c·M + m] · f[a, b, c, m]
 */
import * as tf from '../tf.ts';
import { depthwiseGeometry, heapF32, registerOnce, type DepthwiseAttrs, type WasmBackend, type WasmKernelArgs } from './wasmCall.ts';

interface DepthwiseBackpropInputAttrs extends DepthwiseAttrs {
  inputShape: [number, number, number, number];
}

export function depthwiseConv2dNativeBackpropInputWasm(args: WasmKernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropInputAttrs;
  const { N, H, W, C, Ho, Wo, CM, M, kh, kw, sh, sw, dh, dw, pt, pl } = depthwiseGeometry(attrs.inputShape, filter.shape as [number, number, number, number], attrs);
  const out = backend.makeOutput([N, H, W, C], 'float32');
  const dx = heapF32(backend, out);
  dx.fill(0);
  const g = heapF32(backend, dy);
  const f = heapF32(backend, filter);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ho; i++) {
      for (let a = 0; a < kh; a++) {
        const yy = i * sh + a * dh - pt;
        if (yy < 0 || yy >= H) continue;
        for (let j = 0; j < Wo; j++) {
          const gBase = ((n * Ho + i) * Wo + j) * CM;
          for (let b = 0; b < kw; b++) {
            const xx = j * sw + b * dw - pl;
            if (xx < 0 || xx >= W) continue;
            const dBase = ((n * H + yy) * W + xx) * C;
            const fBase = (a * kw + b) * CM;
            for (let c = 0; c < C; c++) {
              let s = 0;
              for (let m = 0; m < M; m++) s += g[gBase + c * M + m] * f[fBase + c * M + m];
              dx[dBase + c] += s;
            }
          }
        }
      }
    }
  }
  return out;
}

export function registerDepthwiseBackpropInputWasm(): void {
  registerOnce({
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as tf.KernelFunc,
  });
}
