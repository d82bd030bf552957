/**
 * MMFL — multi-task mid-level feature learning (He et al., "Multi-task
 * mid-level feature learning for micro-expression recognition", Pattern
 * Recognition 2017; /work/shared/papers/mmfl-multitask-midlevel-feature-learning.txt).
 *
 * Input rows are block-wise features: t = `blocks` blocks of `blockDim` values
 * each (e.g. LBP-TOP 5×4 blocks × 177). Per block k (Algorithm 1):
 *  1. for every training feature x_j of class i: its k_inter nearest neighbours
 *     of other classes and k_intra of its own class (Euclidean), with heat-kernel
 *     similarities a = exp(−‖x_j − x_p‖² / σ)  (the paper's Eqs. 1–2 are not in
 *     the text we have; this is the LPP heat kernel with t = σ);
 *  2. H_inter,i = Σ_j Σ_p a (x_j − x_p)(x_j − x_p)ᵀ (x_j in class i), H_intra,i alike;
 *  3. min L = Σ_i tr(W_iᵀ(H_intra,i − H_inter,i)W_i) + α Σ_i ‖W_i − θ‖²  s.t. W_iᵀW_i = I
 *     (Eq. 10; W_i = U_i + θ, d×h, h = round(0.6 d)), alternating: each W_i with θ
 *     fixed (step 3.1), then θ = mean_i W_i in closed form (∂L/∂θ = 0, Eq. 13);
 *     stop when r > 2 and |L_r − L_{r−1}| < ε (step 3.4) or r = T_max.
 *     θ starts at I_{d×h}; the W_i at the paper's randn (init: 'random', QR of
 *     randn) or (init: 'eigen', default) at the α = 0 optimum — the h
 *     eigenvectors of H_intra,i − H_inter,i with the smallest eigenvalues.
 *
 * Step 3.1, the W_i update with θ fixed, is min tr(WᵀMW) − 2α tr(Wᵀθ) over
 * orthonormal W (M = H_intra − H_inter; ‖W‖² = h is constant). merkit does it
 * in two descent steps on that same objective:
 *  a. the exact minimiser over W·Q, Q orthogonal (h×h): the trace term does
 *     not change under W → WQ, so Q = the polar factor of Wᵀθ (rotate: true);
 *  b. `stiefel.maxIter` steps of Wen–Yin's curvilinear search ([32], stiefel.ts).
 * The paper uses [32] alone; its gradient steps barely move along the
 * rotations W → WQ (they change only the α-term, whose curvature is α), so
 * the alternation crawls: on a CASME II block (sub01's training fold, block 0)
 * Algorithm 1 without step a reached L = −15.0685 after 30 outer iterations
 * of 30 Wen–Yin steps each, and −15.0139 after its ε-stop with 5; with step a
 * it reaches −15.0704 in 4 outer iterations of 2 steps. The
 * update works in the eigenbasis of M (M = V Λ Vᵀ, one symmetric
 * eigendecomposition per class and block, symEig.ts): with Z = VᵀW the
 * objective is Σ_k λ_k ‖Z_k,:‖² + α‖Z − Vᵀθ‖², an O(dh) evaluation; the
 * Cayley curve, BB steps and Armijo test are invariant under that orthogonal
 * change of variables.
 *
 * Dimensions constant over the training rows of a block are left out of the
 * learning (dropConstant, default on; h is then 0.6 × the remaining d).
 * Hyper-parameters: `tune` picks α and / or C by an inner, subject-grouped CV
 * on the training rows (learn/gridSearch.ts); the paper gives no SVM settings.
 *
 * Recognition (Sec. 3.3): v_i^k = W_i^kᵀ y^k; V_i = [w_i^1 v_i^1; …; w_i^t v_i^t];
 * one binary RBF SVM per class i on V_i (class i vs rest), "each SVM outputs a
 * confidence value indicating the probability of a testing sample belonging
 * to the considered class … the class with the highest SVM output is
 * selected" (ll. 517–524): by default the Platt probability of each machine
 * (LIBSVM -b 1), argmax; svm.score 'decision' takes the argmax of the
 * machines' decision values instead, 'prior-corrected' the argmax of
 * logit(p_i) − logit(π_i).
 *
 * Variants for the paper's comparison (Tables 1–4): 'mmfl'; 'nr' (α = 0:
 * independent mappings, no regulariser R); 'original' (no mapping: V_i = the
 * weighted low-level block features themselves, through the same class-wise
 * RBF SVMs, the paper's "Original" rows); 'lda' (one LDA subspace per block
 * shared by all classes). Weighting (Sec. 3.3, after Liong et al.): 'none'
 * (w = 1), 'active', 'balance' (1 − w) from per-block mean optical strain —
 * see mmflBlockWeights.
 */
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { FittedModel, Learner, Prediction, TrainingSet } from './types.ts';
import { stiefelMinimize, type StiefelOptions } from './stiefel.ts';
import { matNN, matTN } from './dense.ts';
import { polarFactor, symEig } from './symEig.ts';
import { fitLdaAxes } from './lda.ts';
import { ABSENT_CLASS_SCORE, fitSvm, type FittedSvm } from './svm.ts';
import { gridSearch } from './gridSearch.ts';

