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
 *  3. min Σ_i tr(W_iᵀ(H_intra,i − H_inter,i)W_i) + α Σ_i ‖W_i − θ‖²  s.t. W_iᵀW_i = I
 *     (W_i = U_i + θ, d×h, h = round(0.6 d)), alternating: each W_i by the
 *     Wen–Yin curvilinear search (stiefel.ts) with θ fixed; θ = mean_i W_i in
 *     closed form (∂L/∂θ = 0); stop when |L_r − L_{r−1}| < ε (r > 2) or r = T_max.
 *     θ starts at I_{d×h}. The W_i start (init: 'eigen', default) at the α = 0
 *     optimum — the h eigenvectors of H_intra,i − H_inter,i with the smallest
 *     eigenvalues — instead of the paper's randn, which only changes how many
 *     iterations the search needs (init: 'random' = the paper's QR of randn).
 * Dimensions constant over the training rows of a block are left out of the
 * learning (dropConstant, default on; h is then 0.6 × the remaining d).
 * Speed (CPU, one loaded core): one LOSO fold of the CASME II table (237 ×
 * 25 blocks × 177, 36 varying dims per block) ≈ 4 s (NR ≈ 1 s); from frames
 * (237 × 20 blocks × 177, all dims varying) see bench/classical.ts and the
 * report — each W_i update works in the eigenbasis of M_i (O(dh) objective)
 * with the p×p Cayley step of stiefel.ts, never a d×d solve.
 * Hyper-parameters: `tune` picks α and / or C by an inner, subject-grouped CV
 * on the training rows (learn/gridSearch.ts); the paper gives no SVM settings.
 * Recognition (Sec. 3.3): v_i^k = W_i^kᵀ y^k; V_i = [w_i^1 v_i^1; …; w_i^t v_i^t];
 * one binary RBF SVM with probability per class i on V_i (class i vs rest);
 * the class of the largest probability wins.
 *
 * Variants for the paper's tables: 'nr' (α = 0: independent mappings, no
 * regulariser) and 'lda' (one LDA subspace per block shared by all classes).
 * Weighting (Sec. 3.3, after Liong et al.): 'none' (w = 1), 'active', 'balance'
 * (1 − w) from per-block mean optical strain — see mmflBlockWeights.
 */
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { FittedModel, Learner, Prediction, TrainingSet } from './types.ts';
import { matNN, matTN, stiefelMinimize, type StiefelOptions } from './stiefel.ts';
import { symmetricEigen } from './pca.ts';
import { fitLdaAxes } from './lda.ts';
import { fitSvm, type FittedSvm } from './svm.ts';
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
  /** convergence |L_r − L_{r−1}| < ε (default 1e-6 · |L|, relative) */
  epsilon?: number;
  /** outer iterations T_max (default 10) */
  tMax?: number;
  /** Stiefel search per W_i update (default: 10 iterations) */
  stiefel?: StiefelOptions;
  /** 'eigen' (default) or 'random' (paper's randn start) */
  init?: 'eigen' | 'random';
  /** 'mmfl' (default), 'nr' (α = 0) or 'lda' */
  variant?: 'mmfl' | 'nr' | 'lda';
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
    gamma?: number | 'scale';
    classWeight?: 'balanced';
    /**
     * how the c class-wise outputs are compared (default 'probability', the
     * paper: the largest Platt probability wins). Platt's sigmoid is fitted to
     * the imbalanced class-vs-rest labels, so each probability carries its
     * class's prior π_i (e.g. 0.4 for CASME II 'others', 0.1 for 'surprise')
     * and the argmax drifts to the large classes whatever the class weights.
     * 'prior-corrected': logit(p_i) − logit(π_i) with π_i counted on the
     * training fold — the argmax under equal priors.
     */
    score?: 'probability' | 'prior-corrected';
  };
  /**
   * choose α and / or the SVM C by an inner, subject-grouped cross-validation
   * on the training rows only (learn/gridSearch.ts, pooled UF1; ties keep the
   * earlier value, so list the preferred ones first): the lists replace
   * `alpha` / `svm.C`. folds: inner folds (default 5).
   */
  tune?: { alpha?: number[]; C?: number[]; folds?: number };
}

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

