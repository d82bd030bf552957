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
 * Registered on the wasm and cpu backends.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.ts';
import { heapF32, type WasmBackend } from './wasmCall.ts';

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

function outputs(backend: AnyBackend, shapes: number[][], fill: (views: Float32Array[]) => void): tf.TensorInfo[] {
  if (typeof backend.typedArrayFromHeap === 'function') {
    const wb = backend as unknown as WasmBackend;
    const infos = shapes.map((s) => wb.makeOutput(s, 'float32'));
    fill(infos.map((i) => heapF32(wb, i)));
    return infos;
  }
  const arrays = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
  fill(arrays);
  const cb = backend as unknown as { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };
  return arrays.map((a, i) => cb.makeTensorInfo(shapes[i], 'float32', a));
}

/** pooled side of a PyTorch max-pool (floor mode) */
export function pooledSide(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** positions per cache block in the statistics pass (× C floats stays in L1) */
const BLOCK_POSITIONS = 512;

/** batch mean and biased variance of the last forward (for the layer's running statistics) */
export let lastReluBnPoolStats: { mean: Float64Array; variance: Float64Array; count: number } | undefined;

/**
 * forward: inputs z [N,H,W,C], bias, gamma, beta [C] →
 * out [N,Ha,Wa,C], mean [C], invStd [C], winner [N,Hp,Wp,C] (flat index
 * into z of each max-pool winner, as float32: exact below 2²⁴), mask
 * [N,Hp,Wp,C] (0 or 1/(1 − rate)).
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
  const total = M * C;
  const shapes = [[N, Ha, Wa, C], [C], [C], [N, Hp, Wp, C], [N, Hp, Wp, C]];
  return outputs(backend, shapes, ([out, meanOut, invOut, winner, mask]) => {
    const zs = read(backend, z);
    const bs = read(backend, bias);
    const g = read(backend, gamma);
    const be = read(backend, beta);
    // 1. statistics of r = relu(z + bias)
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
    const mean = new Float64Array(C);
    const variance = new Float64Array(C);
    const scale = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      mean[c] = s1[c] / M;
      variance[c] = Math.max(0, s2[c] / M - mean[c] * mean[c]);
      const inv = 1 / Math.sqrt(variance[c] + at.epsilon);
      meanOut[c] = mean[c];
      invOut[c] = inv;
      scale[c] = g[c] * inv;
    }
    lastReluBnPoolStats = { mean, variance, count: M };
    // 2. normalise inside each pooling window, take the max, record the winner, dropout
    const k = at.poolSize;
    const st = at.poolStride;
    const pd = at.poolPad;
    const keep = 1 - at.rate;
    const rng = at.rate > 0 ? new Rng(at.seed) : undefined;
    const pooled = new Float32Array(N * Hp * Wp * C);
    // The BN map is monotone per channel (increasing when γσ⁻¹ ≥ 0, else
    // decreasing), so the window's BN maximum sits at the max (or min) of r:
    // compare sgn·r. Channel-inner loops with small per-channel arrays (the
    // fastest form in V8 for C ≈ 16); the first pixel wins ties.
    const sgn = new Float32Array(C);
    for (let c = 0; c < C; c++) sgn[c] = scale[c] >= 0 ? 1 : -1;
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
            winner[o + c] = bestI[c];
            const m = rng ? (rng.next() < keep ? 1 / keep : 0) : 1;
            mask[o + c] = m;
            pooled[o + c] = (bestV[c] * sgn[c] - meanOut[c]) * scale[c] + be[c];
          }
        }
      }
    }
    // 3. avg-pool 2×2 stride 2 'valid'
    for (let n = 0; n < N; n++)
      for (let a = 0; a < Ha; a++)
        for (let b = 0; b < Wa; b++) {
          const o = ((n * Ha + a) * Wa + b) * C;
          const p00 = ((n * Hp + 2 * a) * Wp + 2 * b) * C;
          const p10 = p00 + Wp * C;
          for (let c = 0; c < C; c++) out[o + c] = 0.25 * (pooled[p00 + c] + pooled[p00 + C + c] + pooled[p10 + c] + pooled[p10 + C + c]);
        }
  });
}

/** gradient: inputs dout, z, bias, gamma, mean, invStd, winner, mask → dz, dbias, dgamma, dbeta. */
export function reluBnPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo[] {
  const backend = args.backend as AnyBackend;
  const { dout, z, bias, gamma, mean, invStd, winner, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const [N, H, W, C] = z.shape;
  const [, Hp, Wp] = winner.shape;
  const [, Ha, Wa] = dout.shape;
  const M = N * H * W;
  const total = M * C;
  return outputs(backend, [z.shape, [C], [C], [C]], ([dz, dbias, dgamma, dbeta]) => {
    const go = read(backend, dout);
    const zs = read(backend, z);
    const bs = read(backend, bias);
    const gam = read(backend, gamma);
    const mu = read(backend, mean);
    const inv = read(backend, invStd);
    const win = read(backend, winner);
    const mk = read(backend, mask);
    // gradient at each pooled cell (avg-pool then dropout), and the BN sums over winners
    const P = N * Hp * Wp * C;
    const dp = new Float32Array(P);
    const sdy = new Float64Array(C);
    const sdyx = new Float64Array(C);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < 2 * Ha; i++)
        for (let j = 0; j < 2 * Wa; j++) {
          const o = ((n * Hp + i) * Wp + j) * C;
          const a = ((n * Ha + (i >> 1)) * Wa + (j >> 1)) * C;
          for (let c = 0; c < C; c++) {
            const d = 0.25 * go[a + c] * mk[o + c];
            dp[o + c] = d;
            if (d !== 0) {
              const e = win[o + c];
              const zi = zs[e] + bs[c];
              sdy[c] += d;
              sdyx[c] += d * ((zi > 0 ? zi : 0) - mu[c]) * inv[c];
            }
          }
        }
    const ca = new Float32Array(C);
    const cb = new Float32Array(C);
    const cd = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      dgamma[c] = sdyx[c];
      dbeta[c] = sdy[c];
      const k = (gam[c] * inv[c]) / M;
      ca[c] = k * M;
      // −k·x̂·Σdy·x̂ − k·Σdy with x̂ = (r − μ)σ⁻¹  →  b·r + d
      cb[c] = -k * sdyx[c] * inv[c];
      cd[c] = -k * sdy[c] + k * sdyx[c] * inv[c] * mu[c];
    }
    // dense part: dz = (b·r + d)·[r > 0]
    const db = new Float64Array(C);
    const step = BLOCK_POSITIONS * C;
    for (let b0 = 0; b0 < total; b0 += step) {
      const b1 = Math.min(total, b0 + step);
      for (let c = 0; c < C; c++) {
        const bc = bs[c];
        const slope = cb[c];
        const off = cd[c];
        let acc = 0;
        for (let i = b0 + c; i < b1; i += C) {
          const r = zs[i] + bc;
          const v = r > 0 ? slope * r + off : 0;
          dz[i] = v;
          acc += v;
        }
        db[c] += acc;
      }
    }
    // sparse part: + a·dy at the winners (where r > 0)
    for (let o = 0; o < P; o += C) {
      for (let c = 0; c < C; c++) {
        const d = dp[o + c];
        if (d === 0) continue;
        const e = win[o + c];
        if (zs[e] + bs[c] > 0) {
          const v = ca[c] * d;
          dz[e] += v;
          db[c] += v;
        }
      }
    }
    for (let c = 0; c < C; c++) dbias[c] = db[c];
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
    const [out, mean, invStd, winner, mask] = tf.engine().runKernel(RELU_BN_POOL, { z: zi, bias: bi, gamma: gi, beta: bei }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([zi, bi, gi, mean, invStd, winner, mask]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [zs, bs, gs, ms, is, ws, mk] = saved;
        return tf.engine().runKernel(RELU_BN_POOL_GRAD, { dout: dy as tf.Tensor, z: zs, bias: bs, gamma: gs, mean: ms, invStd: is, winner: ws, mask: mk }, {}) as tf.Tensor[];
      },
    };
  });
  return f(z, bias, gamma, beta) as tf.Tensor4D;
}