export interface MmflOptions {
  /** number of blocks t per row */
  blocks: number;
  /** values per block d (row length = blocks × blockDim) */
  blockDim: number;
  /** heat-kernel scale σ (paper: 100) */
  sigma?: number;
  /** inter-class neighbours (paper: 15) */
  kInter?: number;
  /** intra-class neighbours (paper: 5) */
  kIntra?: number;
  /** weight α of the common-structure term (paper: 0.001) */
  alpha?: number;
  /** subspace dimension h as a fraction of d (paper: 0.6) */
  hRatio?: number;
  /**
   * step 3.4's convergence error ε, relative: stop when r > 2 and
   * |L_r − L_{r−1}| < ε·|L_r| (default MMFL_EPSILON; the paper gives no value)
   */
  epsilon?: number;
  /** outer iterations T_max (default MMFL_TMAX; the paper gives no value) */
  tMax?: number;
  /** Wen–Yin search per W_i update (default: MMFL_STIEFEL_ITER iterations) */
  stiefel?: StiefelOptions;
  /** the closed-form rotation W_i ← W_i·polar(W_iᵀθ) before the search in every W_i update (default true; see the module comment) */
  rotate?: boolean;
  /** 'eigen' (default) or 'random' (the paper's randn start, Alg. 1 step 1.2) */
  init?: 'eigen' | 'random';
  /** 'mmfl' (default), 'nr' (α = 0), 'original' (no mapping) or 'lda' */
  variant?: MmflVariant;
  /** block weighting (default 'none') */
  weighting?: 'none' | 'active' | 'balance';
  /** per-block mean optical strain of a clip (by clip key), needed for 'active' / 'balance' */
  strain?: (id: string) => ArrayLike<number> | undefined;
  /** the nummost rule's number of candidate blocks per clip (paper: 2 SMIC, 9 CASME II) */
  nummost?: number;
  /**
   * learn each block's mappings on the dimensions that vary over the training
   * rows only, with h = hRatio × (their number) (default true). A dimension
   * constant over the training set adds the same constant to every projection,
   * which the RBF SVM ignores; the CASME II LBP-TOP table uses 36 of its 177
   * dims per block (P = 4 codes in a 59-bin table), and the Stiefel search
   * costs O(d³) per step.
   */
  dropConstant?: boolean;
  /**
   * RBF SVM parameters (default C = 1, γ = 'scale', no class weights). Each
   * class-wise machine is one class against the other c − 1 (about 1 : 4 on
   * CASME II); classWeight 'balanced' weights C by n / (2 n_class), counted on
   * the training fold only (the paper states no SVM settings).
   */
  svm?: {
    C?: number;
    /**
     * RBF γ: 'scale' (default) = 1/(D·var(V_i)) over the training
     * representation (scikit-learn's default); 'libsvm' = 1/D, LIBSVM's default
     * (D = length of V_i; the paper cites LIBSVM [31] and gives no γ); or a number
     */
    gamma?: number | 'scale' | 'libsvm';
    classWeight?: 'balanced';
    /**
     * how the c class-wise outputs are compared (default 'probability', the
     * paper: the largest Platt probability wins). Platt's sigmoid is fitted to
     * the imbalanced class-vs-rest labels, so each probability carries its
     * class's prior π_i (e.g. 0.4 for CASME II 'others', 0.1 for 'surprise')
     * and the argmax drifts to the large classes whatever the class weights.
     * 'prior-corrected': logit(p_i) − logit(π_i) with π_i counted on the
     * training fold — the argmax under equal priors. 'decision': the machines'
     * decision values (no Platt scaling), argmax.
     */
    score?: MmflScore;
  };
  /**
   * choose α and / or the SVM C by an inner, subject-grouped cross-validation
   * on the training rows only (learn/gridSearch.ts, pooled UF1; ties keep the
   * earlier value, so list the preferred ones first): the lists replace
   * `alpha` / `svm.C`. folds: inner folds (default 5).
   */
  tune?: { alpha?: number[]; C?: number[]; folds?: number };
}

export type MmflVariant = 'mmfl' | 'nr' | 'original' | 'lda';
export type MmflScore = 'probability' | 'prior-corrected' | 'decision';

