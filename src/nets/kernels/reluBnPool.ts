/**
 * One fused training kernel (forward + gradient) for the chain that follows
 * STSTNet's convolution:
 *
 *   z (conv output, no bias) → + bias → ReLU → BatchNorm (batch statistics)
 *     → max-pool k×k stride s padding p (padding never wins, PyTorch)
 *     → dropout (seeded mask) → avg-pool 2×2 stride 2 'valid'
 *
 * Why: done op by op, tfjs runs ~12 kernels over the [N, 30, 30, 16]
 * activation forward and backward (bias Add, Relu, BN passes, MaxPool,
 * MaxPoolGrad, the bias-gradient Sum, ReluGrad, …). Fused, the forward is
 * two passes (statistics; normalise + pool) and the backward one dense pass
 * plus a sparse scatter: the gradient reaching the BatchNorm output is
 * non-zero only at the max-pool winners, so Σdy and Σdy·x̂ are sums over
 * those alone, and the closed form of the BatchNorm gradient
 *
 *   dr = k·(M·dy − Σdy − x̂·Σdy·x̂),   k = γσ⁻¹/M,
 *
 * is affine in r away from the winners: dr = b·r + d (+ a·dy at winners).
 * Then dz = dr·[r > 0], dbias = Σ dz.
 *
 * Semantics = PyTorch nn.BatchNorm2d (biased variance to normalise; the
 * running variance is updated by the layer with the unbiased one).
 * Registered on the wasm and cpu backends. On wasm with 16 channels every
 * pass runs as SIMD wasm over the backend's heap (src/nets/kernels/simd.ts:
 * statistics, max-pool winners, mask, BN/dropout/avg-pool, and the backward
 * passes); elsewhere the JavaScript loops below (same results to float32
 * rounding; the same dropout masks bit for bit). The forward keeps relu(r)
 * at each winner (`rwin`) so the backward never gathers from z.
 */
import * as tf from '../tf.ts';
import { Rng } from '../../core/rng.ts';
import { heapF32, type WasmBackend } from './wasmCall.ts';
import { SIMD_CHANNELS, simdKernels, type SimdKernels } from './simd.ts';

export const RELU_BN_POOL = 'MerkitReluBnPool';
export const RELU_BN_POOL_GRAD = 'MerkitReluBnPoolGrad';

export interface ReluBnPoolAttrs {
  epsilon: number;
  poolSize: number;
  poolStride: number;
  poolPad: number;
  /** dropout rate in [0, 1); 0 = no dropout */
  rate: number;
  /** seed of the dropout mask */
  seed: number;
}

type AnyBackend = { typedArrayFromHeap?: unknown; data?: { get(id: object): { values: unknown } } };

function read(backend: AnyBackend, t: tf.TensorInfo): Float32Array {
  if (typeof backend.typedArrayFromHeap === 'function') return heapF32(backend as unknown as WasmBackend, t);
  return (backend.data as { get(id: object): { values: Float32Array } }).get(t.dataId).values;
}

function readI32(backend: AnyBackend, t: tf.TensorInfo): Int32Array {
  if (typeof backend.typedArrayFromHeap === 'function') return (backend as unknown as WasmBackend).typedArrayFromHeap(t) as Int32Array;
  return (backend.data as { get(id: object): { values: Int32Array } }).get(t.dataId).values;
}

/** output tensors (float32 unless `int32` lists the index of an int32 one) filled by `fill` through typed views */
function outputs(backend: AnyBackend, shapes: number[][], fill: (views: Float32Array[], ints: Int32Array[]) => void, int32: number[] = []): tf.TensorInfo[] {
  const dtype = (i: number) => (int32.includes(i) ? 'int32' : 'float32');
  if (typeof backend.typedArrayFromHeap === 'function') {
    const wb = backend as unknown as WasmBackend;
    const infos = shapes.map((s, i) => wb.makeOutput(s, dtype(i)));
    fill(infos.map((i) => (i.dtype === 'float32' ? heapF32(wb, i) : new Float32Array(0))), infos.map((i) => (i.dtype === 'int32' ? (wb.typedArrayFromHeap(i) as Int32Array) : new Int32Array(0))));
    return infos;
  }
  const arrays = shapes.map((s, i) => (dtype(i) === 'int32' ? new Int32Array(s.reduce((a, b) => a * b, 1)) : new Float32Array(s.reduce((a, b) => a * b, 1))));
  fill(arrays.map((a) => (a instanceof Float32Array ? a : new Float32Array(0))), arrays.map((a) => (a instanceof Int32Array ? a : new Int32Array(0))));
  const cb = backend as unknown as { makeTensorInfo(shape: number[], dtype: 'float32' | 'int32', values: Float32Array | Int32Array): tf.TensorInfo };
  return arrays.map((a, i) => cb.makeTensorInfo(shapes[i], dtype(i), a));
}

