/**
 * Kernel functions and Gram matrices for the classical learners, plus the
 * row checks every learner runs on its input.
 *
 * Kernels (libsvm's definitions; chi-square as scikit-learn's `chi2_kernel`):
 * - linear:  k(x, y) = ⟨x, y⟩
 * - rbf:     k(x, y) = exp(−γ‖x − y‖²)
 * - poly:    k(x, y) = (γ⟨x, y⟩ + coef0)^degree
 * - chi2:    k(x, y) = exp(−γ χ²(x, y)),  χ²(x, y) = Σᵢ (xᵢ − yᵢ)² / (xᵢ + yᵢ)
 *            (terms with xᵢ + yᵢ = 0 count 0; features must be non-negative)
 *
 * All sums are accumulated in float64 whatever the input precision.
 */
import { MerError } from '../core/errors.ts';

export type KernelName = 'linear' | 'rbf' | 'poly' | 'chi2';

export interface KernelSpec {
  readonly kernel: KernelName;
  /** γ for rbf / poly / chi2 (ignored by linear) */
  readonly gamma: number;
  /** poly degree (libsvm default 3) */
  readonly degree: number;
  /** poly coef0 (libsvm default 0) */
  readonly coef0: number;
}

/** A dense row-major float64 matrix. */
export interface Mat64 {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * Check that `X` is a non-empty list of equally long, finite vectors.
 * Throws MerError BAD_INPUT naming the first bad row/column. Returns the dimension.
 */
export function checkRows(X: readonly ArrayLike<number>[], who: string, expectedDim?: number): number {
  if (X.length === 0) throw new MerError('BAD_INPUT', `${who}: no rows given`, { expected: 'at least one feature vector' });
  const d = expectedDim ?? X[0].length;
  if (d === 0) throw new MerError('BAD_INPUT', `${who}: feature vectors are empty`, { expected: 'at least one feature' });
  for (let i = 0; i < X.length; i++) {
    const x = X[i];
    if (x.length !== d) {
      throw new MerError('BAD_INPUT', `${who}: row ${i} has ${x.length} features`, { row: i, expected: `${d} features (as in the training rows)` });
    }
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(x[j])) {
        throw new MerError('BAD_INPUT', `${who}: row ${i}, feature ${j} is ${x[j]}`, { row: i, expected: 'finite numbers (no NaN or Infinity)' });
      }
    }
  }
  return d;
}

/** Check labels: one integer in [0, nClasses) per row. */
export function checkLabels(y: readonly number[], n: number, nClasses: number, who: string): void {
  if (y.length !== n) throw new MerError('BAD_INPUT', `${who}: ${y.length} labels for ${n} rows`, { expected: 'one label per row' });
  if (nClasses < 1) throw new MerError('BAD_INPUT', `${who}: the training set names no classes`, { expected: 'at least one class' });
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0 || v >= nClasses) {
      throw new MerError('BAD_INPUT', `${who}: label ${v} of row ${i} is outside the classes`, { row: i, expected: `an integer in [0, ${nClasses})` });
    }
  }
}

/** Throw MerError BAD_INPUT if any feature is negative (chi-square needs histograms). */
export function checkNonNegative(X: readonly ArrayLike<number>[], who: string): void {
  for (let i = 0; i < X.length; i++) {
    const x = X[i];
    for (let j = 0; j < x.length; j++) {
      if (x[j] < 0) {
        throw new MerError('BAD_INPUT', `${who}: row ${i}, feature ${j} is ${x[j]} but the chi-square kernel needs non-negative features`, {
          row: i,
          expected: 'non-negative histogram features (do not standardize before a chi2 kernel)',
        });
      }
    }
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

/** χ²(a, b) = Σ (aᵢ − bᵢ)² / (aᵢ + bᵢ), zero-sum terms skipped. */
export function chi2Dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i] + b[i];
    if (p > 0) {
      const t = a[i] - b[i];
      s += (t * t) / p;
    }
  }
  return s;
}