/**
 * Defaults of what Algorithm 1 leaves open (T_max, ε, the search per W_i
 * update), chosen for time on the training objective alone, never on test
 * folds: with the rotation step the objective of CASME II blocks and of
 * 177-dim synthetic blocks changes by < 1e-5 relative after 4–7 outer
 * iterations (`bench/mmfl-speed.ts --history` prints it), and longer runs
 * (20–30 outer iterations of 30–50 steps) lower it by a further 0.6–2.2e-4
 * relative.
 */
export const MMFL_TMAX = 10;
export const MMFL_EPSILON = 1e-5;
export const MMFL_STIEFEL_ITER = 2;
/**
 * From the paper's randn start the first W_i update must find the subspace
 * itself, which a couple of steps do not: its search runs up to this many
 * Wen–Yin steps (stopping earlier on their own tolerances). On three CASME II
 * blocks, 2 steps per update from randn ended 0.2–2.3% above the objective of
 * the eigen start after T_max = 10; with this first search, within 0.1%.
 */
export const MMFL_RANDOM_FIRST_ITER = 150;

/** one block's mappings: W[i] (d×h row-major) per class; undefined for a class absent from training */
export interface BlockMappings {
  readonly d: number;
  readonly h: number;
  readonly W: (Float64Array | undefined)[];
  /** objective per outer iteration */
  readonly objective: number[];
}

/** heat kernel a = exp(−‖·‖²/σ) */
function heat(dist2: number, sigma: number): number {
  return Math.exp(-dist2 / sigma);
}

/** pairs (x_j, x_p) of the neighbour graph with their weights a (heat kernel; negated for inter-class pairs in M_c) */
interface Pairs {
  j: number[];
  p: number[];
  a: number[];
}

const emptyPairs = (): Pairs => ({ j: [], p: [], a: [] });

/**
 * The neighbour pairs of every class for one block (X is n×d, row-major):
 * for each x_j of class c its kInter nearest points of other classes and its
 * kIntra nearest of class c (squared Euclidean distance, ties by index), with
 * a = exp(−‖x_j − x_p‖²/σ).
 */
function neighbourPairs(
  X: Float64Array,
  n: number,
  d: number,
  y: readonly number[],
  nClasses: number,
  opts: { sigma?: number; kInter?: number; kIntra?: number },
): { inter: Pairs[]; intra: Pairs[] } {
  const sigma = opts.sigma ?? 100;
  const kInter = opts.kInter ?? 15;
  const kIntra = opts.kIntra ?? 5;
  // squared distances
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += X[i * d + k] ** 2;
    sq[i] = s;
  }
  const D2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X[i * d + k] * X[j * d + k];
      const v = Math.max(0, sq[i] + sq[j] - 2 * s);
      D2[i * n + j] = v;
      D2[j * n + i] = v;
    }
  }
  const inter = Array.from({ length: nClasses }, emptyPairs);
  const intra = Array.from({ length: nClasses }, emptyPairs);
  const bestInter = new Int32Array(kInter), bestIntra = new Int32Array(kIntra);
  const push = (to: Pairs, j: number, p: number, row: number) => {
    to.j.push(j);
    to.p.push(p);
    to.a.push(heat(D2[row + p], sigma));
  };
  for (let j = 0; j < n; j++) {
    const c = y[j];
    const row = j * n;
    let nInter = 0, nIntra = 0;
    for (let p = 0; p < n; p++) {
      if (p === j) continue;
      if (y[p] === c) nIntra = insertNearest(bestIntra, nIntra, kIntra, p, D2, row);
      else nInter = insertNearest(bestInter, nInter, kInter, p, D2, row);
    }
    for (let q = 0; q < nInter; q++) push(inter[c], j, bestInter[q], row);
    for (let q = 0; q < nIntra; q++) push(intra[c], j, bestIntra[q], row);
  }
  return { inter, intra };
}

/**
 * Keep `best` (count entries, ascending by distance D2[row + ·], then index)
 * the k nearest of the candidates seen so far; add candidate p. O(k).
 */
function insertNearest(best: Int32Array, count: number, k: number, p: number, D2: Float64Array, row: number): number {
  if (k === 0) return 0;
  const dp = D2[row + p];
  // candidates arrive in increasing index, so an equal distance never beats an entry
  if (count === k && !(dp < D2[row + best[k - 1]])) return count;
  let i = count === k ? k - 1 : count;
  while (i > 0 && dp < D2[row + best[i - 1]]) {
    best[i] = best[i - 1];
    i--;
  }
  best[i] = p;
  return count === k ? k : count + 1;
}

