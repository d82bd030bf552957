/**
 * Fisher linear discriminant analysis with a regularised within-class scatter.
 *
 * Fit (training rows only):
 * 1. centre with the training mean; when d > n, express the rows in an
 *    orthonormal basis U of their (centred) span from the n×n Gram matrix
 *    (see pca.ts). Because S_w and S_b both live in that span and the
 *    shrinkage target is a multiple of the identity, this is exactly
 *    full-space regularised LDA, at n×n cost;
 * 2. S_w = Σ_c Σ_{i∈c} (z_i − m_c)(z_i − m_c)ᵀ, S_b = Σ_c n_c m_c m_cᵀ;
 *    S_w ← (1 − s)·S_w + s·(tr S_w / r)·I  (s = `shrinkage`, r = dimension);
 * 3. discriminant axes = the k − 1 leading generalised eigenvectors of
 *    S_b a = λ S_w a (k = classes present), via S_w-whitening.
 *
 * `ldaTransform` projects onto those axes (k − 1 dims). The `lda` learner
 * classifies in the projected space with a Gaussian per class sharing one
 * covariance (pooled within-class covariance of the projected training rows)
 * and class priors; scores are the class posterior probabilities (sum to 1;
 * classes absent from training score 0).
 */
import { inverse, Matrix } from 'ml-matrix';
import { MerError } from '../core/errors.ts';
import type { FittedModel, FittedTransform, Learner, Prediction, SavedModel, Transformer, TrainingSet } from './types.ts';
import { checkLabels, checkRows } from './kernels.ts';
import { savedArray, savedJson } from './savedModel.ts';
import { centre, gramEigen, rankKeep, symmetricEigen } from './pca.ts';

export interface LdaOptions {
  /**
   * shrinkage s ∈ [0, 1] of the within-class scatter towards (tr S_w / r)·I.
   * Default 0.1: with far more features than clips (the MER norm) S_w is
   * singular and unshrunk LDA separates the training set perfectly and
   * generalises badly.
   */
  readonly shrinkage?: number;
  /** class priors of the classifier: 'empirical' (training frequencies, as scikit-learn) or 'uniform'; default 'empirical' */
  readonly priors?: 'empirical' | 'uniform';
}

const DEFAULT_SHRINKAGE = 0.1;
/**
 * A ridge of RIDGE × (average eigenvalue) always added to S_w and to the
 * projected covariance, so that s = 0 on rank-deficient data still inverts
 * (negligible otherwise: 1e-10 relative).
 */
const RIDGE = 1e-10;

export interface FittedLdaTransform extends FittedTransform {
  /** training mean (d) */
  readonly mean: Float64Array;
  /** discriminant axes, k − 1 vectors of length d, by decreasing Fisher ratio */
  readonly axes: Float64Array[];
  /** generalised eigenvalue (Fisher ratio) of every axis */
  readonly ratios: number[];
  /** classes present in the training set, ascending */
  readonly classesSeen: number[];
}

function project(mean: Float64Array, axes: readonly Float64Array[], x: ArrayLike<number>, out: Float64Array): void {
  const d = mean.length;
  for (let a = 0; a < axes.length; a++) {
    const u = axes[a];
    let s = 0;
    for (let j = 0; j < d; j++) s += u[j] * (x[j] - mean[j]);
    out[a] = s;
  }
}