/** pooled side of a PyTorch max-pool (floor mode) */
export function pooledSide(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** 2³²: a uint32 draw u keeps an element when u < keep·2³² (u/2³² < keep) */
const UINT32_RANGE = 4294967296;

/** positions per cache block in the statistics pass (× C floats stays in L1) */
const BLOCK_POSITIONS = 512;

/** batch mean and biased variance of the last forward (for the layer's running statistics) */
export let lastReluBnPoolStats: { mean: Float64Array; variance: Float64Array; count: number } | undefined;

/** BatchNorm statistics from Σr and Σr² over M positions */
function statistics(s1: Float64Array, s2: Float64Array, M: number, epsilon: number, g: Float32Array) {
  const C = s1.length;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const inv = new Float32Array(C);
  const scale = new Float32Array(C);
  const sgn = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    mean[c] = s1[c] / M;
    variance[c] = Math.max(0, s2[c] / M - mean[c] * mean[c]);
    inv[c] = 1 / Math.sqrt(variance[c] + epsilon);
    scale[c] = g[c] * inv[c];
    // The BN map is monotone per channel (increasing when γσ⁻¹ ≥ 0, else
    // decreasing), so the window's BN maximum sits at the max (or min) of r:
    // the pooling compares sgn·r.
    sgn[c] = scale[c] >= 0 ? 1 : -1;
  }
  return { mean, variance, inv, scale, sgn };
}

/** JavaScript statistics pass: Σ relu(z + bias), Σ relu(z + bias)² per channel */
function statsJs(zs: Float32Array, bs: Float32Array, C: number): [Float64Array, Float64Array] {
  const total = zs.length;
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  const step = BLOCK_POSITIONS * C;
  for (let b0 = 0; b0 < total; b0 += step) {
    const b1 = Math.min(total, b0 + step);
    for (let c = 0; c < C; c++) {
      const bc = bs[c];
      let a1 = 0;
      let a2 = 0;
      for (let i = b0 + c; i < b1; i += C) {
        const r = zs[i] + bc;
        if (r > 0) {
          a1 += r;
          a2 += r * r;
        }
      }
      s1[c] += a1;
      s2[c] += a2;
    }
  }
  return [s1, s2];
}

interface PoolGeometry {
  N: number;
  H: number;
  W: number;
  C: number;
  Hp: number;
  Wp: number;
  k: number;
  st: number;
  pd: number;
}

/**
 * JavaScript max-pool pass: for each window and channel, best = max of
 * sgn·relu(z + bias) and winner = its flat index into z (first wins ties).
 * Channel-inner loops with small per-channel arrays (the fastest form in V8
 * for C ≈ 16).
 */
function poolJs(zs: Float32Array, bs: Float32Array, sgn: Float32Array, g: PoolGeometry, best: Float32Array, winner: Int32Array): void {
  const { N, H, W, C, Hp, Wp, k, st, pd } = g;
  const bestV = new Float32Array(C);
  const bestI = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Hp; i++) {
      const y0 = Math.max(0, i * st - pd);
      const y1 = Math.min(H, i * st - pd + k);
      for (let j = 0; j < Wp; j++) {
        const x0 = Math.max(0, j * st - pd);
        const x1 = Math.min(W, j * st - pd + k);
        const first = ((n * H + y0) * W + x0) * C;
        for (let c = 0; c < C; c++) {
          const zi = zs[first + c] + bs[c];
          bestV[c] = (zi > 0 ? zi : 0) * sgn[c];
          bestI[c] = first + c;
        }
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            const base = ((n * H + yy) * W + xx) * C;
            for (let c = 0; c < C; c++) {
              const zi = zs[base + c] + bs[c];
              const v = (zi > 0 ? zi : 0) * sgn[c];
              if (v > bestV[c]) {
                bestV[c] = v;
                bestI[c] = base + c;
              }
            }
          }
        }
        const o = ((n * Hp + i) * Wp + j) * C;
        for (let c = 0; c < C; c++) {
          best[o + c] = bestV[c];
          winner[o + c] = bestI[c];
        }
      }
    }
  }
}