/** H matrices of every class for one block: X is n×d (row-major) */
export function mmflScatter(
  X: Float64Array,
  n: number,
  d: number,
  y: readonly number[],
  nClasses: number,
  opts: { sigma?: number; kInter?: number; kIntra?: number } = {},
): { inter: Float64Array[]; intra: Float64Array[] } {
  const pairs = neighbourPairs(X, n, d, y, nClasses, opts);
  return { inter: pairs.inter.map((ps) => pairScatter(X, n, d, ps)), intra: pairs.intra.map((ps) => pairScatter(X, n, d, ps)) };
}

/** M_c = H_intra,c − H_inter,c of every class for one block, one product per class (inter-class weights negated) */
export function mmflClassMatrices(
  X: Float64Array,
  n: number,
  d: number,
  y: readonly number[],
  nClasses: number,
  opts: { sigma?: number; kInter?: number; kIntra?: number } = {},
): Float64Array[] {
  const pairs = neighbourPairs(X, n, d, y, nClasses, opts);
  return pairs.intra.map((ps, c) => {
    const inter = pairs.inter[c];
    return pairScatter(X, n, d, { j: [...ps.j, ...inter.j], p: [...ps.p, ...inter.p], a: [...ps.a, ...inter.a.map((v) => -v)] });
  });
}

/**
 * Σ a (x_j − x_p)(x_j − x_p)ᵀ = Xᵀ L X with the graph Laplacian L of the pair
 * weights: L·X = Σ a (e_j − e_p)(x_j − x_p)ᵀ is accumulated pair by pair, and
 * only rows touched by a pair enter the product.
 */
function pairScatter(X: Float64Array, n: number, d: number, pairs: Pairs): Float64Array {
  const count = pairs.j.length;
  if (count === 0) return new Float64Array(d * d);
  const LX = new Float64Array(n * d);
  const touched = new Uint8Array(n);
  for (let q = 0; q < count; q++) {
    const j = pairs.j[q], p = pairs.p[q], a = pairs.a[q];
    const xj = j * d, xp = p * d;
    for (let k = 0; k < d; k++) {
      const v = a * (X[xj + k] - X[xp + k]);
      LX[xj + k] += v;
      LX[xp + k] -= v;
    }
    touched[j] = 1;
    touched[p] = 1;
  }
  let m = 0;
  for (let r = 0; r < n; r++) m += touched[r];
  const Xt = new Float64Array(m * d);
  const Lt = new Float64Array(m * d);
  for (let r = 0, ri = 0; r < n; r++) {
    if (!touched[r]) continue;
    Xt.set(X.subarray(r * d, (r + 1) * d), ri * d);
    Lt.set(LX.subarray(r * d, (r + 1) * d), ri * d);
    ri++;
  }
  const H = matTN(Xt, Lt, m, d, d);
  // symmetrise rounding
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      const v = 0.5 * (H[a * d + b] + H[b * d + a]);
      H[a * d + b] = v;
      H[b * d + a] = v;
    }
  }
  return H;
}

function randomOrthonormal(d: number, h: number, rng: Rng): Float64Array {
  // Gram–Schmidt of randn columns (= QR of randn(d, h))
  const W = new Float64Array(d * h);
  for (let i = 0; i < d * h; i++) W[i] = rng.normal();
  for (let c = 0; c < h; c++) {
    for (let prev = 0; prev < c; prev++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += W[i * h + c] * W[i * h + prev];
      for (let i = 0; i < d; i++) W[i * h + c] -= s * W[i * h + prev];
    }
    let nr = 0;
    for (let i = 0; i < d; i++) nr += W[i * h + c] ** 2;
    nr = Math.sqrt(nr);
    for (let i = 0; i < d; i++) W[i * h + c] /= nr;
  }
  return W;
}

/**
 * Algorithm 1 for one block: the class-specific mappings W_i (d×h); see the
 * module comment for the W_i update (rotation + Wen–Yin search in the
 * eigenbasis of M_i = H_intra,i − H_inter,i).
 */
