/**
 * MaxPoolGrad for the wasm backend, replacing tfjs-backend-wasm 4.22's own,
 * which routes the upstream gradient to the wrong input pixel when there
 * are several channels (e.g. [1, 10, 10, 4], 2×2 stride 2 'valid': 25 of
 * 400 entries differ from the CPU backend; found by test/nets/kernels.test.ts).
 *
 * dx[n, y, x, c] = Σ over pooling windows whose (first, row-major) maximum
 * of channel c is at (y, x) of dy[n, i, j, c]. Padding never wins (it acts as
 * −∞, as in PyTorch and the CPU backend); ties go to the first position,
 * as in both.
 *
 * Four channels at a time with the SIMD kernel (simd.ts `maxPoolGrad`) when
 * C is a multiple of 4 and the pool undilated — the same winners and the
 * same additions in the same order, so bit-identical to the loop below
 * (EMR's 3×3/2 pool over [64, 32, 32, 64]: 220 → 36 ms CPU, load ≈ 25).
 */
import * as tf from '../tf.ts';
import { heapF32, replaceWasmKernel, type WasmBackend } from './wasmCall.ts';
import { simdKernels } from './simd.ts';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const kh = info.effectiveFilterHeight;
  const kw = info.effectiveFilterWidth;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = backend.makeOutput([N, H, W, C], 'float32');
  const dx = heapF32(backend, out);
  dx.fill(0);
  const simd = simdKernels(backend);
  if (simd && C % 4 === 0 && dh === 1 && dw === 1 && N * Ho * Wo > 0) {
    simd.maxPoolGrad(simd.ptr(input), simd.ptr(dy), simd.ptr(out), N, H, W, C, Ho, Wo, kh, kw, sh, sw, pt, pl);
    return out;
  }
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let a = 0; a < kh; a += dh) {
          const yy = i * sh + a - pt;
          if (yy < 0 || yy >= H) continue;
          for (let b = 0; b < kw; b += dw) {
            const xx = j * sw + b - pl;
            if (xx < 0 || xx >= W) continue;
            const base = ((n * H + yy) * W + xx) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              // `where < 0` lets an all −∞ (or NaN) window still pick its first pixel
              if (v > best[c] || where[c] < 0) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const gBase = ((n * Ho + i) * Wo + j) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += g[gBase + c];
      }
    }
  }
  return out;
}

/** Replace the wasm backend's MaxPoolGrad with this one (idempotent). */
export function registerMaxPoolGradWasm(): void {
  replaceWasmKernel('MaxPoolGrad', maxPoolGradWasm);
}
