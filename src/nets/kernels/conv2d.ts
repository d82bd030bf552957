/**
 * Conv2D on the wasm backend: stride-1 convolutions with out channels a
 * multiple of 16 run on merkit's SIMD kernel (simd.ts `convFwd1/2`), the
 * rest on the backend's XNNPACK convolution.
 *
 * Why: tfjs-backend-wasm caches an XNNPACK operator per filter tensor, and
 * training makes a new filter tensor every step (the optimiser's update;
 * the input gradient's flipped kernel), so every call creates an operator
 * and packs its weights — for TLCNN's 5×5×1→16 conv at batch 7 that was
 * 3.6 of 4.5 ms. The SIMD kernel reads the weights as they are.
 *
 * Bit-identical: the kernel sums each output from +0 over the taps in
 * XNNPACK's order (row, column, in channel), rounding every product before
 * adding it, as XNNPACK's wasm SIMD microkernels do (no fused multiply-add
 * in wasm); padding is an explicit zero-padded copy, whose zero products
 * leave those sums unchanged. The tests compare both bit for bit, so no
 * network's training changes (the weight hashes of `bench:net-steps --hash`
 * are the same before and after).
 */
import * as tf from '../tf.ts';
import { heapF32, replaceWasmKernel, type WasmBackend, type WasmKernelFn } from './wasmCall.ts';
import { SIMD_CHANNELS, simdKernels, type SimdKernels } from './simd.ts';

let original: WasmKernelFn | undefined;

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * out = conv(x, w), stride 1, pads (top, bottom, left, right) ≥ 0, w [kh, kw, ci, co]
 * with co % 16 = 0, on the SIMD kernel; x is copied into a zero-padded
 * scratch image when any pad is non-zero.
 */
/**
 * Copy x [N, H, W, C] into a zero-filled [N, H + top + bottom, W + left + right, C]
 * image at heap byte address `dst` (allocated by the caller; views are taken
 * here, after every allocation, since a growing heap detaches them).
 */
export function copyPadded(k: SimdKernels, backend: WasmBackend, x: tf.TensorInfo, pad: { top: number; bottom: number; left: number; right: number }, dst: number): void {
  const [N, H0, W0, C] = x.shape;
  const Hp = H0 + pad.top + pad.bottom;
  const Wp = W0 + pad.left + pad.right;
  const out = new Float32Array(k.mem.buffer, dst, N * Hp * Wp * C);
  out.fill(0);
  const src = heapF32(backend, x);
  const row = W0 * C;
  for (let n = 0; n < N; n++)
    for (let y = 0; y < H0; y++) {
      const s0 = (n * H0 + y) * row;
      out.set(src.subarray(s0, s0 + row), ((n * Hp + y + pad.top) * Wp + pad.left) * C);
    }
}

export function directConv2d(
  k: SimdKernels,
  backend: WasmBackend,
  x: tf.TensorInfo,
  w: tf.TensorInfo,
  pad: { top: number; bottom: number; left: number; right: number },
): tf.TensorInfo {
  const [N, H0, W0, ci] = x.shape;
  const [kh, kw, , co] = w.shape;
  const Hp = H0 + pad.top + pad.bottom;
  const Wp = W0 + pad.left + pad.right;
  const ho = Hp - kh + 1;
  const wo = Wp - kw + 1;
  const out = backend.makeOutput([N, ho, wo, co], 'float32');
  const padded = pad.top + pad.bottom + pad.left + pad.right > 0;
  const scratch = padded ? k.malloc(N * Hp * Wp * ci * 4) : 0;
  const px = padded ? scratch : k.ptr(x);
  if (padded) copyPadded(k, backend, x, pad, px);
  const pw = k.ptr(w);
  const po = k.ptr(out);
  // pairs of adjacent output columns, then the odd last column
  const even = wo - (wo % 2);
  if (even > 0) k.convFwd2(px, pw, po, N, ho, 0, even, kh, kw, ci, co, Hp, Wp, wo, pad.top, H0);
  if (even < wo) k.convFwd1(px, pw, po, N, ho, even, wo, kh, kw, ci, co, Hp, Wp, wo, pad.top, H0);
  if (scratch) k.free(scratch);
  return out;
}

export function conv2dWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const a = args.attrs as unknown as Conv2DAttrs;
  const backend = args.backend as WasmBackend;
  const fmt = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
  const k = simdKernels(backend);
  if (!k || fmt !== 'channelsLast' || x.dtype !== 'float32' || filter.dtype !== 'float32') return original!(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    fmt,
  );
  const p = info.padInfo;
  if (
    info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1 ||
    info.outChannels % SIMD_CHANNELS !== 0 ||
    p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0 ||
    info.batchSize * info.outHeight * info.outWidth === 0 ||
    // the padded image must be exactly what the output rows/columns read
    info.inHeight + p.top + p.bottom !== info.outHeight + info.filterHeight - 1 ||
    info.inWidth + p.left + p.right !== info.outWidth + info.filterWidth - 1
  ) {
    return original!(args);
  }
  return directConv2d(k, backend, x, filter, p);
}

/** Wrap the wasm backend's Conv2D (idempotent). */
export function registerConv2DWasm(): void {
  original ??= replaceWasmKernel('Conv2D', conv2dWasm);
  if (!original) throw new Error('internal: the wasm backend has no Conv2D');
}