export function mmflBlock(
  X: Float64Array,
  n: number,
  d: number,
  y: readonly number[],
  nClasses: number,
  rng: Rng,
  opts: Omit<MmflOptions, 'blocks' | 'blockDim'> = {},
): BlockMappings {
  const alpha = opts.variant === 'nr' ? 0 : (opts.alpha ?? 0.001);
  const h = Math.max(1, Math.min(d, Math.round((opts.hRatio ?? 0.6) * d)));
  const tMax = opts.tMax ?? MMFL_TMAX;
  const init = opts.init ?? 'eigen';
  const rotate = (opts.rotate ?? true) && alpha > 0;
  const epsilon = opts.epsilon ?? MMFL_EPSILON;
  const M = mmflClassMatrices(X, n, d, y, nClasses, opts);
  const present = Array.from({ length: nClasses }, (_, c) => y.includes(c));
  // eigenbasis of every present class's M: V (d×d, column k = the k-th smallest), λ ascending
  const basis = M.map((m, c) => {
    if (!present[c]) return undefined;
    const { values, vectors } = symEig(m, d);
    return { V: vectors, lambda: values };
  });
  // Z_i = V_iᵀ W_i; the eigen start W_i = the h smallest eigenvectors is Z = I_{d×h}
  const Z: (Float64Array | undefined)[] = basis.map((b, c) => {
    if (!b) return undefined;
    if (init === 'eigen') {
      const z = new Float64Array(d * h);
      for (let i = 0; i < h; i++) z[i * h + i] = 1;
      return z;
    }
    return matTN(b.V, randomOrthonormal(d, h, rng.fork(`W${c}`)), d, d, h);
  });
  const W: (Float64Array | undefined)[] = Z.map((z, c) => (z ? matNN(basis[c]!.V, z, d, d, h) : undefined));
  // θ⁰ = I_{d×h}
  let theta = new Float64Array(d * h);
  for (let i = 0; i < h; i++) theta[i * h + i] = 1;
  const objective: number[] = [];
  const trace = (z: Float64Array, lambda: Float64Array): number => {
    let tr = 0;
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += z[k * h + j] ** 2;
      tr += lambda[k] * s;
    }
    return tr;
  };
  const total = (): number => {
    let L = 0;
    W.forEach((w, c) => {
      if (!w) return;
      L += trace(Z[c]!, basis[c]!.lambda);
      for (let k = 0; k < d * h; k++) L += alpha * (w[k] - theta[k]) ** 2;
    });
    return L;
  };
  if (alpha === 0 && init === 'eigen') {
    // NR: the mappings decouple and the eigenvectors are the exact minimisers
    objective.push(total());
    return { d, h, W, objective };
  }
  const stiefelOpts: StiefelOptions = { maxIter: MMFL_STIEFEL_ITER, ...opts.stiefel };
  const firstOpts: StiefelOptions = init === 'random' ? { ...stiefelOpts, maxIter: Math.max(stiefelOpts.maxIter ?? 0, MMFL_RANDOM_FIRST_ITER) } : stiefelOpts;
  for (let r = 1; r <= tMax; r++) {
    Z.forEach((z0, c) => {
      if (!z0) return;
      const { V, lambda } = basis[c]!;
      const th = matTN(V, theta, d, d, h); // θ in the class's eigenbasis
      // a. exact minimiser over Z·Q (Q orthogonal): max tr(QᵀZᵀθ') → Q = polar(Zᵀθ')
      const z = rotate ? matNN(z0, polarFactor(matTN(z0, th, d, h, h), h), d, h, h) : z0;
      // b. Wen–Yin curvilinear search on Σ_k λ_k‖Z_k,:‖² + α‖Z − θ'‖²
      const res = stiefelMinimize(
        (Zc) => {
          let F = 0;
          const G = new Float64Array(d * h);
          for (let k = 0; k < d; k++) {
            const l = lambda[k];
            for (let j = 0; j < h; j++) {
              const i = k * h + j;
              const v = Zc[i];
              const diff = v - th[i];
              F += l * v * v + alpha * diff * diff;
              G[i] = 2 * l * v + 2 * alpha * diff;
            }
          }
          return { F, G };
        },
        z,
        d,
        h,
        r === 1 ? firstOpts : stiefelOpts,
      );
      Z[c] = res.X;
      W[c] = matNN(V, res.X, d, d, h);
    });
    // θ = mean of the W_i (∂L/∂θ = −2α Σ (W_i − θ) = 0)
    const live = W.filter((w): w is Float64Array => !!w);
    theta = new Float64Array(d * h);
    for (const w of live) for (let k = 0; k < d * h; k++) theta[k] += w[k] / live.length;
    objective.push(total());
    const L = objective[r - 1];
    if (r > 2 && Math.abs(L - objective[r - 2]) < epsilon * Math.abs(L)) break;
  }
  return { d, h, W, objective };
}

/**
 * Block weights from per-block mean optical strain with the nummost rule:
 * in every training clip the `nummost` blocks of largest strain are candidates;
 * f_i^k = how many clips of class i have block k as a candidate; blocks with
 * f_i^k below the mean of the non-zero f_i^k are excluded (the paper's "low
 * frequencies", threshold not given); w_i^k = f_i^k / max_k f_i^k. Returns
 * w[class][block] in [0, 1] (w_active; w_balance = 1 − w).
 */
