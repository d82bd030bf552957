/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.x lacks it,
 * so `tf.grad` of any conv2d weight throws there).
 *
 * dW[a, b, ci, co] = Σ_{n, i, j} x[n, i·sh + a − pt, j·sw + b − pl, ci] · dy[n, i, j, co]
 *
 * Out channels a multiple of 16 (every network's convolution but the 6-filter
 * ones of OFF-ApexNet and Dual-Inception/FR) take the direct SIMD path
 * below. Otherwise it is computed as a convolution by the wasm backend's own
 * XNNPACK Conv2D: swap the roles of batch and channels —
 *   x' = transpose(x, [3, 1, 2, 0])   : [Ci, H, W, N]   (batch = Ci, channels = N)
 *   f' = transpose(dy, [1, 2, 0, 3])  : [Ho, Wo, N, Co] (the kernel)
 *   y' = conv2d(x', f', stride 1, dilation = forward stride, forward padding)
 *                                     : [Ci, ≥kh, ≥kw, Co]
 * and dW[a, b, ci, co] = y'[ci, a, b, co] for a < kh, b < kw. (y' can be one
 * row/column larger than the kernel when the forward conv dropped trailing
 * input pixels; those extra entries are ignored.)
 */
import * as tf from '../tf.ts';
import { freeInfo, heapF32, registerOnce, runWasmKernel, type WasmBackend, type WasmKernelArgs } from './wasmCall.ts';
import { SIMD_CHANNELS, simdKernels, type SimdKernels } from './simd.ts';
import { copyPadded } from './conv2d.ts';

/**
 * Bytes of x and dy the direct path sweeps at a time (a chunk of whole
 * images): small enough to stay in the core's L2 cache while every channel
 * group and tap pair passes over it. 256 KiB measured best of 64 KiB–1 MiB
 * on EMR's ResNet-18 maps (16×16×64 … 2×2×512, batch 64).
 */
const CHUNK_BYTES = 256 * 1024;

/**
 * Output maps of at most this many pixels take the per-tap products
 * (tapGemmFilterGrad): ResNet-18's 2×2 last stage, 130 → 82 ms (3×3) and
 * 89 → 53 ms (3×3/2) per call at batch 64; at 4×4 the direct path is as fast.
 * No other network has an output map this small.
 */
const TAP_GEMM_MAX_OUTPUT_PIXELS = 4;

/**
 * Direct filter gradient with the SIMD kernel (src/nets/kernels/simd.ts) for
 * out channels a multiple of 16, any stride: no transposes; the taps are
 * two-at-a-time passes over dy, x stepped by the stride. Padding: x is first
 * copied into a zero-padded scratch image (cheap next to the taps). Taps are
 * paired; an odd last tap is paired with itself, its twin written to scratch.
 * Against XNNPACK's transposed convolution (the fallback below) on EMR's
 * ResNet-18 at batch 64 (CPU ms): stem 7×7/2 111 → 36, 3×3/2 46 → 20,
 * 1×1/2 22 → 2.6; STSTNet's 3×3×3→16 conv (stride 1) was its first user.
 */
function directFilterGrad(
  k: SimdKernels,
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  kh: number,
  kw: number,
  pad: { top: number; bottom: number; left: number; right: number },
  stride: readonly [number, number],
): tf.TensorInfo {
  const [N, H0, W0, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const H = H0 + pad.top + pad.bottom;
  const W = W0 + pad.left + pad.right;
  const padded = pad.top + pad.bottom + pad.left + pad.right > 0;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  const twin = k.malloc(SIMD_CHANNELS * 4 + (padded ? N * H * W * ci * 4 : 0));
  const px = padded ? twin + SIMD_CHANNELS * 4 : k.ptr(x);
  if (padded) copyPadded(k, backend, x, pad, px);
  heapF32(backend, out).fill(0);
  const pd = k.ptr(dy);
  const pw = k.ptr(out);
  const taps: { off: number; dw: number }[] = [];
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < ci; c++) taps.push({ off: ((a * W + b) * ci + c) * 4, dw: ((a * kw + b) * ci + c) * co * 4 });
  const [sh, sw] = stride;
  const xPix = sw * ci * 4;
  const xRowSkip = (sh * W - wo * sw) * ci * 4;
  const xImgSkip = (H - ho * sh) * W * ci * 4;
  // A chunk of images at a time: the chunk's x and dy stay in cache while
  // every channel group and tap pair sweeps it (sweeping the whole batch per
  // tap pair streamed it from memory ci·co/32 times; one image per call let
  // the call overhead dominate on 2×2 maps). The kernel flushes its sums into
  // dW after each image either way, so every dW entry is the same sum of
  // per-image partial sums in the same order: bit-identical for any chunking.
  const xImg = H * W * ci * 4;
  const dyImg = ho * wo * co * 4;
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (xImg + dyImg)));
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nc = Math.min(chunk, N - n0);
    for (let q = 0; q < co; q += SIMD_CHANNELS) {
      for (let t = 0; t < taps.length; t += 2) {
        const A = taps[t];
        const B = taps[t + 1];
        k.dwPair(px + n0 * xImg, pd + n0 * dyImg + q * 4, pw, nc, ho, wo, xPix, xRowSkip, xImgSkip, co * 4, A.off, B ? B.off : A.off, A.dw + q * 4, B ? B.dw + q * 4 : twin - pw);
      }
    }
  }
  k.free(twin);
  return out;
}