/** H matrices of every class for one block: X is n×d (row-major) */
export function mmflScatter(
  X: Float64Array,
  n: number,
  d: number,
  y: readonly number[],
  nClasses: number,
  opts: { sigma?: number; kInter?: number; kIntra?: number } = {},
): { inter: Float64Array[]; intra: Float64Array[] } {
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
  const inter: Float64Array[] = [];
  const intra: Float64Array[] = [];
  for (let c = 0; c < nClasses; c++) {
    // sparse pair weights S[j][p] for x_j in class c
    const pairsInter: Array<[number, number, number]> = [];
    const pairsIntra: Array<[number, number, number]> = [];
    for (let j = 0; j < n; j++) {
      if (y[j] !== c) continue;
      const others: number[] = [];
      const same: number[] = [];
      for (let p = 0; p < n; p++) {
        if (p === j) continue;
        (y[p] === c ? same : others).push(p);
      }
      const byDist = (a: number, b: number) => D2[j * n + a] - D2[j * n + b] || a - b;
      for (const p of others.sort(byDist).slice(0, kInter)) pairsInter.push([j, p, heat(D2[j * n + p], sigma)]);
      for (const p of same.sort(byDist).slice(0, kIntra)) pairsIntra.push([j, p, heat(D2[j * n + p], sigma)]);
    }
    inter.push(pairScatter(X, n, d, pairsInter));
    intra.push(pairScatter(X, n, d, pairsIntra));
  }
  return { inter, intra };
}

/**
 * Σ a (x_j − x_p)(x_j − x_p)ᵀ = Xᵀ L X with the graph Laplacian L = Deg − S − Sᵀ of
 * the pair weights; only rows touched by a pair enter the product.
 */
function pairScatter(X: Float64Array, n: number, d: number, pairs: ReadonlyArray<[number, number, number]>): Float64Array {
  const H = new Float64Array(d * d);
  if (pairs.length === 0) return H;
  const rows = new Map<number, Map<number, number>>();
  const add = (r: number, c: number, v: number) => {
    let m = rows.get(r);
    if (!m) rows.set(r, (m = new Map()));
    m.set(c, (m.get(c) ?? 0) + v);
  };
  for (const [j, p, a] of pairs) {
    add(j, j, a);
    add(p, p, a);
    add(j, p, -a);
    add(p, j, -a);
  }
  const touched = [...rows.keys()].sort((a, b) => a - b);
  // LX rows
  const LX = new Float64Array(touched.length * d);
  touched.forEach((r, ri) => {
    for (const [c, v] of rows.get(r)!) {
      const xc = c * d;
      for (let k = 0; k < d; k++) LX[ri * d + k] += v * X[xc + k];
    }
  });
  // H = X_touchedᵀ LX (symmetric)
  const Xt = new Float64Array(touched.length * d);
  touched.forEach((r, ri) => Xt.set(X.subarray(r * d, (r + 1) * d), ri * d));
  H.set(matTN(Xt, LX, touched.length, d, d));
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

const atb = matTN;
const ab = matNN;

/**
 * Algorithm 1 for one block: the class-specific mappings W_i (d×h).
 *
 * Every W_i update runs in the eigenbasis of its M_i = H_intra,i − H_inter,i
 * (M_i = V Λ Vᵀ, one eigendecomposition per class and block): with Z = VᵀW
 * the objective is Σ_k λ_k ‖Z_k,:‖² + α‖Z − Vᵀθ‖² — the same value, and the
 * Cayley curve, Barzilai–Borwein steps and Armijo test are invariant under the
 * orthogonal change of variables, so the iterates are those of the search on
 * W (up to rounding) while an objective/gradient evaluation costs O(dh)
 * instead of O(d²h). W_i = V Z_i is formed once per outer iteration for θ.
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
  const tMax = opts.tMax ?? 10;
  const init = opts.init ?? 'eigen';
  const { inter, intra } = mmflScatter(X, n, d, y, nClasses, opts);
  const present = Array.from({ length: nClasses }, (_, c) => y.includes(c));
  // eigenbasis of every present class's M, ascending eigenvalues: V (d×d, column k = k-th smallest)
  const basis = inter.map((Hi, c) => {
    if (!present[c]) return undefined;
    const m = new Float64Array(d * d);
    for (let k = 0; k < d * d; k++) m[k] = intra[c][k] - Hi[k];
    const { values, vectors } = symmetricEigen(m, d); // descending
    const V = new Float64Array(d * d);
    const lambda = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      const v = vectors[d - 1 - k];
      lambda[k] = values[d - 1 - k];
      for (let i = 0; i < d; i++) V[i * d + k] = v[i];
    }
    return { V, lambda };
  });
  // Z_i = V_iᵀ W_i; the eigen start W_i = the h smallest eigenvectors is Z = I_{d×h}
  const Z: (Float64Array | undefined)[] = basis.map((b, c) => {
    if (!b) return undefined;
    if (init === 'eigen') {
      const z = new Float64Array(d * h);
      for (let i = 0; i < h; i++) z[i * h + i] = 1;
      return z;
    }
    return atb(b.V, randomOrthonormal(d, h, rng.fork(`W${c}`)), d, d, h);
  });
  const W: (Float64Array | undefined)[] = Z.map((z, c) => (z ? ab(basis[c]!.V, z, d, d, h) : undefined));
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
  const stiefelOpts: StiefelOptions = { maxIter: 10, ...opts.stiefel };
  for (let r = 1; r <= tMax; r++) {
    Z.forEach((z, c) => {
      if (!z) return;
      const { V, lambda } = basis[c]!;
      const th = atb(V, theta, d, d, h); // θ in the class's eigenbasis
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
        stiefelOpts,
      );
      Z[c] = res.X;
      W[c] = ab(V, res.X, d, d, h);
    });
    // θ = mean of the W_i (∂L/∂θ = −2α Σ (W_i − θ) = 0)
    const live = W.filter((w): w is Float64Array => !!w);
    theta = new Float64Array(d * h);
    for (const w of live) for (let k = 0; k < d * h; k++) theta[k] += w[k] / live.length;
    objective.push(total());
    const eps = opts.epsilon ?? 1e-6 * Math.max(1, Math.abs(objective[objective.length - 1]));
    if (r > 2 && Math.abs(objective[r - 1] - objective[r - 2]) < eps) break;
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
  /** the class-wise representation V_i of rows (block features → weighted projections) */
  represent(X: readonly Float32Array[], cls: number): Float32Array[];
}