export function mmflBlockWeights(strain: readonly ArrayLike<number>[], y: readonly number[], nClasses: number, nummost: number): number[][] {
  const t = strain[0]?.length ?? 0;
  const freq = Array.from({ length: nClasses }, () => new Array<number>(t).fill(0));
  strain.forEach((s, j) => {
    if (s.length !== t) throw new MerError('BAD_INPUT', `strain of clip ${j} has ${s.length} blocks, expected ${t}`, { row: j });
    const order = Array.from({ length: t }, (_, k) => k).sort((a, b) => s[b] - s[a] || a - b);
    for (const k of order.slice(0, nummost)) freq[y[j]][k]++;
  });
  return freq.map((f) => {
    const nz = f.filter((v) => v > 0);
    if (nz.length === 0) return new Array<number>(t).fill(0);
    const mean = nz.reduce((a, b) => a + b, 0) / nz.length;
    const kept = f.map((v) => (v >= mean ? v : 0));
    const mx = Math.max(...kept);
    return kept.map((v) => v / mx);
  });
}

/** indices (within the block starting at `offset`, `d` long) of dimensions not constant over the rows */
function varyingDims(X: readonly Float32Array[], offset: number, d: number): Int32Array {
  const out: number[] = [];
  for (let a = 0; a < d; a++) {
    const v0 = X[0][offset + a];
    if (X.some((x) => x[offset + a] !== v0)) out.push(a);
  }
  return Int32Array.from(out);
}

/** what MMFL learns from one training set, before the SVMs */
interface MmflProjections {
  /** length of every class-wise representation V_i */
  readonly width: number;
  /** the class-wise representation V_i of rows (block features → weighted projections) */
  represent(X: readonly Float32Array[], cls: number): Float32Array[];
}

/** block weights w[class][block] (all 1 for w_no), counted on the training set */
function blockWeights(train: TrainingSet, opts: MmflOptions): number[][] {
  const t = opts.blocks;
  const c = train.classes.length;
  const weighting = opts.weighting ?? 'none';
  if (weighting === 'none') return Array.from({ length: c }, () => new Array<number>(t).fill(1));
  const strains = train.ids.map((id) => {
    const s = opts.strain!(id);
    if (!s) throw new MerError('BAD_INPUT', `mmfl: no optical strain for clip ${id}`, { clip: id });
    return s;
  });
  const active = mmflBlockWeights(strains, train.y, c, opts.nummost ?? 9);
  return weighting === 'active' ? active : active.map((row) => row.map((v) => 1 - v));
}

/** 'original': V_i = the low-level block features, block k scaled by w_i^k (Eq. 16 with v = y) */
function originalFeatures(train: TrainingSet, opts: MmflOptions): MmflProjections {
  const { blocks: t, blockDim: d } = opts;
  const w = blockWeights(train, opts);
  const unweighted = w.every((row) => row.every((v) => v === 1));
  return {
    width: t * d,
    represent: (X, cls) =>
      unweighted
        ? [...X]
        : X.map((x) => {
            const out = new Float32Array(t * d);
            for (let k = 0; k < t; k++) for (let a = 0; a < d; a++) out[k * d + a] = w[cls][k] * x[k * d + a];
            return out;
          }),
  };
}

/** Algorithm 1 on every block of a training set (+ block weights), fitted on `train` only */
function learnProjections(train: TrainingSet, opts: MmflOptions, alpha: number): MmflProjections {
  const { blocks: t, blockDim: d } = opts;
  const n = train.X.length;
  const c = train.classes.length;
  const variant = opts.variant ?? 'mmfl';
  if (variant === 'original') return originalFeatures(train, opts);
  const w = blockWeights(train, opts);
  // per block: projection matrices per class (lda: one shared), learnt on the
  // block's dimensions that vary over the training rows (see dropConstant)
  const proj: { W: (Float64Array | undefined)[]; h: number; dims: Int32Array; mean?: Float64Array }[] = [];
  for (let k = 0; k < t; k++) {
    const dims = (opts.dropConstant ?? true) ? varyingDims(train.X, k * d, d) : Int32Array.from({ length: d }, (_, a) => a);
    const s = dims.length;
    if (s === 0) {
      proj.push({ W: new Array(c).fill(undefined), h: 0, dims });
      continue;
    }
    const Xk = blockRows(train.X, k * d, dims);
    if (variant === 'lda') {
      const rows = Array.from({ length: n }, (_, j) => Float32Array.from(Xk.subarray(j * s, (j + 1) * s)));
      const fitted = fitLdaAxes({ X: rows, y: train.y, classes: train.classes });
      const h = fitted.axes.length;
      const Wl = new Float64Array(s * h);
      fitted.axes.forEach((ax, col) => ax.forEach((v, i) => (Wl[i * h + col] = v)));
      proj.push({ W: Array.from({ length: c }, () => Wl), h, dims, mean: fitted.mean });
    } else {
      const bm = mmflBlock(Xk, n, s, train.y, c, train.rng.fork(`block${k}`), { ...opts, alpha });
      proj.push({ W: bm.W, h: bm.h, dims });
    }
  }
  const width = proj.reduce((s, p) => s + p.h, 0);
  return {
    width,
    represent: (X, cls) => {
      const m = X.length;
      const out = X.map(() => new Float32Array(width));
      let o = 0;
      proj.forEach((p, k) => {
        const Wk = p.W[cls];
        if (Wk && p.h > 0) {
          const s = p.dims.length;
          const Xk = blockRows(X, k * d, p.dims);
          if (p.mean) for (let j = 0; j < m; j++) for (let a = 0; a < s; a++) Xk[j * s + a] -= p.mean[a];
          const V = matNN(Xk, Wk, m, s, p.h);
          const wk = w[cls][k];
          for (let j = 0; j < m; j++) for (let col = 0; col < p.h; col++) out[j][o + col] = wk * V[j * p.h + col];
        }
        o += p.h;
      });
      return out;
    },
  };
}

