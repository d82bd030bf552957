/**
 * Conv2DBackpropInput on the wasm backend as forward (XNNPACK) convolutions.
 *
 * The input gradient of y = conv(x, W) (stride sh×sw, pads top/left) is
 *   dx[y, x, c] = Σ dy[i, j, o] · W[a, b, c, o]  over  i·sh + a − top = y,  j·sw + b − left = x.
 * Split dx by phase: rows with (y + top) mod sh = ry only meet the taps
 * a = ry + m·sh (m = 0 … Ma−1, Ma = ⌈(kh − ry)/sh⌉), and for y = q·sh + ry − top
 *   dx[y] = Σ_m dy[q − m] · W[ry + m·sh]
 * — a stride-1 convolution of dy with that sub-kernel flipped in space and
 * with in/out channels swapped (likewise for columns). So each of the sh·sw
 * phases is one forward convolution of dy (pads chosen so its outputs cover
 * every q with 0 ≤ y < H), and its rows/columns are scattered into dx with
 * stride sh×sw. Together the phases do exactly the forward's multiply-adds.
 * For stride 1 there is one phase, the whole kernel flipped, pads kh−1−top
 * and kh−1−bottom, and the convolution's output is dx itself.
 *
 * tfjs-backend-wasm 4.22's own Conv2DBackpropInput is a plain loop, much
 * slower than its Conv2D: in one FR training step (batch 32, Inception
 * 1×1/3×3/5×5 on 28×28) its 16 calls took 139 ms against 13 ms for the 24
 * forward convs; on EMR's ResNet-18 (batch 64, 64×64 input) its strided
 * 3×3/2 calls took 4–8× the forward's time.
 */
import * as tf from '../tf.ts';
import { freeInfo, heapF32, replaceWasmKernel, runWasmKernel, type WasmBackend, type WasmKernelFn } from './wasmCall.ts';

let original: WasmKernelFn | undefined;

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Channel block of the filter transpose: 32×32 floats (4 KiB) of source and destination stay in L1. */
const TRANSPOSE_BLOCK = 32;

/**
 * The phase (ry, rx) sub-kernel, flipped and channel-swapped, in one blocked
 * pass: dst[t, s, o, c] = W[ry + (Ma−1−t)·sh, rx + (Mb−1−s)·sw, c, o], dst of
 * shape [Ma, Mb, co, ci]. With stride 1 and phase 0 this is the whole kernel
 * flipped: W'[i, j, o, c] = W[kh−1−i, kw−1−j, c, o]. (The backend's Reverse
 * took 120 ms and its Transpose 34 ms on ResNet-18's 3×3×512×512 kernel,
 * where the convolution itself takes 67 ms; this pass takes 6 ms.)
 */
export function phaseSubKernel(
  src: Float32Array,
  dst: Float32Array,
  filterShape: readonly [number, number, number, number],
  phase: readonly [number, number],
  strides: readonly [number, number],
): [number, number] {
  const [kh, kw, ci, co] = filterShape;
  const [ry, rx] = phase;
  const [sh, sw] = strides;
  const ma = taps(kh, ry, sh);
  const mb = taps(kw, rx, sw);
  for (let t = 0; t < ma; t++) {
    const a = ry + (ma - 1 - t) * sh;
    for (let s = 0; s < mb; s++) {
      const b = rx + (mb - 1 - s) * sw;
      const s0 = (a * kw + b) * ci * co;
      const d0 = (t * mb + s) * ci * co;
      for (let cb = 0; cb < ci; cb += TRANSPOSE_BLOCK) {
        const ce = Math.min(ci, cb + TRANSPOSE_BLOCK);
        for (let ob = 0; ob < co; ob += TRANSPOSE_BLOCK) {
          const oe = Math.min(co, ob + TRANSPOSE_BLOCK);
          for (let c = cb; c < ce; c++) {
            const sc = s0 + c * co;
            for (let o = ob; o < oe; o++) dst[d0 + o * ci + c] = src[sc + o];
          }
        }
      }
    }
  }
  return [ma, mb];
}

/** taps of a k-wide kernel that phase r of stride s meets: r, r + s, … < k */
function taps(k: number, r: number, s: number): number {
  return r < k ? Math.ceil((k - r) / s) : 0;
}

