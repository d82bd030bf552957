/**
 * Principal component analysis fitted on the training rows only.
 *
 * Centres the rows with the training mean and diagonalises the covariance.
 * When there are fewer rows than features (n ≤ d, e.g. 240 clips × 4425
 * LBP-TOP bins) it diagonalises the n×n Gram matrix Xc·Xcᵀ instead of the
 * d×d covariance (the "Gram-matrix trick"): if Xc·Xcᵀ v = λ v then
 * u = Xcᵀ v / √λ is a unit principal axis with the same eigenvalue.
 *
 * Components are sorted by decreasing variance; each is signed so that its
 * largest-magnitude coordinate is positive (deterministic output).
 */
import { EVD, Matrix } from 'ml-matrix';
import { MerError } from '../core/errors.ts';
import type { FittedTransform, SavedModel, Transformer, TrainingSet } from './types.ts';
import { checkRows } from './kernels.ts';
import { savedArray, savedJson } from './savedModel.ts';

export interface PcaOptions {
  /** keep this many components (at most the rank) */
  readonly components?: number;
  /** keep the fewest components whose variance ratio sums to ≥ this (0 < v ≤ 1), e.g. 0.99 */
  readonly varianceKept?: number;
  /** scale every component to unit variance on the training rows; default false */
  readonly whiten?: boolean;
}

/**
 * Eigenvalues below RANK_TOL × the largest are numerical zeros (float64
 * round-off of an exact rank deficiency is ~1e-15 relative; 1e-10 leaves margin).
 */
const RANK_TOL = 1e-10;

export interface FittedPca extends FittedTransform {
  readonly mean: Float64Array;
  /** unit principal axes, each of length d, by decreasing variance */
  readonly components: Float64Array[];
  /** variance (n − 1 denominator) along each kept axis */
  readonly explainedVariance: number[];
  /** explainedVariance / total variance of the training rows */
  readonly explainedVarianceRatio: number[];
  /** map scores back to feature space: x̂ = mean + Σ z_k σ_k? u_k (σ_k only when whitened) */
  inverseTransform(Z: readonly Float32Array[]): Float32Array[];
}

/** Symmetric eigen-decomposition, eigenpairs sorted by decreasing eigenvalue. */
export function symmetricEigen(A: Float64Array, n: number): { values: number[]; vectors: Float64Array[] } {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(A.subarray(i * n, (i + 1) * n)));
  const evd = new EVD(new Matrix(rows), { assumeSymmetric: true });
  const vals = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  const order = [...vals.keys()].sort((a, b) => vals[b] - vals[a]);
  return {
    values: order.map((k) => vals[k]),
    vectors: order.map((k) => Float64Array.from(V.getColumn(k))),
  };
}

/** Centre rows (float64 copies) and return the mean. */
export function centre(X: readonly ArrayLike<number>[], d: number): { mean: Float64Array; Xc: Float64Array[] } {
  const n = X.length;
  const mean = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const Xc = X.map((x) => {
    const r = new Float64Array(d);
    for (let j = 0; j < d; j++) r[j] = x[j] - mean[j];
    return r;
  });
  return { mean, Xc };
}

/** Eigenpairs of the n×n Gram matrix Xc·Xcᵀ of centred rows, by decreasing eigenvalue. */
export function gramEigen(Xc: readonly Float64Array[], d: number): { values: number[]; vectors: Float64Array[] } {
  const n = Xc.length;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = Xc[i];
    for (let j = i; j < n; j++) {
      const b = Xc[j];
      let s = 0;
      for (let k = 0; k < d; k++) s += a[k] * b[k];
      G[i * n + j] = s;
      G[j * n + i] = s;
    }
  }
  return symmetricEigen(G, n);
}

/** Indices of the eigenvalues above RANK_TOL × the largest (all, if the largest is not positive: none). */
export function rankKeep(values: readonly number[]): number[] {
  const top = values.length ? values[0] : 0;
  const keep: number[] = [];
  if (!(top > 0)) return keep;
  for (let k = 0; k < values.length; k++) if (values[k] > RANK_TOL * top) keep.push(k);
  return keep;
}

/**
 * Orthonormal principal axes of centred rows with their eigenvalues of
 * Xcᵀ·Xc (sums of squares), rank-truncated, by decreasing eigenvalue.
 */
export function principalAxes(Xc: readonly Float64Array[], d: number): { axes: Float64Array[]; eig: number[] } {
  const n = Xc.length;
  let values: number[];
  let axes: Float64Array[];
  if (n <= d) {
    const e = gramEigen(Xc, d);
    values = e.values;
    axes = e.vectors.map((v, k) => {
      const u = new Float64Array(d);
      if (!(values[k] > 0)) return u;
      for (let i = 0; i < n; i++) {
        const c = v[i];
        if (c === 0) continue;
        const x = Xc[i];
        for (let j = 0; j < d; j++) u[j] += c * x[j];
      }
      const inv = 1 / Math.sqrt(values[k]);
      for (let j = 0; j < d; j++) u[j] *= inv;
      return u;
    });
  } else {
    const C = new Float64Array(d * d);
    for (const x of Xc) {
      for (let i = 0; i < d; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        for (let j = i; j < d; j++) C[i * d + j] += xi * x[j];
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) C[i * d + j] = C[j * d + i];
    const e = symmetricEigen(C, d);
    values = e.values;
    axes = e.vectors;
  }
  const keep = rankKeep(values);
  const outAxes = keep.map((k) => {
    const u = axes[k];
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(u[j]) > Math.abs(u[big])) big = j;
    if (u[big] < 0) for (let j = 0; j < d; j++) u[j] = -u[j];
    return u;
  });
  return { axes: outAxes, eig: keep.map((k) => values[k]) };
}