/**
 * Dropout masks of the P pooled cells, in (n, i, j, c) order: 0 or
 * 1/(1 − rate), from a seeded stream (all ones when rate = 0).
 */
function dropoutMask(mask: Float32Array, P: number, at: ReluBnPoolAttrs, simd?: { k: SimdKernels; ptr: number }): void {
  const keep = 1 - at.rate;
  const inv = 1 / keep;
  if (at.rate > 0) {
    // sfc32 (the generator of core/rng.ts) inlined on int32 locals, its state
    // drawn from Rng(seed): ~10× faster than a method call per element
    const seeded = new Rng(at.seed);
    let sa = seeded.nextUint32() | 0;
    let sb = seeded.nextUint32() | 0;
    let sc = seeded.nextUint32() | 0;
    let sd = seeded.nextUint32() | 0;
    const threshold = keep * UINT32_RANGE;
    // integer u < threshold ⇔ u < ⌈threshold⌉ (unsigned compare in wasm)
    const thrU = Math.ceil(threshold);
    if (simd && thrU < UINT32_RANGE && P > 0) {
      simd.k.mask(simd.ptr, P, sa, sb, sc, sd, thrU, inv);
      return;
    }
    for (let o = 0; o < P; o++) {
      const t = (((sa + sb) | 0) + sd) | 0;
      sd = (sd + 1) | 0;
      sa = sb ^ (sb >>> 9);
      sb = (sc + (sc << 3)) | 0;
      sc = (sc << 21) | (sc >>> 11);
      sc = (sc + t) | 0;
      mask[o] = t >>> 0 < threshold ? inv : 0;
    }
  } else {
    mask.fill(1);
  }
}

/**
 * Shared tail of the forward. `best` holds sgn·relu(r) at each winner and
 * becomes relu(r) there (kept for the gradient); dropout masks are drawn in
 * (n, i, j, c) order from Rng(seed); out = avg-pool 2×2/2 of mask·BN(winner).
 */
function poolTail(
  best: Float32Array,
  st: ReturnType<typeof statistics>,
  be: Float32Array,
  g: PoolGeometry,
  at: ReluBnPoolAttrs,
  meanOut: Float32Array,
  mask: Float32Array,
  out: Float32Array,
): void {
  const { N, C, Hp, Wp } = g;
  const Ha = Math.floor(Hp / 2);
  const Wa = Math.floor(Wp / 2);
  const P = N * Hp * Wp * C;
  const { sgn, scale } = st;
  dropoutMask(mask, P, at);
  for (let o = 0; o < P; o += C) for (let c = 0; c < C; c++) best[o + c] *= sgn[c];
  // BN(r) = (r − μ)·γσ⁻¹ + β = r·scale + shift
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) shift[c] = be[c] - meanOut[c] * scale[c];
  for (let n = 0; n < N; n++)
    for (let a = 0; a < Ha; a++)
      for (let b = 0; b < Wa; b++) {
        const o = ((n * Ha + a) * Wa + b) * C;
        const p00 = ((n * Hp + 2 * a) * Wp + 2 * b) * C;
        const p01 = p00 + C;
        const p10 = p00 + Wp * C;
        const p11 = p10 + C;
        for (let c = 0; c < C; c++) {
          const s = scale[c];
          const h = shift[c];
          out[o + c] =
            0.25 *
            (mask[p00 + c] * (best[p00 + c] * s + h) +
              mask[p01 + c] * (best[p01 + c] * s + h) +
              mask[p10 + c] * (best[p10 + c] * s + h) +
              mask[p11 + c] * (best[p11 + c] * s + h));
        }
      }
}

/** bytes of the forward's heap scratch: Σ accumulators (2C f64), row sums (2C f32), sgn, scale, shift (C f32 each) */
const fwdScratchBytes = (C: number) => 2 * C * 8 + 2 * C * 4 + 3 * C * 4;
/** index of the int32 output (winner) of the forward */
const WINNER_OUTPUT = 3;

/**
 * forward: inputs z [N,H,W,C], bias, gamma, beta [C] →
 * out [N,Ha,Wa,C], mean [C], invStd [C], winner [N,Hp,Wp,C] (int32: flat
 * index into z of each max-pool winner), mask [N,Hp,Wp,C] (0 or
 * 1/(1 − rate)), rwin [N,Hp,Wp,C] (relu(z + bias) at the winner). On the
 * wasm backend with C = 16 the statistics and max-pool passes run as SIMD
 * wasm (src/nets/kernels/simd.ts).
 */