/** One phase along one axis: which dx rows it fills and the pads of its convolution. */
interface AxisPhase {
  /** taps of the sub-kernel (0: the phase's rows get no gradient) */
  m: number;
  /** first q the convolution's output 0 stands for */
  q0: number;
  /** pads of the convolution (before, after), both ≥ 0 */
  pads: [number, number];
  /** q range whose rows y = q·s + r − pad lie in [0, size) */
  qmin: number;
  qmax: number;
}

function axisPhase(k: number, r: number, s: number, pad: number, size: number, dySize: number): AxisPhase | undefined {
  const m = taps(k, r, s);
  const qmin = Math.ceil((pad - r) / s);
  const qmax = Math.floor((size - 1 + pad - r) / s);
  if (m === 0 || qmax < qmin) return undefined;
  // output u of a stride-1 conv with pad `before` reads dy[u + t − before], t < m,
  // and stands for q = u + m − 1 − before; it ends at q = dySize − 1 + after
  const before = Math.max(0, m - 1 - qmin);
  const after = Math.max(0, qmax - dySize + 1);
  return { m, q0: m - 1 - before, pads: [before, after], qmin, qmax };
}

export function conv2dBackpropInputWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = args.attrs as unknown as Attrs;
  const backend = args.backend as WasmBackend;
  const fmt = tf.backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
  const fshape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, fshape, a.strides, 1, a.pad, a.dimRoundingMode, false, fmt);
  if (fmt !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original!(args);
  const [N, H, W, ci] = a.inputShape;
  const [, Ho, Wo] = dy.shape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const [kh, kw] = fshape;
  const { top, left } = info.padInfo;

  const phases: { ry: number; rx: number; row: AxisPhase; col: AxisPhase; out: tf.TensorInfo }[] = [];
  for (let ry = 0; ry < sh; ry++) {
    const row = axisPhase(kh, ry, sh, top, H, Ho);
    if (!row) continue;
    for (let rx = 0; rx < sw; rx++) {
      const col = axisPhase(kw, rx, sw, left, W, Wo);
      if (!col) continue;
      const sub = backend.makeOutput([row.m, col.m, fshape[3], ci], 'float32');
      // views after the allocation: it may grow (and detach) the heap
      phaseSubKernel(heapF32(backend, filter), heapF32(backend, sub), fshape, [ry, rx], [sh, sw]);
      const out = runWasmKernel(backend, 'Conv2D', { x: dy, filter: sub }, { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], row.pads, col.pads, [0, 0]], dataFormat: 'NHWC' });
      freeInfo(backend, sub);
      phases.push({ ry, rx, row, col, out });
    }
  }

  // stride 1 with the output exactly dx's rows and columns: no scatter
  const only = phases.length === 1 ? phases[0] : undefined;
  if (only && sh === 1 && sw === 1 && only.row.q0 === only.row.qmin && only.col.q0 === only.col.qmin && only.out.shape[1] === H && only.out.shape[2] === W) {
    return only.out;
  }

  const dx = backend.makeOutput([N, H, W, ci], 'float32');
  const d = heapF32(backend, dx);
  d.fill(0); // rows/columns no tap reaches keep a zero gradient
  for (const { ry, rx, row, col, out } of phases) {
    const o = heapF32(backend, out);
    const [, U, V] = out.shape;
    for (let n = 0; n < N; n++) {
      for (let q = row.qmin; q <= row.qmax; q++) {
        const u = q - row.q0;
        const y = q * sh + ry - top;
        for (let p = col.qmin; p <= col.qmax; p++) {
          const v = p - col.q0;
          const x = p * sw + rx - left;
          const s0 = ((n * U + u) * V + v) * ci;
          d.set(o.subarray(s0, s0 + ci), ((n * H + y) * W + x) * ci);
        }
      }
    }
    freeInfo(backend, out);
  }
  return dx;
}

/** Wrap the wasm backend's Conv2DBackpropInput (idempotent). */
export function registerConv2DBackpropInputWasm(): void {
  original ??= replaceWasmKernel('Conv2DBackpropInput', conv2dBackpropInputWasm);
  if (!original) throw new Error('internal: the wasm backend has no Conv2DBackpropInput');
}