/** the values `dims` of the block starting at `offset`, of every row, as an m×|dims| float64 matrix */
function blockRows(X: readonly Float32Array[], offset: number, dims: Int32Array): Float64Array {
  const s = dims.length;
  const out = new Float64Array(X.length * s);
  X.forEach((x, j) => {
    for (let a = 0; a < s; a++) out[j * s + a] = x[offset + dims[a]];
  });
  return out;
}

/** the c class-vs-rest RBF SVMs on the class-wise representations (with Platt probabilities unless score is 'decision') */
function fitMachines(train: TrainingSet, P: MmflProjections, opts: MmflOptions, C: number): (FittedSvm | undefined)[] {
  const c = train.classes.length;
  const score = opts.svm?.score ?? 'probability';
  const g = opts.svm?.gamma ?? 'scale';
  const gamma = g === 'libsvm' ? 1 / Math.max(1, P.width) : g;
  const machines: (FittedSvm | undefined)[] = [];
  for (let cls = 0; cls < c; cls++) {
    const yb = train.y.map((v) => (v === cls ? 1 : 0));
    if (!yb.includes(1) || !yb.includes(0)) {
      machines.push(undefined);
      continue;
    }
    machines.push(
      fitSvm(
        { X: P.represent(train.X, cls), y: yb, ids: train.ids, subjects: train.subjects, classes: ['rest', train.classes[cls]], rng: train.rng.fork(`svm${cls}`) },
        {
          kernel: 'rbf',
          C,
          gamma,
          // 'decision': one-vs-rest without probability scores the class's decision value
          ...(score === 'decision' ? { multiclass: 'ovr' as const, probability: false } : { probability: true }),
          ...(opts.svm?.classWeight ? { classWeight: opts.svm.classWeight } : {}),
        },
      ),
    );
  }
  return machines;
}

/** probabilities this close to 0 or 1 are clamped before the logit */
const LOGIT_EPS = 1e-12;
const logit = (p: number): number => {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
  return Math.log(q / (1 - q));
};

/**
 * scores[row][class] = the class machine's probability of its class (−1 where
 * a class had no machine), or with `priors` its prior-corrected logit, or its
 * decision value (score 'decision'; ABSENT_CLASS_SCORE where no machine); argmax wins
 */
function predictMachines(
  machines: readonly (FittedSvm | undefined)[],
  P: MmflProjections,
  X: readonly Float32Array[],
  c: number,
  priors?: readonly number[],
): Prediction[] {
  const unbounded = priors !== undefined || machines.some((m) => m && m.info.multiclass === 'ovr');
  const scores = X.map(() => new Array<number>(c).fill(unbounded ? ABSENT_CLASS_SCORE : -1));
  machines.forEach((m, cls) => {
    if (!m) return;
    m.predict(P.represent(X, cls)).forEach((p, j) => (scores[j][cls] = priors ? logit(p.scores[1]) - logit(priors[cls]) : p.scores[1]));
  });
  return scores.map((s) => ({ pred: s.indexOf(Math.max(...s)), scores: s }));
}

/** class frequencies of a training set (the priors of the class-vs-rest machines), or undefined for plain probabilities */
function priorsOf(train: TrainingSet, opts: MmflOptions): number[] | undefined {
  if ((opts.svm?.score ?? 'probability') !== 'prior-corrected') return undefined;
  const n = train.y.length;
  return train.classes.map((_, cls) => train.y.filter((v) => v === cls).length / n);
}

/** the rows `idx` of a training set, as a training set (inner CV) */
function subset(train: TrainingSet, idx: readonly number[], tag: string): TrainingSet {
  return {
    X: idx.map((i) => train.X[i]),
    y: idx.map((i) => train.y[i]),
    ids: idx.map((i) => train.ids[i]),
    subjects: idx.map((i) => train.subjects[i]),
    classes: train.classes,
    rng: train.rng.fork(tag),
  };
}