/** Fit the discriminant axes; throws if fewer than two classes are present. */
export function fitLdaAxes(train: Pick<TrainingSet, 'X' | 'y' | 'classes'>, opts: LdaOptions = {}): FittedLdaTransform {
  const s = opts.shrinkage ?? DEFAULT_SHRINKAGE;
  if (!(s >= 0 && s <= 1)) throw new MerError('BAD_OPTION', `lda: shrinkage = ${s}`, { expected: 'a number in [0, 1]' });
  const d = checkRows(train.X, 'lda');
  const n = train.X.length;
  checkLabels(train.y, n, train.classes.length, 'lda');
  const present = [...new Set(train.y)].sort((a, b) => a - b);
  if (present.length < 2) {
    throw new MerError('BAD_INPUT', `lda: the training set holds ${present.length} class`, { expected: 'at least two classes to discriminate' });
  }
  const { mean, Xc } = centre(train.X, d);
  // coordinates Z (n × r) of the rows; when d > n in the orthonormal basis
  // u_a = Xcᵀ v_a / √λ_a of their span, where Z[i][a] = v_a[i] √λ_a
  let Z: Float64Array[];
  let gram: { vectors: Float64Array[]; sqrtVals: number[] } | null;
  let r: number;
  if (d > n) {
    const e = gramEigen(Xc, d);
    const keep = rankKeep(e.values);
    r = keep.length;
    gram = { vectors: keep.map((i) => e.vectors[i]), sqrtVals: keep.map((i) => Math.sqrt(e.values[i])) };
    const g = gram;
    Z = Xc.map((_, i) => Float64Array.from(g.vectors, (v, a) => v[i] * g.sqrtVals[a]));
  } else {
    gram = null;
    r = d;
    Z = Xc;
  }
  if (r === 0) throw new MerError('BAD_INPUT', 'lda: the training rows are all identical', { expected: 'rows that vary' });
  const k = present.length;
  const idx = new Map(present.map((c, i) => [c, i]));
  const counts = new Array<number>(k).fill(0);
  const means = Array.from({ length: k }, () => new Float64Array(r));
  Z.forEach((z, i) => {
    const c = idx.get(train.y[i])!;
    counts[c]++;
    for (let a = 0; a < r; a++) means[c][a] += z[a];
  });
  means.forEach((m, c) => m.forEach((_, a) => (m[a] /= counts[c])));
  const Sw = new Float64Array(r * r);
  const diff = new Float64Array(r);
  Z.forEach((z, i) => {
    const m = means[idx.get(train.y[i])!];
    for (let a = 0; a < r; a++) diff[a] = z[a] - m[a];
    for (let a = 0; a < r; a++) {
      const da = diff[a];
      if (da === 0) continue;
      for (let b = a; b < r; b++) Sw[a * r + b] += da * diff[b];
    }
  });
  for (let a = 0; a < r; a++) for (let b = 0; b < a; b++) Sw[a * r + b] = Sw[b * r + a];
  let tr = 0;
  for (let a = 0; a < r; a++) tr += Sw[a * r + a];
  let avg = tr / r;
  if (!(avg > 0)) {
    // every class is a single point: fall back to the total scatter scale
    let t = 0;
    for (const z of Z) for (let a = 0; a < r; a++) t += z[a] * z[a];
    avg = t / r;
  }
  for (let i = 0; i < Sw.length; i++) Sw[i] *= 1 - s;
  for (let a = 0; a < r; a++) Sw[a * r + a] += (s + RIDGE) * avg;
  const Sb = new Float64Array(r * r);
  means.forEach((m, c) => {
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) Sb[a * r + b] += counts[c] * m[a] * m[b];
  });
  // whiten S_w: W = Q D^{-1/2}; then eigen of Wᵀ S_b W
  const ew = symmetricEigen(Sw, r);
  const W = new Float64Array(r * r); // W[a][q]
  ew.vectors.forEach((q, col) => {
    const f = 1 / Math.sqrt(Math.max(ew.values[col], Number.MIN_VALUE));
    for (let a = 0; a < r; a++) W[a * r + col] = q[a] * f;
  });
  const M = new Float64Array(r * r);
  const SbW = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    for (let q = 0; q < r; q++) {
      let t = 0;
      for (let b = 0; b < r; b++) t += Sb[a * r + b] * W[b * r + q];
      SbW[a * r + q] = t;
    }
  }
  for (let p = 0; p < r; p++) {
    for (let q = p; q < r; q++) {
      let t = 0;
      for (let a = 0; a < r; a++) t += W[a * r + p] * SbW[a * r + q];
      M[p * r + q] = t;
      M[q * r + p] = t;
    }
  }
  const em = symmetricEigen(M, r);
  const nAxes = Math.min(k - 1, r);
  const axes: Float64Array[] = [];
  const ratios: number[] = [];
  for (let e = 0; e < nAxes; e++) {
    const v = em.vectors[e];
    const aZ = new Float64Array(r); // axis in Z coordinates: W v
    for (let a = 0; a < r; a++) {
      let t = 0;
      for (let q = 0; q < r; q++) t += W[a * r + q] * v[q];
      aZ[a] = t;
    }
    let axis: Float64Array;
    if (gram) {
      // axis = Σ_a aZ_a u_a = Xcᵀ β with β = Σ_a aZ_a v_a / √λ_a
      const beta = new Float64Array(n);
      gram.vectors.forEach((v, a) => {
        const c = aZ[a] / gram!.sqrtVals[a];
        for (let i = 0; i < n; i++) beta[i] += c * v[i];
      });
      axis = new Float64Array(d);
      Xc.forEach((x, i) => {
        const b = beta[i];
        for (let j = 0; j < d; j++) axis[j] += b * x[j];
      });
    } else axis = aZ;
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(axis[j]) > Math.abs(axis[big])) big = j;
    if (axis[big] < 0) for (let j = 0; j < d; j++) axis[j] = -axis[j];
    axes.push(axis);
    ratios.push(em.values[e]);
  }
  return ldaAxesFitted(mean, axes, ratios, present);
}

