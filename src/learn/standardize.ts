/**
 * Feature scaling fitted on the training rows only: z-score (`standardize`),
 * min–max (`minMaxScale`), and per-row L2 normalisation (`l2Normalize`, no
 * fitting). Statistics are accumulated in float64; outputs are Float32Array.
 */
import type { FittedTransform, SavedModel, Transformer, TrainingSet } from './types.ts';
import { checkRows } from './kernels.ts';
import { savedArray, savedJson } from './savedModel.ts';

export interface StandardizeOptions {
  /**
   * A feature whose training standard deviation is ≤ eps is constant: it is
   * centred but not scaled (scale 1), so it maps to 0 on the training rows
   * instead of dividing by ~0. Default 1e-8 (below float32 resolution for
   * features of order 1).
   */
  readonly eps?: number;
}

const DEFAULT_EPS = 1e-8;

/** Per-feature affine map x → (x − shift) · mul, checked against the fitted dimension. */
export interface FittedAffine extends FittedTransform {
  readonly shift: Float64Array;
  readonly mul: Float64Array;
}

function affine(shift: Float64Array, mul: Float64Array, who: string): FittedAffine {
  const d = shift.length;
  return {
    shift,
    mul,
    transform(X: readonly Float32Array[]): Float32Array[] {
      if (X.length === 0) return [];
      checkRows(X, who, d);
      return X.map((x) => {
        const z = new Float32Array(d);
        for (let j = 0; j < d; j++) z[j] = (x[j] - shift[j]) * mul[j];
        return z;
      });
    },
    save(): SavedModel {
      return { kind: 'affine', json: { who, features: d }, arrays: { shift, mul } };
    },
  };
}

/** Loader of kind 'affine' (standardize, min-max). */
export function loadAffine(saved: SavedModel): FittedTransform {
  const j = savedJson<{ who?: string; features?: number }>(saved);
  const d = j.features ?? -1;
  return affine(savedArray(saved, 'shift', Float64Array, d), savedArray(saved, 'mul', Float64Array, d), j.who ?? 'affine');
}
/** Loader of kind 'l2normalize' (no state). */
export function loadL2Normalize(): FittedTransform {
  return l2NormalizeFitted();
}

/** z-score with the training mean and population standard deviation (ddof 0, as scikit-learn's StandardScaler). */
export function fitStandardize(X: readonly Float32Array[], opts: StandardizeOptions = {}): FittedAffine {
  const eps = opts.eps ?? DEFAULT_EPS;
  const d = checkRows(X, 'standardize');
  const n = X.length;
  const mean = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const v = new Float64Array(d);
  for (const x of X) {
    for (let j = 0; j < d; j++) {
      const t = x[j] - mean[j];
      v[j] += t * t;
    }
  }
  const mul = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(v[j] / n);
    mul[j] = sd > eps ? 1 / sd : 1;
  }
  return affine(mean, mul, 'standardize');
}

export function standardize(opts: StandardizeOptions = {}): Transformer {
  return { name: 'standardize', fit: (train: TrainingSet) => fitStandardize(train.X, opts) };
}

/** Min–max to [0, 1] with the training min/max; a constant feature maps to 0. */
export function fitMinMax(X: readonly Float32Array[]): FittedAffine {
  const d = checkRows(X, 'minMaxScale');
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const x of X) {
    for (let j = 0; j < d; j++) {
      if (x[j] < lo[j]) lo[j] = x[j];
      if (x[j] > hi[j]) hi[j] = x[j];
    }
  }
  const mul = new Float64Array(d);
  for (let j = 0; j < d; j++) mul[j] = hi[j] > lo[j] ? 1 / (hi[j] - lo[j]) : 0;
  return affine(lo, mul, 'minMaxScale');
}

export function minMaxScale(): Transformer {
  return { name: 'minmax', fit: (train: TrainingSet) => fitMinMax(train.X) };
}

/** Divide every row by its Euclidean norm (an all-zero row stays zero). */
export function l2NormalizeRows(X: readonly Float32Array[]): Float32Array[] {
  if (X.length === 0) return [];
  checkRows(X, 'l2Normalize', X[0].length);
  return X.map((x) => {
    let s = 0;
    for (let j = 0; j < x.length; j++) s += x[j] * x[j];
    const z = new Float32Array(x.length);
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < x.length; j++) z[j] = x[j] * inv;
    }
    return z;
  });
}

/** Per-row L2 normalisation; fitting learns nothing. */
export function l2Normalize(): Transformer {
  return { name: 'l2normalize', fit: () => l2NormalizeFitted() };
}

function l2NormalizeFitted(): FittedTransform {
  return { transform: l2NormalizeRows, save: () => ({ kind: 'l2normalize', json: {} }) };
}
