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
import { gramTN, matNN } from './dense.ts';

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
  // Z: the full symmetric matrix (from its lower triangle), then the
  // accumulated orthogonal transform, TRANSPOSED (row k = column k of Q), so
  // every inner loop runs along a row
  const Z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) Z[i * n + j] = Z[j * n + i] = A[i * n + j];
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
 * Householder tridiagonalisation (Golub & Van Loan, Alg. 8.3.1) of the
 * symmetric matrix Z (row-major, FULL — both triangles), in place: for
 * k = 0 … n−3 the reflector H_k = I − β v vᵀ zeroes column k below the
 * subdiagonal, and the trailing block is updated by the symmetric rank-2
 * update A ← A − v wᵀ − w vᵀ, w = p − (β pᵀv / 2) v, p = β A v — on both
 * triangles, so every inner loop runs along a row. Afterwards dg = diagonal,
 * e[i] = element (i, i−1) (e[0] = 0) and Z = Qᵀ with A = Q·T·Qᵀ,
 * Q = H_0 ⋯ H_{n−3} (accumulated backwards, on the trailing block only).
 */
function tridiagonalize(Z: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  const vs: Float64Array[] = [];
  const betas = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const m = n - k - 1; // length of the part below the diagonal
    const rk = k * n;
    // x = A[k+1:, k] = A[k, k+1:] (row k, by symmetry)
    let sigma = 0;
    for (let i = 1; i < m; i++) sigma += Z[rk + k + 1 + i] ** 2;
    const x0 = Z[rk + k + 1];
    const v = new Float64Array(m);
    v[0] = 1;
    for (let i = 1; i < m; i++) v[i] = Z[rk + k + 1 + i];
    let beta = 0;
    let alpha = x0; // the new subdiagonal element
    if (sigma > 0) {
      const mu = Math.sqrt(x0 * x0 + sigma);
      const v0 = x0 <= 0 ? x0 - mu : -sigma / (x0 + mu);
      beta = (2 * v0 * v0) / (sigma + v0 * v0);
      for (let i = 1; i < m; i++) v[i] /= v0;
      alpha = mu;
    }
    vs.push(v);
    betas[k] = beta;
    // row / column k
    Z[rk + k + 1] = alpha;
    Z[(k + 1) * n + k] = alpha;
    for (let i = 1; i < m; i++) {
      Z[rk + k + 1 + i] = 0;
      Z[(k + 1 + i) * n + k] = 0;
    }
    if (beta === 0) continue;
    // p = β A' v on the trailing block A' = A[k+1:, k+1:]
    let pv = 0;
    for (let i = 0; i < m; i++) {
      const ri = (k + 1 + i) * n + k + 1;
      let s = 0;
      for (let j = 0; j < m; j++) s += Z[ri + j] * v[j];
      p[i] = beta * s;
      pv += p[i] * v[i];
    }
    const c = (beta * pv) / 2;
    for (let i = 0; i < m; i++) p[i] -= c * v[i]; // p is now w
    for (let i = 0; i < m; i++) {
      const ri = (k + 1 + i) * n + k + 1;
      const vi = v[i], wi = p[i];
      for (let j = 0; j < m; j++) Z[ri + j] -= vi * p[j] + wi * v[j];
    }
  }
  for (let i = 0; i < n; i++) dg[i] = Z[i * n + i];
  e[0] = 0;
  for (let i = 1; i < n; i++) e[i] = Z[i * n + i - 1];
  // Q = H_0 ⋯ H_{n−3}, backwards: Q ← H_k Q touches rows and columns k+1… only
  Z.fill(0);
  for (let i = 0; i < n; i++) Z[i * n + i] = 1;
  const t = new Float64Array(n);
  for (let k = vs.length - 1; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const v = vs[k];
    const m = v.length;
    const c0 = k + 1;
    // t = β vᵀ Q[k+1:, k+1:]
    t.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const vi = beta * v[i];
      if (vi === 0) continue;
      const ri = (c0 + i) * n + c0;
      for (let j = 0; j < m; j++) t[j] += vi * Z[ri + j];
    }
    for (let i = 0; i < m; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      const ri = (c0 + i) * n + c0;
      for (let j = 0; j < m; j++) Z[ri + j] -= vi * t[j];
    }
  }
  // Zt = Qᵀ (rows = Q's columns) for the QL stage
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const tmp = Z[i * n + j];
      Z[i * n + j] = Z[j * n + i];
      Z[j * n + i] = tmp;
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
  // deflate where e is negligible next to its neighbours OR next to the whole
  // matrix (EISPACK's tql2 keeps a running norm for the same reason): a
  // rank-deficient scatter matrix has dozens of eigenvalues at rounding level,
  // whose couplings never become small relative to themselves
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(dg[i]) + Math.abs(e[i]));
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(dg[m]) + Math.abs(dg[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * Math.max(dd, norm)) break;
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
/** at or above this condition number polarFactor builds U column by column (Gram–Schmidt) instead of A·(AᵀA)^(−1/2) */
const POLAR_FAST_COND = 1e6;

/**
 * The orthogonal polar factor Q = U·Vᵀ of a square p×p matrix A = U·Σ·Vᵀ
 * (row-major): the orthogonal matrix that maximises tr(QᵀA). From the
 * eigendecomposition AᵀA = V·Σ²·Vᵀ: when A is well conditioned,
 * Q = A·V·Σ⁻¹·Vᵀ, polished by one Newton–Schulz step Q ← Q(3I − QᵀQ)/2; else
 * the columns of U are A·v_k / σ_k, re-orthogonalised, and where σ_k is
 * (numerically) zero — A says nothing there — completed by Gram–Schmidt
 * against the unit vectors (deterministic).
 */
export function polarFactor(A: Float64Array, p: number): Float64Array {
  const { values, vectors: V } = symEig(gramTN(A, p, p), p);
  const top = Math.sqrt(Math.max(values[p - 1], 0));
  const low = Math.sqrt(Math.max(values[0], 0));
  if (top > 0 && low * POLAR_FAST_COND > top) {
    // S = V Σ⁻¹ Vᵀ, Q = A S
    const VD = new Float64Array(p * p);
    const Vt = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let k = 0; k < p; k++) {
        VD[i * p + k] = V[i * p + k] / Math.sqrt(values[k]);
        Vt[k * p + i] = V[i * p + k];
      }
    }
    const Q = matNN(A, matNN(VD, Vt, p, p, p), p, p, p);
    const S = gramTN(Q, p, p);
    for (let i = 0; i < p * p; i++) S[i] *= -0.5;
    for (let i = 0; i < p; i++) S[i * p + i] += 1.5;
    return matNN(Q, S, p, p, p);
  }
  // the columns of U, in order of decreasing σ
  const cols: Float64Array[] = [];
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
