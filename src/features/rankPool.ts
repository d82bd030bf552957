/**
 * Rank pooling (Fernando et al., "Modeling video evolution for action
 * recognition", CVPR 2015 / TPAMI 2017): a video of T frame features
 * v_1 … v_T becomes the weight vector u of a linear function that orders the
 * frames in time.
 *
 * 'pairwise' (default) is the LTOGP paper's Eq. 3 (ltogp-rank-pooling-l21.txt
 * ll. 194–201), a linear RankSVM over every ordered pair of frames:
 *    min_u ½‖u‖² + C Σ_{i<j} ξ_ij   s.t.  uᵀ(v_j − v_i) ≥ 1 − ξ_ij, ξ_ij ≥ 0.
 * (The paper writes the pair as uᵀ(v_ti − v_tj) ≥ 1 for t_i < t_j, i.e. earlier
 * frames score higher; we keep Fernando's sign, later frames higher, so u
 * points along the motion. The sign is the same for every clip, which neither
 * the ℓ2,1 ranking nor the linear SVM can tell apart.) Every constraint is a
 * difference of two frames, so only the mean-centred frames w_t = v_t − v̄
 * enter: a constant appearance, however large, cancels exactly. It is solved
 * in the dual (α_ij ∈ [0, C]) by coordinate descent (Hsieh et al., ICML 2008)
 * on the T×T Gram matrix of the w_t: u = Σ_t β_t w_t with
 * β_t = Σ_{i<t} α_it − Σ_{j>t} α_tj, each step O(T), stopped when the largest
 * violation of the dual optimality conditions (projected gradient) is below
 * PAIRWISE_TOL. When frame differences are small against the margin 1 (subtle
 * motion, as LTOGP histograms of micro-expressions) every α_ij sits at C and
 * u = C Σ_t (2t − T − 1) w_t: each frame weighted by its signed distance from
 * the middle of the clip.
 *
 * 'svr' is the authors' reference code (genRepresentation): time-varying mean
 * smoothing m_t = (1/t) Σ_{τ≤t} v_τ, L2-normalised m_t, and a linear SVR of the
 * frame index t on m_t (liblinear -s 11, C = 1, ε = 0.1, NO bias):
 *        min_u ½‖u‖² + C Σ_t max(0, |uᵀm_t − t| − ε)²
 * solved here exactly by a finite Newton / active-set method in the span of
 * the m_t. Without a bias the mean frame carries the fit (u ≈ (T+1)/2 × the
 * mean appearance on subtle motion), so it is kept for comparison only.
 *
 * 'approx' is the approximate rank pooling of Bilen et al. ("Dynamic image
 * networks", CVPR 2016): u = Σ_t α_t v_t with
 *   α_t = 2(T − t + 1) − (T + 1)(H_T − H_{t−1}),  H_t = Σ_{i≤t} 1/i, H_0 = 0.
 *
 * The result is L2-normalised (normalizeOutput, default on): its length would
 * otherwise grow with the number of frames (the pairwise sum has T(T−1)/2
 * terms), and the clip length would drive ℓ2,1 ranking and the SVM.
 */