export function fitPca(X: readonly Float32Array[], opts: PcaOptions = {}): FittedPca {
  const d = checkRows(X, 'pca');
  const n = X.length;
  if (opts.components !== undefined && opts.varianceKept !== undefined) {
    throw new MerError('BAD_OPTION', 'pca: both components and varianceKept given', { expected: 'one of them' });
  }
  if (opts.components !== undefined && !(Number.isInteger(opts.components) && opts.components >= 1)) {
    throw new MerError('BAD_OPTION', `pca: components = ${opts.components}`, { expected: 'an integer ≥ 1' });
  }
  if (opts.varianceKept !== undefined && !(opts.varianceKept > 0 && opts.varianceKept <= 1)) {
    throw new MerError('BAD_OPTION', `pca: varianceKept = ${opts.varianceKept}`, { expected: 'a fraction in (0, 1]' });
  }
  const { mean, Xc } = centre(X, d);
  const { axes, eig } = principalAxes(Xc, d);
  if (axes.length === 0) {
    throw new MerError('BAD_INPUT', `pca: the ${n} training rows are all identical (no variance to keep)`, { expected: 'at least two distinct rows' });
  }
  let total = 0;
  for (const x of Xc) for (let j = 0; j < d; j++) total += x[j] * x[j];
  let k = axes.length;
  if (opts.components !== undefined) k = Math.min(opts.components, axes.length);
  else if (opts.varianceKept !== undefined) {
    let cum = 0;
    k = axes.length;
    for (let i = 0; i < eig.length; i++) {
      cum += eig[i];
      // relative slack: a ratio equal to the target up to round-off counts as reached
      if (cum >= opts.varianceKept * total * (1 - 1e-12)) {
        k = i + 1;
        break;
      }
    }
  }
  const components = axes.slice(0, k);
  const denom = Math.max(n - 1, 1);
  const explainedVariance = eig.slice(0, k).map((v) => v / denom);
  const explainedVarianceRatio = eig.slice(0, k).map((v) => v / total);
  const scale = components.map((_, i) => (opts.whiten ? 1 / Math.sqrt(explainedVariance[i]) : 1));
  return pcaFitted(mean, components, explainedVariance, explainedVarianceRatio, scale);
}

/** The fitted PCA from its state (used by fitPca and by the saved-model loader). */
function pcaFitted(mean: Float64Array, components: Float64Array[], explainedVariance: number[], explainedVarianceRatio: number[], scale: number[]): FittedPca {
  const d = mean.length;
  const k = components.length;
  return {
    mean,
    components,
    explainedVariance,
    explainedVarianceRatio,
    transform(Xt: readonly Float32Array[]): Float32Array[] {
      if (Xt.length === 0) return [];
      checkRows(Xt, 'pca transform', d);
      const xc = new Float64Array(d);
      return Xt.map((x) => {
        for (let j = 0; j < d; j++) xc[j] = x[j] - mean[j];
        const z = new Float32Array(k);
        for (let c = 0; c < k; c++) {
          const u = components[c];
          let s = 0;
          for (let j = 0; j < d; j++) s += u[j] * xc[j];
          z[c] = s * scale[c];
        }
        return z;
      });
    },
    inverseTransform(Z: readonly Float32Array[]): Float32Array[] {
      if (Z.length === 0) return [];
      checkRows(Z, 'pca inverseTransform', k);
      return Z.map((z) => {
        const x = Float64Array.from(mean);
        for (let c = 0; c < k; c++) {
          const w = z[c] / scale[c];
          const u = components[c];
          for (let j = 0; j < d; j++) x[j] += w * u[j];
        }
        return Float32Array.from(x);
      });
    },
    save(): SavedModel {
      const flat = new Float64Array(k * d);
      components.forEach((u, c) => flat.set(u, c * d));
      return { kind: 'pca', json: { features: d, components: k, explainedVariance, explainedVarianceRatio, scale }, arrays: { mean, components: flat } };
    },
  };
}

/** Loader of kind 'pca'. */
export function loadPca(saved: SavedModel): FittedTransform {
  const j = savedJson<{ features: number; components: number; explainedVariance: number[]; explainedVarianceRatio: number[]; scale: number[] }>(saved);
  const mean = savedArray(saved, 'mean', Float64Array, j.features);
  const flat = savedArray(saved, 'components', Float64Array, j.components * j.features);
  const comps = Array.from({ length: j.components }, (_, c) => flat.slice(c * j.features, (c + 1) * j.features));
  return pcaFitted(mean, comps, j.explainedVariance, j.explainedVarianceRatio, j.scale);
}

/** PCA transformer (fitted per fold on the training rows only). */
export function pca(opts: PcaOptions = {}): Transformer {
  return { name: 'pca', fit: (train: TrainingSet) => fitPca(train.X, opts) };
}
