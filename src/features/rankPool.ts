/**
 * Rank pooling (Fernando et al., "Modeling video evolution for action
 * recognition", CVPR 2015 / TPAMI 2017): a video of T frame features
 * v_1 … v_T becomes the weight vector u of a linear function that orders the
 * frames in time. As in the authors' reference code:
 *  1. time-varying mean smoothing m_t = (1/t) Σ_{τ≤t} v_τ,
 *  2. (optional) L2-normalisation of every m_t (reference: on),
 *  3. a linear SVR of the frame index t on m_t — L2-regularised, squared
 *     ε-insensitive loss (liblinear -s 11, C = 1, ε = 0.1, no bias):
 *        min_u ½‖u‖² + C Σ_t max(0, |uᵀm_t − t| − ε)²
 *     solved here exactly by a finite Newton / active-set method in the span
 *     of the m_t (T×T systems; deterministic, no liblinear).
 * The LTOGP paper writes the pairwise RankSVM form (its Eq. 3, C = 1); the
 * SVR is the reference code's stand-in for it.
 *
 * 'approx' is the approximate rank pooling of Bilen et al. ("Dynamic image
 * networks", CVPR 2016): u = Σ_t α_t v_t with
 *   α_t = 2(T − t + 1) − (T + 1)(H_T − H_{t−1}),  H_t = Σ_{i≤t} 1/i, H_0 = 0.
 */
import { MerError } from '../core/errors.ts';

export interface RankPoolOptions {
  /** SVR C (paper and reference: 1) */
  C?: number;
  /** 'svr' (exact, default) or 'approx' (dynamic-image weights) */
  method?: 'svr' | 'approx';
  /** SVR ε-insensitive band (liblinear default 0.1) */
  epsilon?: number;
  /** time-varying mean smoothing before the SVR (default true) */
  smooth?: boolean;
  /** L2-normalise each smoothed frame vector before the SVR (default true, as the reference) */
  normalize?: boolean;
}

/** Newton iterations cap; the active set normally settles in < 10 */
const MAX_NEWTON = 100;

/** Bilen et al.'s approximate rank pooling weights α_1 … α_T */
export function approxRankPoolWeights(T: number): Float64Array {
  const H = new Float64Array(T + 1);
  for (let i = 1; i <= T; i++) H[i] = H[i - 1] + 1 / i;
  const a = new Float64Array(T);
  for (let t = 1; t <= T; t++) a[t - 1] = 2 * (T - t + 1) - (T + 1) * (H[T] - H[t - 1]);
  return a;
}

function solveDense(A: Float64Array, b: Float64Array, n: number): Float64Array {
  // Gaussian elimination with partial pivoting (n = T frames: tiny)
  const M = new Float64Array(A);
  const x = new Float64Array(b);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i * n + k]) > Math.abs(M[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [M[k * n + j], M[p * n + j]] = [M[p * n + j], M[k * n + j]];
      [x[k], x[p]] = [x[p], x[k]];
    }
    const piv = M[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = M[i * n + k] / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) M[i * n + j] -= f * M[k * n + j];
      x[i] -= f * x[k];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= M[i * n + j] * x[j];
    x[i] = s / M[i * n + i];
  }
  return x;
}

/** ½‖u‖² + C Σ loss with u = Σ β_t m_t; K = Gram matrix */
function svrObjective(beta: Float64Array, K: Float64Array, y: Float64Array, C: number, eps: number): { obj: number; f: Float64Array } {
  const T = y.length;
  const f = new Float64Array(T);
  let uu = 0;
  for (let i = 0; i < T; i++) {
    let s = 0;
    for (let j = 0; j < T; j++) s += K[i * T + j] * beta[j];
    f[i] = s;
    uu += beta[i] * s;
  }
  let loss = 0;
  for (let i = 0; i < T; i++) {
    const r = Math.abs(f[i] - y[i]) - eps;
    if (r > 0) loss += r * r;
  }
  return { obj: 0.5 * uu + C * loss, f };
}