/**
 * Filter gradient of a convolution with a tiny output map (ResNet-18's last
 * stage: 2×2): one matrix product per tap over only the output pixels the tap
 * reaches inside the image,
 *   dW[a, b] = X_abᵀ · dY_ab   (X_ab [R, ci], dY_ab [R, co], R = N · reached pixels)
 * with rows gathered by contiguous copies and the product on XNNPACK (the
 * BatchMatMul wrapper). On a 2×2 map with 3×3 taps only 16 of the 36
 * (pixel, tap) pairs lie inside, and the direct path's sums, flushed after
 * every image, would cost more than its 4 pixels' products.
 */
function tapGemmFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const [N, H, W, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      // output pixels (i, j) whose tap (a, b) reads inside the image
      const reach: { src: number; dst: number }[] = [];
      for (let i = 0; i < ho; i++) {
        const y = i * sh + a - top;
        if (y < 0 || y >= H) continue;
        for (let j = 0; j < wo; j++) {
          const xx = j * sw + b - left;
          if (xx >= 0 && xx < W) reach.push({ src: y * W + xx, dst: i * wo + j });
        }
      }
      const block = (a * kw + b) * ci * co;
      if (reach.length === 0) {
        heapF32(backend, out).fill(0, block, block + ci * co);
        continue;
      }
      const R = N * reach.length;
      const xg = backend.makeOutput([R, ci], 'float32');
      const dg = backend.makeOutput([R, co], 'float32');
      const xs = heapF32(backend, x);
      const ds = heapF32(backend, dy);
      const xd = heapF32(backend, xg);
      const dd = heapF32(backend, dg);
      let r = 0;
      for (let n = 0; n < N; n++) {
        for (const { src, dst } of reach) {
          const s0 = (n * H * W + src) * ci;
          const d0 = (n * ho * wo + dst) * co;
          xd.set(xs.subarray(s0, s0 + ci), r * ci);
          dd.set(ds.subarray(d0, d0 + co), r * co);
          r++;
        }
      }
      const g = runWasmKernel(backend, 'BatchMatMul', { a: xg, b: dg }, { transposeA: true, transposeB: false });
      freeInfo(backend, xg);
      freeInfo(backend, dg);
      heapF32(backend, out).set(heapF32(backend, g), block);
      freeInfo(backend, g);
    }
  }
  return out;
}

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilterWasm(args: WasmKernelArgs): tf.TensorInfo {
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
  const p0 = info.padInfo;
  if (info.outHeight * info.outWidth <= TAP_GEMM_MAX_OUTPUT_PIXELS && x.dtype === 'float32') return tapGemmFilterGrad(backend, x, dy, info);
  const simd = simdKernels(backend);
  if (
    simd &&
    p0.top >= 0 && p0.bottom >= 0 && p0.left >= 0 && p0.right >= 0 &&
    // every tap of every output pixel reads inside the padded image
    x.shape[1] + p0.top + p0.bottom >= (info.outHeight - 1) * info.strideHeight + kh &&
    x.shape[2] + p0.left + p0.right >= (info.outWidth - 1) * info.strideWidth + kw &&
    co % SIMD_CHANNELS === 0 &&
    x.shape[0] > 0 && info.outHeight > 0 && info.outWidth > 0
  ) {
    return directFilterGrad(simd, backend, x, dy, kh, kw, p0, [info.strideHeight, info.strideWidth]);
  }
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