import { MerError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';

export type RankPoolMethod = 'pairwise' | 'svr' | 'approx';

export interface RankPoolOptions {
  /** C of Eq. 3 / of the SVR (paper and reference: 1) */
  C?: number;
  /** 'pairwise' (Eq. 3, default), 'svr' (the reference code's SVR, no bias) or 'approx' (dynamic-image weights) */
  method?: RankPoolMethod;
  /** SVR ε-insensitive band (liblinear default 0.1) */
  epsilon?: number;
  /** time-varying mean smoothing of the frames first (default: on for 'svr', as the reference; off otherwise, Eq. 3 ranks the frames themselves) */
  smooth?: boolean;
  /** L2-normalise each (smoothed) frame vector first (default: on for 'svr', as the reference; off otherwise) */
  normalize?: boolean;
  /** L2-normalise the result u (default true) */
  normalizeOutput?: boolean;
}

/**
 * Dual coordinate descent stops when the largest violation of the dual
 * optimality conditions (projected gradient, in margin units) falls below
 * this (liblinear's dual solvers stop at 0.1). Measured on a worst case
 * (T = 100 frames of 16 384 noisy values, no pair at C): 457 passes, and u
 * within cosine 1 − 2e-7 of the solution at 1e-9.
 */
export const PAIRWISE_TOL = 1e-3;
/** passes over all pairs at most; the saturated case (every α at C) settles in two */
const PAIRWISE_MAX_EPOCHS = 5000;
/** seed of the fixed pair order permutation (deterministic; random order converges faster than cyclic) */
const PAIR_ORDER_SEED = 0x52414e4b;

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

/** the time-varying mean and / or L2 normalisation of the frames (float64 copies) */
function prepareFrames(frames: readonly Float32Array[], d: number, smooth: boolean, normalize: boolean): Float64Array[] {
  const m: Float64Array[] = [];
  const acc = new Float64Array(d);
  frames.forEach((v, t) => {
    const row = new Float64Array(d);
    if (smooth) {
      for (let k = 0; k < d; k++) {
        acc[k] += v[k];
        row[k] = acc[k] / (t + 1);
      }
    } else for (let k = 0; k < d; k++) row[k] = v[k];
    if (normalize) {
      let q = 0;
      for (let k = 0; k < d; k++) q += row[k] * row[k];
      const nr = Math.sqrt(q);
      if (nr > 0) for (let k = 0; k < d; k++) row[k] /= nr;
    }
    m.push(row);
  });
  return m;
}

/** Gram matrix K_ij = m_iᵀm_j (T×T, row-major) */
function gram(m: readonly Float64Array[], d: number): Float64Array {
  const T = m.length;
  const K = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j <= i; j++) {
      let q = 0;
      const a = m[i], b = m[j];
      for (let k = 0; k < d; k++) q += a[k] * b[k];
      K[i * T + j] = q;
      K[j * T + i] = q;
    }
  }
  return K;
}

export interface PairwiseRankSvmResult {
  /** frame coefficients: u = Σ_t beta_t w_t (w = the frames the Gram matrix was built from) */
  beta: Float64Array;
  /** dual variables α_ij (pair i < j at index of pairIndex(i, j, T)) */
  alpha: Float64Array;
  /** the largest projected-gradient violation at exit (≤ PAIRWISE_TOL when converged) */
  violation: number;
  epochs: number;
}

/** index of pair (i, j), i < j, among the T(T−1)/2 pairs in row order */
export function pairIndex(i: number, j: number, T: number): number {
  return (i * (2 * T - i - 1)) / 2 + (j - i - 1);
}

/**
 * The dual of Eq. 3 on a Gram matrix K (T×T) of the frames:
 *   max Σ α_p − ½ ‖Σ_p α_p z_p‖²,  0 ≤ α_p ≤ C,  z_(i,j) = w_j − w_i,
 * by dual coordinate descent: for pair p the gradient is g_p = uᵀz_p − 1 with
 * uᵀz_p = f_j − f_i, f = Kβ kept up to date in O(T) per step, and
 * α_p ← clip(α_p − g_p / ‖z_p‖², 0, C).
 */
