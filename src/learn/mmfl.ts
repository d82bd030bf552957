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
 * Speed: one CASME II LOSO fold (237 × 25 blocks × 177, 36 varying dims per
 * block) fits in about 7 s (NR: 1 s) on one core.
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
import { stiefelMinimize, type StiefelOptions } from './stiefel.ts';
import { symmetricEigen } from './pca.ts';
import { fitLdaAxes } from './lda.ts';
import { fitSvm, type FittedSvm } from './svm.ts';

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
  /** RBF SVM parameters (default C = 1, γ = 'scale') */
  svm?: { C?: number; gamma?: number | 'scale' };
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
  touched.forEach((r, ri) => {
    const xr = r * d, lr = ri * d;
    for (let a = 0; a < d; a++) {
      const xa = X[xr + a];
      if (xa === 0) continue;
      const ha = a * d;
      for (let b = 0; b < d; b++) H[ha + b] += xa * LX[lr + b];
    }
  });
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

/** the h eigenvectors of the smallest eigenvalues of a symmetric d×d M, as a d×h matrix */
function smallestEigenvectors(M: Float64Array, d: number, h: number): Float64Array {
  const { vectors } = symmetricEigen(M, d); // descending
  const W = new Float64Array(d * h);
  for (let c = 0; c < h; c++) {
    const v = vectors[d - 1 - c];
    for (let i = 0; i < d; i++) W[i * h + c] = v[i];
  }
  return W;
}

/** tr(WᵀMW) (M symmetric d×d, W d×h), and MW */
function quad(M: Float64Array, W: Float64Array, d: number, h: number): { tr: number; MW: Float64Array } {
  const MW = new Float64Array(d * h);
  for (let i = 0; i < d; i++) {
    const mi = i * d, oi = i * h;
    for (let k = 0; k < d; k++) {
      const m = M[mi + k];
      if (m === 0) continue;
      const wk = k * h;
      for (let j = 0; j < h; j++) MW[oi + j] += m * W[wk + j];
    }
  }
  let tr = 0;
  for (let i = 0; i < d * h; i++) tr += W[i] * MW[i];
  return { tr, MW };
}

/** Algorithm 1 for one block: the class-specific mappings W_i (d×h). */
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
  const { inter, intra } = mmflScatter(X, n, d, y, nClasses, opts);
  const present = Array.from({ length: nClasses }, (_, c) => y.includes(c));
  const M = inter.map((Hi, c) => {
    const m = new Float64Array(d * d);
    for (let k = 0; k < d * d; k++) m[k] = intra[c][k] - Hi[k];
    return m;
  });
  const W: (Float64Array | undefined)[] = M.map((m, c) =>
    present[c] ? ((opts.init ?? 'eigen') === 'eigen' ? smallestEigenvectors(m, d, h) : randomOrthonormal(d, h, rng.fork(`W${c}`))) : undefined,
  );
  // θ⁰ = I_{d×h}
  let theta = new Float64Array(d * h);
  for (let i = 0; i < h; i++) theta[i * h + i] = 1;
  const objective: number[] = [];
  const total = (): number => {
    let L = 0;
    W.forEach((w, c) => {
      if (!w) return;
      L += quad(M[c], w, d, h).tr;
      for (let k = 0; k < d * h; k++) L += alpha * (w[k] - theta[k]) ** 2;
    });
    return L;
  };
  if (alpha === 0) {
    // NR: the mappings decouple and the eigenvectors are the exact minimisers
    if ((opts.init ?? 'eigen') === 'eigen') {
      objective.push(total());
      return { d, h, W, objective };
    }
  }
  const stiefelOpts: StiefelOptions = { maxIter: 10, ...opts.stiefel };
  for (let r = 1; r <= tMax; r++) {
    W.forEach((w, c) => {
      if (!w) return;
      const th = theta;
      const res = stiefelMinimize(
        (Z) => {
          const { tr, MW } = quad(M[c], Z, d, h);
          let F = tr;
          const G = new Float64Array(d * h);
          for (let k = 0; k < d * h; k++) {
            const diff = Z[k] - th[k];
            F += alpha * diff * diff;
            G[k] = 2 * MW[k] + 2 * alpha * diff;
          }
          return { F, G };
        },
        w,
        d,
        h,
        stiefelOpts,
      );
      W[c] = res.X;
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
  return {
    name: `mmfl-${variant}-${weighting}`,
    async fit(train: TrainingSet): Promise<FittedModel> {
      const n = train.X.length;
      const c = train.classes.length;
      for (const [j, x] of train.X.entries()) {
        if (x.length !== t * d) {
          throw new MerError('BAD_INPUT', `mmfl: row ${j} has ${x.length} values, expected ${t} blocks × ${d}`, { row: j, clip: train.ids[j] });
        }
      }
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
          const bm = mmflBlock(Xk, n, s, train.y, c, train.rng.fork(`block${k}`), opts);
          proj.push({ W: bm.W, h: bm.h, dims });
        }
      }
      const represent = (X: readonly Float32Array[], cls: number): Float32Array[] =>
        X.map((x) => {
          const out = new Float32Array(proj.reduce((s, p) => s + p.h, 0));
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
        });
      const machines: (FittedSvm | undefined)[] = [];
      for (let cls = 0; cls < c; cls++) {
        const yb = train.y.map((v) => (v === cls ? 1 : 0));
        if (!yb.includes(1) || !yb.includes(0)) {
          machines.push(undefined);
          continue;
        }
        machines.push(
          fitSvm(
            { X: represent(train.X, cls), y: yb, ids: train.ids, subjects: train.subjects, classes: ['rest', train.classes[cls]], rng: train.rng.fork(`svm${cls}`) },
            { kernel: 'rbf', C: opts.svm?.C ?? 1, gamma: opts.svm?.gamma ?? 'scale', probability: true },
          ),
        );
      }
      return {
        predict(Xtest: readonly Float32Array[]): Prediction[] {
          for (const [j, x] of Xtest.entries()) {
            if (x.length !== t * d) throw new MerError('BAD_INPUT', `mmfl predict: row ${j} has ${x.length} values, expected ${t * d}`, { row: j });
          }
          const scores = Xtest.map(() => new Array<number>(c).fill(-1));
          machines.forEach((m, cls) => {
            if (!m) return;
            m.predict(represent(Xtest, cls)).forEach((p, j) => (scores[j][cls] = p.scores[1]));
          });
          return scores.map((s) => ({ pred: s.indexOf(Math.max(...s)), scores: s }));
        },
      };
    },
  };
}