/** The MMFL learner (see the module comment). */
export function mmfl(opts: MmflOptions): Learner {
  const { blocks: t, blockDim: d } = opts;
  if (!(Number.isInteger(t) && t > 0 && Number.isInteger(d) && d > 0)) {
    throw new MerError('BAD_OPTION', `mmfl needs positive integer blocks and blockDim, got ${t}, ${d}`);
  }
  const weighting = opts.weighting ?? 'none';
  if (weighting !== 'none' && !opts.strain) {
    throw new MerError('BAD_OPTION', `mmfl weighting '${weighting}' needs per-block optical strain (option strain)`);
  }
  const variant = opts.variant ?? 'mmfl';
  const oneOf = (what: string, v: unknown, allowed: readonly string[]) => {
    if (!allowed.includes(v as string)) throw new MerError('BAD_OPTION', `mmfl ${what} '${String(v)}'`, { expected: allowed.map((a) => `'${a}'`).join(', ') });
  };
  oneOf('variant', variant, ['mmfl', 'nr', 'original', 'lda']);
  oneOf('init', opts.init ?? 'eigen', ['eigen', 'random']);
  oneOf('svm score', opts.svm?.score ?? 'probability', ['probability', 'prior-corrected', 'decision']);
  const g = opts.svm?.gamma ?? 'scale';
  if (typeof g !== 'number') oneOf('svm gamma', g, ['scale', 'libsvm']);
  else if (!(g > 0 && Number.isFinite(g))) throw new MerError('BAD_OPTION', `mmfl svm gamma ${g}`, { expected: "a positive number, 'scale' or 'libsvm'" });
  const alphas = opts.tune?.alpha ?? [variant === 'nr' ? 0 : (opts.alpha ?? 0.001)];
  const Cs = opts.tune?.C ?? [opts.svm?.C ?? 1];
  if (alphas.length === 0 || Cs.length === 0 || [...alphas, ...Cs].some((v) => !(Number.isFinite(v) && v >= 0))) {
    throw new MerError('BAD_OPTION', `mmfl tune: α ${alphas.join(', ')}, C ${Cs.join(', ')}`, { expected: 'non-empty lists of finite values ≥ 0' });
  }
  return {
    name: `mmfl-${variant}-${weighting}`,
    async fit(train: TrainingSet): Promise<FittedModel> {
      const c = train.classes.length;
      for (const [j, x] of train.X.entries()) {
        if (x.length !== t * d) {
          throw new MerError('BAD_INPUT', `mmfl: row ${j} has ${x.length} values, expected ${t} blocks × ${d}`, { row: j, clip: train.ids[j] });
        }
      }
      let alpha = alphas[0];
      let C = Cs[0];
      if (alphas.length * Cs.length > 1) {
        // inner CV over the TRAINING subjects only; the mappings of an inner
        // fold are learnt once per α and shared by every C
        const cache = new Map<string, MmflProjections>();
        const candidates = alphas.flatMap((a) => Cs.map((cc) => ({ alpha: a, C: cc })));
        const res = gridSearch({
          y: train.y,
          subjects: train.subjects,
          nClasses: c,
          candidates,
          folds: opts.tune?.folds ?? INNER_FOLDS,
          rng: train.rng.fork('mmfl-tune'),
          fitPredict(trIdx, teIdx, cand) {
            const inner = subset(train, trIdx, `inner:${trIdx.length}:${trIdx[0]}`);
            const key = `${cand.alpha}|${trIdx.join(',')}`;
            let P = cache.get(key);
            if (!P) cache.set(key, (P = learnProjections(inner, opts, cand.alpha)));
            const machines = fitMachines(inner, P, opts, cand.C);
            return predictMachines(machines, P, teIdx.map((i) => train.X[i]), c, priorsOf(inner, opts)).map((p) => p.pred);
          },
        });
        alpha = res.best.alpha;
        C = res.best.C;
      }
      const P = learnProjections(train, opts, alpha);
      const machines = fitMachines(train, P, opts, C);
      const priors = priorsOf(train, opts);
      return {
        predict(Xtest: readonly Float32Array[]): Prediction[] {
          for (const [j, x] of Xtest.entries()) {
            if (x.length !== t * d) throw new MerError('BAD_INPUT', `mmfl predict: row ${j} has ${x.length} values, expected ${t * d}`, { row: j });
          }
          return predictMachines(machines, P, Xtest, c, priors);
        },
      };
    },
  };
}

/** inner folds of the α / C search (subject-grouped) */
const INNER_FOLDS = 5;