export function pairwiseRankSvm(K: Float64Array, T: number, C: number, tol = PAIRWISE_TOL, maxEpochs = PAIRWISE_MAX_EPOCHS): PairwiseRankSvmResult {
  const P = (T * (T - 1)) / 2;
  const pi = new Int32Array(P), pj = new Int32Array(P), q = new Float64Array(P);
  for (let i = 0, p = 0; i < T; i++) {
    for (let j = i + 1; j < T; j++, p++) {
      pi[p] = i;
      pj[p] = j;
      q[p] = K[i * T + i] + K[j * T + j] - 2 * K[i * T + j];
    }
  }
  const alpha = new Float64Array(P);
  const beta = new Float64Array(T);
  const f = new Float64Array(T);
  const order = Array.from({ length: P }, (_, p) => p);
  const rng = new Rng(PAIR_ORDER_SEED);
  let violation = Infinity;
  let epoch = 0;
  while (epoch < maxEpochs && violation > tol) {
    epoch++;
    rng.shuffle(order);
    violation = 0;
    for (const p of order) {
      if (!(q[p] > 0)) continue; // identical frames: z_p = 0 changes nothing
      const i = pi[p], j = pj[p];
      const g = f[j] - f[i] - 1;
      const a = alpha[p];
      const pg = a <= 0 ? Math.min(g, 0) : a >= C ? Math.max(g, 0) : g;
      if (Math.abs(pg) > violation) violation = Math.abs(pg);
      if (pg === 0) continue;
      const next = Math.min(C, Math.max(0, a - g / q[p]));
      const delta = next - a;
      if (delta === 0) continue;
      alpha[p] = next;
      beta[j] += delta;
      beta[i] -= delta;
      const rj = j * T, ri = i * T;
      for (let t = 0; t < T; t++) f[t] += delta * (K[rj + t] - K[ri + t]);
    }
  }
  return { beta, alpha, violation, epochs: epoch };
}

/** the frame-order SVR of the reference code (see the module comment), as coefficients on m */
function svrCoefficients(K: Float64Array, T: number, C: number, eps: number): Float64Array {
  const y = Float64Array.from({ length: T }, (_, t) => t + 1);
  // finite Newton in the span: on the active set I (|f − y| > ε) with signs s,
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
  return beta;
}

/** the rank-pooled representation u (length d) of T frame feature vectors */
export function rankPool(frameFeatures: readonly Float32Array[], opts: RankPoolOptions = {}): Float32Array {
  const T = frameFeatures.length;
  if (T < 2) throw new MerError('BAD_INPUT', `rank pooling needs at least 2 frames, got ${T}`);
  const d = frameFeatures[0].length;
  for (const [t, v] of frameFeatures.entries()) {
    if (v.length !== d) throw new MerError('BAD_INPUT', `rank pooling: frame ${t} has ${v.length} values, expected ${d}`);
  }
  const method = opts.method ?? 'pairwise';
  if (method !== 'pairwise' && method !== 'svr' && method !== 'approx') {
    throw new MerError('BAD_OPTION', `unknown rank pooling method '${String(method)}'`, { expected: "'pairwise', 'svr' or 'approx'" });
  }
  const C = opts.C ?? 1;
  if (!(Number.isFinite(C) && C > 0)) throw new MerError('BAD_OPTION', `rank pooling C must be a finite number > 0, got ${C}`);
  const isSvr = method === 'svr';
  const m = prepareFrames(frameFeatures, d, opts.smooth ?? isSvr, opts.normalize ?? isSvr);
  let beta: Float64Array;
  if (method === 'approx') {
    beta = approxRankPoolWeights(T);
  } else if (method === 'svr') {
    beta = svrCoefficients(gram(m, d), T, C, opts.epsilon ?? 0.1);
  } else {
    // Eq. 3 sees only frame differences: centre the frames so that a large
    // constant appearance does not swamp the Gram matrix in rounding
    const mean = new Float64Array(d);
    for (const row of m) for (let k = 0; k < d; k++) mean[k] += row[k] / T;
    for (const row of m) for (let k = 0; k < d; k++) row[k] -= mean[k];
    beta = pairwiseRankSvm(gram(m, d), T, C).beta;
  }
  const u64 = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    const b = beta[t];
    if (b === 0) continue;
    const row = m[t];
    for (let k = 0; k < d; k++) u64[k] += b * row[k];
  }
  if (opts.normalizeOutput ?? true) {
    let q = 0;
    for (let k = 0; k < d; k++) q += u64[k] * u64[k];
    const nr = Math.sqrt(q);
    if (nr > 0) for (let k = 0; k < d; k++) u64[k] /= nr;
  }
  return Float32Array.from(u64);
}