export function reluBnPoolForward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as AnyBackend;
  const { z, bias, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const at = args.attrs as unknown as ReluBnPoolAttrs;
  const [N, H, W, C] = z.shape;
  const Hp = pooledSide(H, at.poolSize, at.poolStride, at.poolPad);
  const Wp = pooledSide(W, at.poolSize, at.poolStride, at.poolPad);
  const Ha = Math.floor(Hp / 2);
  const Wa = Math.floor(Wp / 2);
  const M = N * H * W;
  const geo: PoolGeometry = { N, H, W, C, Hp, Wp, k: at.poolSize, st: at.poolStride, pd: at.poolPad };
  const shapes = [[N, Ha, Wa, C], [C], [C], [N, Hp, Wp, C], [N, Hp, Wp, C], [N, Hp, Wp, C]];
  const simd = C === SIMD_CHANNELS && M > 0 && Hp > 0 && Wp > 0 ? simdKernels(backend) : null;
  if (simd) {
    const wb = backend as unknown as WasmBackend;
    const infos = shapes.map((sh, i) => wb.makeOutput(sh, i === WINNER_OUTPUT ? 'int32' : 'float32'));
    const buf = simd.malloc(fwdScratchBytes(C));
    const acc = buf;
    const rowSums = acc + 2 * C * 8;
    const sgnP = rowSums + 2 * C * 4;
    const scaleP = sgnP + C * 4;
    const shiftP = scaleP + C * 4;
    try {
      new Float64Array(simd.mem.buffer, acc, 2 * C).fill(0);
      simd.stats(simd.ptr(z), simd.ptr(bias), acc, N * H, W, rowSums);
      const sums = Float64Array.from(new Float64Array(simd.mem.buffer, acc, 2 * C));
      const st = statistics(sums.subarray(0, C), sums.subarray(C), M, at.epsilon, read(backend, gamma));
      new Float32Array(simd.mem.buffer, sgnP, C).set(st.sgn);
      simd.pool(simd.ptr(z), simd.ptr(bias), sgnP, simd.ptr(infos[5]), simd.ptr(infos[WINNER_OUTPUT]), N, H, W, Hp, Wp, at.poolSize, at.poolStride, at.poolPad);
      const [out, meanOut, invOut, , mask, rwin] = infos.map((i) => (i.dtype === 'float32' ? heapF32(wb, i) : new Float32Array(0)));
      meanOut.set(st.mean);
      invOut.set(st.inv);
      lastReluBnPoolStats = { mean: st.mean, variance: st.variance, count: M };
      if (Ha > 0 && Wa > 0) {
        dropoutMask(mask, N * Hp * Wp * C, at, { k: simd, ptr: simd.ptr(infos[4]) });
        const be = read(backend, beta);
        const shift = new Float32Array(C);
        for (let c = 0; c < C; c++) shift[c] = be[c] - meanOut[c] * st.scale[c];
        new Float32Array(simd.mem.buffer, scaleP, C).set(st.scale);
        new Float32Array(simd.mem.buffer, shiftP, C).set(shift);
        simd.tail(simd.ptr(infos[5]), sgnP, scaleP, shiftP, simd.ptr(infos[4]), simd.ptr(infos[0]), N, Hp, Wp, Ha, Wa);
      } else {
        poolTail(rwin, st, read(backend, beta), geo, at, meanOut, mask, out);
      }
    } finally {
      simd.free(buf);
    }
    return infos;
  }
  return outputs(
    backend,
    shapes,
    ([out, meanOut, invOut, , mask, rwin], ints) => {
      const zs = read(backend, z);
      const bs = read(backend, bias);
      const [s1, s2] = statsJs(zs, bs, C);
      const st = statistics(s1, s2, M, at.epsilon, read(backend, gamma));
      meanOut.set(st.mean);
      invOut.set(st.inv);
      lastReluBnPoolStats = { mean: st.mean, variance: st.variance, count: M };
      poolJs(zs, bs, st.sgn, geo, rwin, ints[WINNER_OUTPUT]);
      poolTail(rwin, st, read(backend, beta), geo, at, meanOut, mask, out);
    },
    [WINNER_OUTPUT],
  );
}

/**
 * Gradient at each pooled cell (avg-pool then dropout), the BN sums over the
 * winners, and the per-channel coefficients of dz = (b·r + d)·[r > 0]
 * (+ a·dy at the winners).
 */