function flatten(rows: readonly ArrayLike<number>[], width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

function unflatten(flat: Float64Array, count: number, width: number): Float64Array[] {
  return Array.from({ length: count }, (_, i) => flat.slice(i * width, (i + 1) * width));
}

function ldaAxesFitted(mean: Float64Array, axes: Float64Array[], ratios: number[], present: number[]): FittedLdaTransform {
  const d = mean.length;
  return {
    mean,
    axes,
    ratios,
    classesSeen: present,
    save(): SavedModel {
      return { kind: 'lda-transform', json: { features: d, axes: axes.length, ratios, classesSeen: present }, arrays: { mean, axes: flatten(axes, d) } };
    },
    transform(Xt: readonly Float32Array[]): Float32Array[] {
      if (Xt.length === 0) return [];
      checkRows(Xt, 'lda transform', d);
      const z = new Float64Array(axes.length);
      return Xt.map((x) => {
        project(mean, axes, x, z);
        return Float32Array.from(z);
      });
    },
  };
}

/** LDA as a transformer: projection onto the k − 1 discriminant axes. */
export function ldaTransform(opts: LdaOptions = {}): Transformer {
  return { name: 'lda-transform', fit: (train: TrainingSet) => fitLdaAxes(train, opts) };
}

export interface FittedLda extends FittedModel {
  readonly info: { readonly shrinkage: number; readonly classesSeen: number[]; readonly ratios: number[] };
}

/** Fit the LDA classifier (see the module comment). */
export function fitLda(train: TrainingSet, opts: LdaOptions = {}): FittedLda {
  const nClasses = train.classes.length;
  const n = checkRows(train.X, 'lda') && train.X.length;
  checkLabels(train.y, n, nClasses, 'lda');
  const d = train.X[0].length;
  const present = [...new Set(train.y)].sort((a, b) => a - b);
  const shrinkage = opts.shrinkage ?? DEFAULT_SHRINKAGE;
  if (present.length < 2) return ldaSingleClass(nClasses, d, shrinkage, present[0]);
  const ax = fitLdaAxes(train, opts);
  const m = ax.axes.length;
  const k = present.length;
  const idx = new Map(present.map((c, i) => [c, i]));
  const Zt = train.X.map((x) => {
    const z = new Float64Array(m);
    project(ax.mean, ax.axes, x, z);
    return z;
  });
  const counts = new Array<number>(k).fill(0);
  const cm = Array.from({ length: k }, () => new Float64Array(m));
  Zt.forEach((z, i) => {
    const c = idx.get(train.y[i])!;
    counts[c]++;
    for (let a = 0; a < m; a++) cm[c][a] += z[a];
  });
  cm.forEach((v, c) => v.forEach((_, a) => (v[a] /= counts[c])));
  const cov: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  Zt.forEach((z, i) => {
    const mu = cm[idx.get(train.y[i])!];
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) cov[a][b] += (z[a] - mu[a]) * (z[b] - mu[b]);
  });
  const dof = n - k > 0 ? n - k : n;
  let trc = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) cov[a][b] /= dof;
    trc += cov[a][a];
  }
  const ridge = RIDGE * (trc > 0 ? trc / m : 1) + (trc > 0 ? 0 : 1);
  for (let a = 0; a < m; a++) cov[a][a] += ridge;
  const P = inverse(new Matrix(cov)).to2DArray();
  const logPrior = counts.map((c) => Math.log(opts.priors === 'uniform' ? 1 / k : c / n));
  return ldaClassifier({ nClasses, d, shrinkage, present, ax, cm, P, logPrior });
}

interface LdaClassifierState {
  nClasses: number;
  d: number;
  shrinkage: number;
  present: number[];
  ax: FittedLdaTransform;
  /** class means in the projected space (k × m) */
  cm: Float64Array[];
  /** inverse pooled covariance (m × m) */
  P: number[][];
  logPrior: number[];
}

