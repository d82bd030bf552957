/**
 * Symmetric eigendecomposition and the polar factor of a square matrix, on
 * row-major Float64Arrays (the MMFL learner needs one d×d eigenproblem per
 * class and block and one h×h polar factor per mapping update, d = 177 at the
 * paper's settings: ml-matrix's EVD on arrays of arrays took ≈ 4× longer).
 *
 * symEig: Householder reduction to tridiagonal form, accumulating the
 * transformations, then the implicit QL iteration with Wilkinson-type shifts
 * (Golub & Van Loan, "Matrix Computations", §8.3; the classic tred2/tql2
 * pair of EISPACK). O(n³); eigenvalues ascending, eigenvectors orthonormal.
 */
import { MerError } from '../core/errors.ts';

export interface SymEig {
  /** eigenvalues, ascending */
  values: Float64Array;
  /** n×n row-major: column k (V[i·n + k], i = 0 … n−1) is the unit eigenvector of values[k] */
  vectors: Float64Array;
}

/** QL iterations per eigenvalue before giving up (convergence takes 1–3) */
const MAX_QL_ITER = 60;

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix A (row-major; only
 * its lower triangle is read). A is not modified.
 */
export function symEig(A: Float64Array, n: number): SymEig {
  if (A.length !== n * n) throw new MerError('INTERNAL', `symEig: matrix has ${A.length} values, expected ${n}×${n}`);
  // Z holds the accumulated orthogonal transform, stored TRANSPOSED while we
  // work (row k of Z = column k of Q), so every inner loop runs along a row
  const Z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) Z[i * n + j] = A[i * n + j];
  const dg = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(Z, n, dg, e);
  tridiagonalQl(Z, n, dg, e);
  // sort ascending and transpose into column-vector layout
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => dg[a] - dg[b] || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = dg[src];
    const row = src * n;
    for (let i = 0; i < n; i++) vectors[i * n + k] = Z[row + i];
  });
  return { values, vectors };
}

/**
 * Householder tridiagonalisation of the symmetric matrix in the lower
 * triangle of Z (row-major), in place: afterwards dg = diagonal, e[i] =
 * subdiagonal element (i, i−1) (e[0] = 0) and Z = Qᵀ (rows are Q's columns)
 * with A = Q·T·Qᵀ.
 */
function tridiagonalize(Z: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const ri = i * n;
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(Z[ri + k]);
      if (scale === 0) {
        e[i] = Z[ri + l];
      } else {
        for (let k = 0; k <= l; k++) {
          Z[ri + k] /= scale;
          h += Z[ri + k] * Z[ri + k];
        }
        let f = Z[ri + l];
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        Z[ri + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          Z[rj + i] = Z[ri + j] / h;
          let s = 0;
          for (let k = 0; k <= j; k++) s += Z[rj + k] * Z[ri + k];
          for (let k = j + 1; k <= l; k++) s += Z[k * n + j] * Z[ri + k];
          e[j] = s / h;
          f += e[j] * Z[ri + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = Z[ri + j];
          const gj = (e[j] -= hh * fj);
          const rj = j * n;
          for (let k = 0; k <= j; k++) Z[rj + k] -= fj * e[k] + gj * Z[ri + k];
        }
      }
    } else {
      e[i] = Z[ri + l];
    }
    dg[i] = h;
  }
  dg[0] = 0;
  e[0] = 0;
  // accumulate the transformations
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    if (dg[i] !== 0) {
      for (let j = 0; j < i; j++) {
        let g = 0;
        for (let k = 0; k < i; k++) g += Z[ri + k] * Z[k * n + j];
        for (let k = 0; k < i; k++) Z[k * n + j] -= g * Z[k * n + i];
      }
    }
    dg[i] = Z[ri + i];
    Z[ri + i] = 1;
    for (let j = 0; j < i; j++) {
      Z[j * n + i] = 0;
      Z[ri + j] = 0;
    }
  }
  // Z now holds Q (row-major, columns = Householder basis): transpose in place
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = Z[i * n + j];
      Z[i * n + j] = Z[j * n + i];
      Z[j * n + i] = t;
    }
  }
}

/**
 * Implicit QL with shifts on the tridiagonal (dg, e) — e[i] couples i−1 and i
 * — rotating the rows of Zt (= Qᵀ) along: on exit dg holds the eigenvalues and
 * row k of Zt the eigenvector of dg[k].
 */