function gradPrelude(go: Float32Array, rw: Float32Array, gam: Float32Array, mu: Float32Array, inv: Float32Array, mk: Float32Array, shape: { N: number; Hp: number; Wp: number; Ha: number; Wa: number; C: number; M: number }) {
  const { N, Hp, Wp, Ha, Wa, C, M } = shape;
  const P = N * Hp * Wp * C;
  const dp = new Float32Array(P);
  const sdy = new Float64Array(C);
  const sdyx = new Float64Array(C);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < 2 * Ha; i++)
      for (let j = 0; j < 2 * Wa; j++) {
        const o = ((n * Hp + i) * Wp + j) * C;
        const a = ((n * Ha + (i >> 1)) * Wa + (j >> 1)) * C;
        // branch-free: half the cells are dropped (d = 0) at random, which a branch would mispredict
        for (let c = 0; c < C; c++) {
          const d = 0.25 * go[a + c] * mk[o + c];
          dp[o + c] = d;
          sdy[c] += d;
          sdyx[c] += d * (rw[o + c] - mu[c]) * inv[c];
        }
      }
  return { dp, sdy, sdyx, ...coefficients(sdy, sdyx, gam, inv, mu, M) };
}

/** per-channel coefficients of dz = (b·r + d)·[r > 0] (+ a·dy at the winners) */
function coefficients(sdy: Float64Array, sdyx: Float64Array, gam: Float32Array, inv: Float32Array, mu: Float32Array, M: number) {
  const C = sdy.length;
  const ca = new Float32Array(C);
  const cb = new Float32Array(C);
  const cd = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const k = (gam[c] * inv[c]) / M;
    ca[c] = k * M;
    // −k·x̂·Σdy·x̂ − k·Σdy with x̂ = (r − μ)σ⁻¹  →  b·r + d
    cb[c] = -k * sdyx[c] * inv[c];
    cd[c] = -k * sdy[c] + k * sdyx[c] * inv[c] * mu[c];
  }
  return { ca, cb, cd };
}

/** sparse part of dz: + a·dy at the winners (where r > 0); adds into db */
function gradSparse(dp: Float32Array, win: Int32Array, rw: Float32Array, ca: Float32Array, C: number, dz: Float32Array, db: Float64Array): void {
  // branch-free (dropped cells have d = 0 at random): adding v = 0 changes nothing
  for (let o = 0; o < dp.length; o += C) {
    for (let c = 0; c < C; c++) {
      const v = rw[o + c] > 0 ? ca[c] * dp[o + c] : 0;
      dz[win[o + c]] += v;
      db[c] += v;
    }
  }
}