/** k(a, b) for one pair. */
export function kernelValue(spec: KernelSpec, a: ArrayLike<number>, b: ArrayLike<number>): number {
  switch (spec.kernel) {
    case 'linear':
      return dot(a, b);
    case 'rbf':
      return Math.exp(-spec.gamma * sqDist(a, b));
    case 'poly':
      return Math.pow(spec.gamma * dot(a, b) + spec.coef0, spec.degree);
    case 'chi2':
      return Math.exp(-spec.gamma * chi2Dist(a, b));
  }
}

/**
 * The "base" pairwise quantity of a kernel, before γ is applied: ⟨a,b⟩ for
 * linear/poly, ‖a−b‖² for rbf, χ² for chi2. Computing it once lets a γ grid
 * reuse it (see `kernelFromBase`).
 */
export function baseValue(kernel: KernelName, a: ArrayLike<number>, b: ArrayLike<number>): number {
  switch (kernel) {
    case 'linear':
    case 'poly':
      return dot(a, b);
    case 'rbf':
      return sqDist(a, b);
    case 'chi2':
      return chi2Dist(a, b);
  }
}

/** Map a base value to the kernel value. */
export function kernelFromBase(spec: KernelSpec, base: number): number {
  switch (spec.kernel) {
    case 'linear':
      return base;
    case 'rbf':
    case 'chi2':
      return Math.exp(-spec.gamma * base);
    case 'poly':
      return Math.pow(spec.gamma * base + spec.coef0, spec.degree);
  }
}

/** Symmetric n×n matrix of base values of the rows of X (float64). */
export function baseGram(kernel: KernelName, X: readonly ArrayLike<number>[]): Mat64 {
  const n = X.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const xi = X[i];
    for (let j = i; j < n; j++) {
      const v = baseValue(kernel, xi, X[j]);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return { rows: n, cols: n, data: out };
}

/** Rows(A) × rows(B) matrix of base values (float64). */
export function baseCross(kernel: KernelName, A: readonly ArrayLike<number>[], B: readonly ArrayLike<number>[]): Mat64 {
  const out = new Float64Array(A.length * B.length);
  for (let i = 0; i < A.length; i++) {
    for (let j = 0; j < B.length; j++) out[i * B.length + j] = baseValue(kernel, A[i], B[j]);
  }
  return { rows: A.length, cols: B.length, data: out };
}

/** Apply `kernelFromBase` elementwise (new matrix). */
export function applyKernel(spec: KernelSpec, base: Mat64): Mat64 {
  const out = new Float64Array(base.data.length);
  for (let i = 0; i < out.length; i++) out[i] = kernelFromBase(spec, base.data[i]);
  return { rows: base.rows, cols: base.cols, data: out };
}

/** Gram matrix K[i][j] = k(X[i], X[j]). */
export function gram(spec: KernelSpec, X: readonly ArrayLike<number>[]): Mat64 {
  return applyKernel(spec, baseGram(spec.kernel, X));
}

/**
 * scikit-learn's gamma = 'scale': 1 / (d · var(X)), the variance taken over
 * all entries of X; 1 when X is constant.
 */
export function gammaScale(X: readonly ArrayLike<number>[]): number {
  const d = X[0].length;
  let s = 0;
  let s2 = 0;
  const m = X.length * d;
  for (const x of X) {
    for (let j = 0; j < d; j++) s += x[j];
  }
  const mean = s / m;
  for (const x of X) {
    for (let j = 0; j < d; j++) {
      const t = x[j] - mean;
      s2 += t * t;
    }
  }
  const v = s2 / m;
  return v > 0 ? 1 / (d * v) : 1;
}

/**
 * gamma = 'scale' for the chi-square kernel: 1 / mean χ² distance over the
 * distinct training pairs (Zhang et al., IJCV 2007); 1 when all rows coincide.
 */
export function gammaChi2Scale(baseChi2: Mat64): number {
  const n = baseChi2.rows;
  if (n < 2) return 1;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += baseChi2.data[i * n + j];
  const mean = s / ((n * (n - 1)) / 2);
  return mean > 0 ? 1 / mean : 1;
}