function tridiagonalQl(Zt: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(dg[m]) + Math.abs(dg[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > MAX_QL_ITER) throw new MerError('INTERNAL', `symEig: no convergence after ${MAX_QL_ITER} QL iterations`);
      let g = (dg[l + 1] - dg[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = dg[m] - dg[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          dg[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = dg[i + 1] - p;
        r = (dg[i] - g) * s + 2 * c * b;
        p = s * r;
        dg[i + 1] = g + p;
        g = c * r - b;
        // rotate rows i and i+1 of Zt
        const ra = i * n;
        const rb = ra + n;
        for (let k = 0; k < n; k++) {
          f = Zt[rb + k];
          const zk = Zt[ra + k];
          Zt[rb + k] = s * zk + c * f;
          Zt[ra + k] = c * zk - s * f;
        }
      }
      if (r === 0 && i >= l) continue;
      dg[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** singular values at or below this fraction of the largest count as zero in polarFactor */
const POLAR_RANK_TOL = 1e-10;

/**
 * The orthogonal polar factor Q = U·Vᵀ of a square p×p matrix A = U·Σ·Vᵀ
 * (row-major): the orthogonal matrix that maximises tr(QᵀA). From the
 * eigendecomposition AᵀA = V·Σ²·Vᵀ: the columns of U are A·v_k / σ_k; where
 * σ_k is (numerically) zero, A says nothing and U is completed by
 * Gram–Schmidt against the unit vectors (deterministic).
 */
export function polarFactor(A: Float64Array, p: number): Float64Array {
  const AtA = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    const ri = i * p;
    for (let a = 0; a < p; a++) {
      const v = A[ri + a];
      if (v === 0) continue;
      const ra = a * p;
      for (let b = 0; b <= a; b++) AtA[ra + b] += v * A[ri + b];
    }
  }
  const { values, vectors: V } = symEig(AtA, p);
  // the columns of U, in order of decreasing σ
  const cols: Float64Array[] = [];
  const top = Math.sqrt(Math.max(values[p - 1], 0));
  const Av = new Float64Array(p);
  const Ucols = new Array<Float64Array>(p);
  for (let kk = p - 1; kk >= 0; kk--) {
    const sigma = Math.sqrt(Math.max(values[kk], 0));
    const col = new Float64Array(p);
    if (sigma > POLAR_RANK_TOL * top && sigma > 0) {
      for (let j = 0; j < p; j++) Av[j] = V[j * p + kk];
      for (let i = 0; i < p; i++) {
        let s = 0;
        const ri = i * p;
        for (let j = 0; j < p; j++) s += A[ri + j] * Av[j];
        col[i] = s / sigma;
      }
    }
    // re-orthogonalise against the columns already set (rounding, and the completion)
    let ok = orthonormalizeAgainst(col, cols);
    for (let unit = 0; !ok && unit < p; unit++) {
      col.fill(0);
      col[unit] = 1;
      ok = orthonormalizeAgainst(col, cols);
    }
    cols.push(col);
    Ucols[kk] = col;
  }
  // Q = U Vᵀ: Q[i][j] = Σ_k U[i][k] V[j][k]
  const Q = new Float64Array(p * p);
  for (let k = 0; k < p; k++) {
    const u = Ucols[k];
    for (let j = 0; j < p; j++) Av[j] = V[j * p + k];
    for (let i = 0; i < p; i++) {
      const ui = u[i];
      if (ui === 0) continue;
      const ri = i * p;
      for (let j = 0; j < p; j++) Q[ri + j] += ui * Av[j];
    }
  }
  return Q;
}

const norm2 = (v: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};

/** Gram–Schmidt (twice) of col against the unit columns `cols`; false if nothing of col is left */
function orthonormalizeAgainst(col: Float64Array, cols: readonly Float64Array[]): boolean {
  const before = norm2(col);
  if (before === 0) return false;
  const p = col.length;
  for (let pass = 0; pass < 2; pass++) {
    for (const c of cols) {
      let s = 0;
      for (let i = 0; i < p; i++) s += c[i] * col[i];
      for (let i = 0; i < p; i++) col[i] -= s * c[i];
    }
  }
  const after = norm2(col);
  if (!(after > 1e-8 * before)) return false;
  for (let i = 0; i < p; i++) col[i] /= after;
  return true;
}