/** the rank-pooled representation u (length d) of T frame feature vectors */
export function rankPool(frameFeatures: readonly Float32Array[], opts: RankPoolOptions = {}): Float32Array {
  const T = frameFeatures.length;
  if (T < 2) throw new MerError('BAD_INPUT', `rank pooling needs at least 2 frames, got ${T}`);
  const d = frameFeatures[0].length;
  for (const [t, v] of frameFeatures.entries()) {
    if (v.length !== d) throw new MerError('BAD_INPUT', `rank pooling: frame ${t} has ${v.length} values, expected ${d}`);
  }
  const method = opts.method ?? 'svr';
  if (method === 'approx') {
    const a = approxRankPoolWeights(T);
    const u = new Float32Array(d);
    for (let t = 0; t < T; t++) for (let k = 0; k < d; k++) u[k] += a[t] * frameFeatures[t][k];
    return u;
  }
  if (method !== 'svr') throw new MerError('BAD_OPTION', `unknown rank pooling method '${String(method)}'`, { expected: "'svr' or 'approx'" });
  const C = opts.C ?? 1;
  const eps = opts.epsilon ?? 0.1;
  // 1–2: smoothed, normalised frame vectors (float64)
  const m: Float64Array[] = [];
  const acc = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    const v = frameFeatures[t];
    const row = new Float64Array(d);
    if (opts.smooth ?? true) {
      for (let k = 0; k < d; k++) {
        acc[k] += v[k];
        row[k] = acc[k] / (t + 1);
      }
    } else row.set(v);
    if (opts.normalize ?? true) {
      let s = 0;
      for (let k = 0; k < d; k++) s += row[k] * row[k];
      const nr = Math.sqrt(s);
      if (nr > 0) for (let k = 0; k < d; k++) row[k] /= nr;
    }
    m.push(row);
  }
  const K = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += m[i][k] * m[j][k];
      K[i * T + j] = s;
      K[j * T + i] = s;
    }
  }
  const y = Float64Array.from({ length: T }, (_, t) => t + 1);
  // 3: finite Newton in the span: on the active set I (|f − y| > ε) with signs s,
  // stationarity gives β_I = 2C (y_I − s ε − K_II β_I) → (I + 2C K_II) β_I = 2C (y_I − s ε), β_rest = 0.
  let beta = new Float64Array(T);
  let { obj, f } = svrObjective(beta, K, y, C, eps);
  for (let it = 0; it < MAX_NEWTON; it++) {
    const act: number[] = [];
    const sgn: number[] = [];
    for (let i = 0; i < T; i++) {
      const r = f[i] - y[i];
      if (Math.abs(r) > eps) {
        act.push(i);
        sgn.push(Math.sign(r));
      }
    }
    if (act.length === 0) break;
    const n = act.length;
    const A = new Float64Array(n * n);
    const b = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      for (let c = 0; c < n; c++) A[a * n + c] = 2 * C * K[act[a] * T + act[c]] + (a === c ? 1 : 0);
      b[a] = 2 * C * (y[act[a]] - sgn[a] * eps);
    }
    const bI = solveDense(A, b, n);
    const cand = new Float64Array(T);
    act.forEach((i, a) => (cand[i] = bI[a]));
    // backtrack along the Newton direction if the full step does not decrease the objective
    let step = 1;
    let next = svrObjective(cand, K, y, C, eps);
    let trial = cand;
    while (next.obj > obj && step > 1e-8) {
      step /= 2;
      trial = beta.map((v, i) => v + step * (cand[i] - v));
      next = svrObjective(trial, K, y, C, eps);
    }
    const done = Math.abs(obj - next.obj) <= 1e-12 * Math.max(1, obj);
    beta = trial;
    obj = next.obj;
    f = next.f;
    if (done) break;
  }
  const u = new Float32Array(d);
  for (let t = 0; t < T; t++) for (let k = 0; k < d; k++) u[k] += beta[t] * m[t][k];
  return u;
}