/** gradient: inputs dout, z, bias, gamma, mean, invStd, winner, mask, rwin → dz, dbias, dgamma, dbeta. */
export function reluBnPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo[] {
  const backend = args.backend as AnyBackend;
  const { dout, z, bias, gamma, mean, invStd, winner, mask, rwin } = args.inputs as Record<string, tf.TensorInfo>;
  const [N, H, W, C] = z.shape;
  const [, Hp, Wp] = winner.shape;
  const [, Ha, Wa] = dout.shape;
  const M = N * H * W;
  const total = M * C;
  const shape = { N, Hp, Wp, Ha, Wa, C, M };
  const simd = C === SIMD_CHANNELS && M > 0 && Ha > 0 && Wa > 0 ? simdKernels(backend) : null;
  if (simd) {
    const wb = backend as unknown as WasmBackend;
    const infos = [z.shape, [C], [C], [C]].map((sh) => wb.makeOutput(sh, 'float32'));
    const P = N * Hp * Wp * C;
    // heap scratch: Σ accumulators (2C f64), row sums (2C f32), slope, off, a (C f32 each), dp (P f32)
    const buf = simd.malloc(2 * C * 8 + 2 * C * 4 + 3 * C * 4 + P * 4);
    const acc = buf;
    const rowSums = acc + 2 * C * 8;
    const slopeP = rowSums + 2 * C * 4;
    const offP = slopeP + C * 4;
    const caP = offP + C * 4;
    const dpP = caP + C * 4;
    try {
      const mu = read(backend, mean);
      const inv = read(backend, invStd);
      new Float32Array(simd.mem.buffer, dpP, P).fill(0);
      new Float64Array(simd.mem.buffer, acc, 2 * C).fill(0);
      simd.prelude(simd.ptr(dout), simd.ptr(rwin), simd.ptr(mask), simd.ptr(mean), simd.ptr(invStd), dpP, acc, N, Hp, Wp, Ha, Wa, rowSums);
      const sums = Float64Array.from(new Float64Array(simd.mem.buffer, acc, 2 * C));
      const sdy = sums.subarray(0, C);
      const sdyx = sums.subarray(C);
      const co = coefficients(sdy, sdyx, read(backend, gamma), inv, mu, M);
      new Float32Array(simd.mem.buffer, slopeP, C).set(co.cb);
      new Float32Array(simd.mem.buffer, offP, C).set(co.cd);
      new Float32Array(simd.mem.buffer, caP, C).set(co.ca);
      new Float64Array(simd.mem.buffer, acc, C).fill(0);
      simd.gradDense(simd.ptr(z), simd.ptr(bias), slopeP, offP, simd.ptr(infos[0]), acc, N * H, W, rowSums);
      simd.sparse(dpP, simd.ptr(winner), simd.ptr(rwin), caP, simd.ptr(infos[0]), acc, N, Hp * Wp, rowSums);
      const db = new Float64Array(simd.mem.buffer, acc, C);
      const [, dbias, dgamma, dbeta] = infos.map((i) => heapF32(wb, i));
      for (let c = 0; c < C; c++) {
        dgamma[c] = sdyx[c];
        dbeta[c] = sdy[c];
        dbias[c] = db[c];
      }
    } finally {
      simd.free(buf);
    }
    return infos;
  }
  return outputs(backend, [z.shape, [C], [C], [C]], ([dz, dbias, dgamma, dbeta]) => {
    const zs = read(backend, z);
    const bs = read(backend, bias);
    const rw = read(backend, rwin);
    const pre = gradPrelude(read(backend, dout), rw, read(backend, gamma), read(backend, mean), read(backend, invStd), read(backend, mask), shape);
    // dense part: dz = (b·r + d)·[r > 0] (r rounded to float32, as in the SIMD pass)
    const db = new Float64Array(C);
    const step = BLOCK_POSITIONS * C;
    for (let b0 = 0; b0 < total; b0 += step) {
      const b1 = Math.min(total, b0 + step);
      for (let c = 0; c < C; c++) {
        const bc = bs[c];
        const slope = pre.cb[c];
        const off = pre.cd[c];
        let acc = 0;
        for (let i = b0 + c; i < b1; i += C) {
          const r = Math.fround(zs[i] + bc);
          const v = r > 0 ? slope * r + off : 0;
          dz[i] = v;
          acc += v;
        }
        db[c] += acc;
      }
    }
    gradSparse(pre.dp, readI32(backend, winner), rw, pre.ca, C, dz, db);
    for (let c = 0; c < C; c++) {
      dgamma[c] = pre.sdyx[c];
      dbeta[c] = pre.sdy[c];
      dbias[c] = db[c];
    }
  });
}

let registered = false;
export function registerReluBnPoolKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['wasm', 'cpu']) {
    if (!tf.getKernel(RELU_BN_POOL, backendName)) tf.registerKernel({ kernelName: RELU_BN_POOL, backendName, kernelFunc: reluBnPoolForward as unknown as tf.KernelFunc });
    if (!tf.getKernel(RELU_BN_POOL_GRAD, backendName)) tf.registerKernel({ kernelName: RELU_BN_POOL_GRAD, backendName, kernelFunc: reluBnPoolGrad as unknown as tf.KernelFunc });
  }
}

/** Training-mode fused op; differentiable in z, bias, gamma, beta. */
export function reluBnPoolTrain(z: tf.Tensor4D, bias: tf.Tensor1D, gamma: tf.Tensor1D, beta: tf.Tensor1D, attrs: ReluBnPoolAttrs): tf.Tensor4D {
  registerReluBnPoolKernels();
  const f = tf.customGrad((...args: unknown[]) => {
    const [zi, bi, gi, bei, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
    const [out, mean, invStd, winner, mask, rwin] = tf.engine().runKernel(RELU_BN_POOL, { z: zi, bias: bi, gamma: gi, beta: bei }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([zi, bi, gi, mean, invStd, winner, mask, rwin]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [zs, bs, gs, ms, is, ws, mk, rw] = saved;
        return tf.engine().runKernel(RELU_BN_POOL_GRAD, { dout: dy as tf.Tensor, z: zs, bias: bs, gamma: gs, mean: ms, invStd: is, winner: ws, mask: mk, rwin: rw }, {}) as tf.Tensor[];
      },
    };
  });
  return f(z, bias, gamma, beta) as tf.Tensor4D;
}