function ldaClassifier(st: LdaClassifierState): FittedLda {
  const { nClasses, d, shrinkage, present, ax, cm, P, logPrior } = st;
  const m = ax.axes.length;
  const z = new Float64Array(m);
  const dv = new Float64Array(m);
  return {
    info: { shrinkage, classesSeen: present, ratios: ax.ratios },
    predict(Xt: readonly Float32Array[]): Prediction[] {
      if (Xt.length === 0) return [];
      checkRows(Xt, 'lda predict', d);
      return Xt.map((x) => {
        project(ax.mean, ax.axes, x, z);
        const logp = cm.map((mu, c) => {
          for (let a = 0; a < m; a++) dv[a] = z[a] - mu[a];
          let q = 0;
          for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) q += dv[a] * P[a][b] * dv[b];
          return logPrior[c] - 0.5 * q;
        });
        const top = Math.max(...logp);
        const e = logp.map((v) => Math.exp(v - top));
        const sum = e.reduce((a, b) => a + b, 0);
        const scores = new Array<number>(nClasses).fill(0);
        present.forEach((c, i) => (scores[c] = e[i] / sum));
        let pred = present[0];
        for (const c of present) if (scores[c] > scores[pred]) pred = c;
        return { pred, scores };
      });
    },
    save(): SavedModel {
      return {
        kind: 'lda',
        json: { nClasses, features: d, shrinkage, present, logPrior },
        arrays: { classMeans: flatten(cm, m), precision: flatten(P, m) },
        children: [ax.save!() as SavedModel],
      };
    },
  };
}

function ldaSingleClass(nClasses: number, d: number, shrinkage: number, only: number): FittedLda {
  return {
    info: { shrinkage, classesSeen: [only], ratios: [] },
    predict: (Xt) => {
      if (Xt.length) checkRows(Xt, 'lda predict', d);
      return Xt.map(() => ({ pred: only, scores: Array.from({ length: nClasses }, (_, c) => (c === only ? 1 : 0)) }));
    },
    save: () => ({ kind: 'lda', json: { nClasses, features: d, shrinkage, present: [only], logPrior: [0] } }),
  };
}

/** Loader of kind 'lda-transform' (the projection alone). */
export function loadLdaTransform(saved: SavedModel): FittedTransform {
  const j = savedJson<{ features: number; axes: number; ratios: number[]; classesSeen: number[] }>(saved);
  const mean = savedArray(saved, 'mean', Float64Array, j.features);
  const axes = unflatten(savedArray(saved, 'axes', Float64Array, j.axes * j.features), j.axes, j.features);
  return ldaAxesFitted(mean, axes, j.ratios, j.classesSeen);
}

/** Loader of kind 'lda' (the classifier, its projection as the child). */
export function loadLda(saved: SavedModel): FittedModel {
  const j = savedJson<{ nClasses: number; features: number; shrinkage: number; present: number[]; logPrior: number[] }>(saved);
  if (j.present.length < 2) return ldaSingleClass(j.nClasses, j.features, j.shrinkage, j.present[0]);
  const child = saved.children?.[0];
  if (!child) throw new MerError('BAD_INPUT', "saved 'lda' lacks its projection", { expected: "one child of kind 'lda-transform'" });
  const axSaved = savedJson<{ features: number; axes: number; ratios: number[]; classesSeen: number[] }>(child);
  const ax = ldaAxesFitted(
    savedArray(child, 'mean', Float64Array, axSaved.features),
    unflatten(savedArray(child, 'axes', Float64Array, axSaved.axes * axSaved.features), axSaved.axes, axSaved.features),
    axSaved.ratios,
    axSaved.classesSeen,
  );
  const m = ax.axes.length;
  const k = j.present.length;
  const cm = unflatten(savedArray(saved, 'classMeans', Float64Array, k * m), k, m);
  const P = unflatten(savedArray(saved, 'precision', Float64Array, m * m), m, m).map((r) => Array.from(r));
  return ldaClassifier({ nClasses: j.nClasses, d: j.features, shrinkage: j.shrinkage, present: j.present, ax, cm, P, logPrior: j.logPrior });
}

/** LDA classifier learner. */
export function lda(opts: LdaOptions = {}): Learner {
  return { name: 'lda', fit: (train: TrainingSet) => fitLda(train, opts) };
}