/** Algorithm 1 on every block of a training set (+ block weights), fitted on `train` only */
function learnProjections(train: TrainingSet, opts: MmflOptions, alpha: number): MmflProjections {
  const { blocks: t, blockDim: d } = opts;
  const n = train.X.length;
  const c = train.classes.length;
  const weighting = opts.weighting ?? 'none';
  const variant = opts.variant ?? 'mmfl';
  // block weights w[class][block]
  let w: number[][] = Array.from({ length: c }, () => new Array<number>(t).fill(1));
  if (weighting !== 'none') {
    const strains = train.ids.map((id) => {
      const s = opts.strain!(id);
      if (!s) throw new MerError('BAD_INPUT', `mmfl: no optical strain for clip ${id}`, { clip: id });
      return s;
    });
    const active = mmflBlockWeights(strains, train.y, c, opts.nummost ?? 9);
    w = weighting === 'active' ? active : active.map((row) => row.map((v) => 1 - v));
  }
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
    const Xk = new Float64Array(n * s);
    train.X.forEach((x, j) => {
      for (let a = 0; a < s; a++) Xk[j * s + a] = x[k * d + dims[a]];
    });
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
    represent: (X, cls) =>
      X.map((x) => {
        const out = new Float32Array(width);
        let o = 0;
        proj.forEach((p, k) => {
          const Wk = p.W[cls];
          if (Wk) {
            const s = p.dims.length;
            for (let col = 0; col < p.h; col++) {
              let v = 0;
              for (let a = 0; a < s; a++) v += Wk[a * p.h + col] * (x[k * d + p.dims[a]] - (p.mean ? p.mean[a] : 0));
              out[o + col] = w[cls][k] * v;
            }
          }
          o += p.h;
        });
        return out;
      }),
  };
}

/** the c class-vs-rest RBF SVMs (with probability) on the class-wise representations */
function fitMachines(train: TrainingSet, P: MmflProjections, opts: MmflOptions, C: number): (FittedSvm | undefined)[] {
  const c = train.classes.length;
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
          gamma: opts.svm?.gamma ?? 'scale',
          probability: true,
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
 * a class had no machine), or with `priors` its prior-corrected logit
 * (−Infinity where no machine); argmax wins
 */
function predictMachines(
  machines: readonly (FittedSvm | undefined)[],
  P: MmflProjections,
  X: readonly Float32Array[],
  c: number,
  priors?: readonly number[],
): Prediction[] {
  const scores = X.map(() => new Array<number>(c).fill(priors ? -Infinity : -1));
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
