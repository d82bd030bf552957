/**
 * Feasible curvilinear search on the Stiefel manifold {X ∈ R^{d×p}: XᵀX = I}
 * (Wen & Yin, "A feasible method for optimization with orthogonality
 * constraints", Math. Program. 2013 — their OptStiefelGBB):
 *
 *   A = G Xᵀ − X Gᵀ (skew),   Y(τ) = (I + τ/2·A)⁻¹ (I − τ/2·A) X   (Cayley transform)
 *
 * Y(τ) stays exactly on the manifold for every τ. The step τ starts from the
 * Barzilai–Borwein step (alternating the two BB formulas, as the reference)
 * and is accepted by the non-monotone (Zhang–Hager) Armijo rule
 *   F(Y(τ)) ≤ C − ρ τ ‖∇F‖²,  C_{k+1} = (η Q_k C_k + F_{k+1}) / Q_{k+1}, Q_{k+1} = η Q_k + 1
 * and otherwise shrunk by δ. The (d×d) Cayley system is solved densely (LU
 * with partial pivoting): the MMFL subspaces have p = 0.6 d > d/2, where the
 * low-rank (2p) form of the paper brings nothing.
 */
import { MerError } from '../core/errors.ts';

export interface StiefelOptions {
  /** maximum iterations (default 100) */
  maxIter?: number;
  /** stop when ‖∇F‖_F (Riemannian, X-metric) < gtol (default 1e-6) */
  gtol?: number;
  /** stop when the relative change of F and ‖ΔX‖/√d fall below these (defaults 1e-10, 1e-8) */
  ftol?: number;
  xtol?: number;
  /** Armijo constant ρ (reference 1e-4), shrink δ (reference 0.1), non-monotone weight η (reference 0.85) */
  rho?: number;
  delta?: number;
  eta?: number;
  /** first step τ (reference 1e-3) */
  tau?: number;
}

export interface StiefelResult {
  X: Float64Array;
  F: number;
  iterations: number;
  /** F after each accepted step (F[0] = start) */
  history: number[];
}

/** F and its Euclidean gradient G (d×p, row-major) at X */
export type StiefelObjective = (X: Float64Array) => { F: number; G: Float64Array };

/** Solve (I + s·A) Y = B for a d×d matrix A and d×p right-hand side B (row-major). */
function cayleySolve(A: Float64Array, s: number, B: Float64Array, d: number, p: number): Float64Array {
  const M = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) M[i] = s * A[i];
  for (let i = 0; i < d; i++) M[i * d + i] += 1;
  const Y = new Float64Array(B);
  for (let k = 0; k < d; k++) {
    let piv = k;
    let best = Math.abs(M[k * d + k]);
    for (let i = k + 1; i < d; i++) {
      const v = Math.abs(M[i * d + k]);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (best === 0) throw new MerError('INTERNAL', 'stiefel: singular Cayley system');
    if (piv !== k) {
      for (let j = 0; j < d; j++) {
        const t = M[k * d + j];
        M[k * d + j] = M[piv * d + j];
        M[piv * d + j] = t;
      }
      for (let j = 0; j < p; j++) {
        const t = Y[k * p + j];
        Y[k * p + j] = Y[piv * p + j];
        Y[piv * p + j] = t;
      }
    }
    const mkk = M[k * d + k];
    for (let i = k + 1; i < d; i++) {
      const f = M[i * d + k] / mkk;
      if (f === 0) continue;
      const ri = i * d, rk = k * d;
      for (let j = k + 1; j < d; j++) M[ri + j] -= f * M[rk + j];
      const yi = i * p, yk = k * p;
      for (let j = 0; j < p; j++) Y[yi + j] -= f * Y[yk + j];
    }
  }
  for (let i = d - 1; i >= 0; i--) {
    const yi = i * p;
    for (let k = i + 1; k < d; k++) {
      const f = M[i * d + k];
      if (f === 0) continue;
      const yk = k * p;
      for (let j = 0; j < p; j++) Y[yi + j] -= f * Y[yk + j];
    }
    const mii = M[i * d + i];
    for (let j = 0; j < p; j++) Y[yi + j] /= mii;
  }
  return Y;
}

/** A = G Xᵀ − X Gᵀ (d×d) */
function skew(G: Float64Array, X: Float64Array, d: number, p: number): Float64Array {
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += G[i * p + k] * X[j * p + k] - X[i * p + k] * G[j * p + k];
      A[i * d + j] = s;
      A[j * d + i] = -s;
    }
  }
  return A;
}

/** Riemannian gradient ∇F = G − X Gᵀ X (as the reference's dtX) */
function riemannian(G: Float64Array, X: Float64Array, d: number, p: number): Float64Array {
  const GtX = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += G[i * p + a] * X[i * p + b];
      GtX[a * p + b] = s;
    }
  }
  const R = new Float64Array(G);
  for (let i = 0; i < d; i++) {
    for (let b = 0; b < p; b++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += X[i * p + a] * GtX[a * p + b];
      R[i * p + b] -= s;
    }
  }
  return R;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Minimise F over d×p matrices with orthonormal columns, starting from X0 (which must be feasible). */
export function stiefelMinimize(fun: StiefelObjective, X0: Float64Array, d: number, p: number, opts: StiefelOptions = {}): StiefelResult {
  if (X0.length !== d * p) throw new MerError('INTERNAL', `stiefel: start has ${X0.length} values, expected ${d}×${p}`);
  const maxIter = opts.maxIter ?? 100;
  const gtol = opts.gtol ?? 1e-6;
  const ftol = opts.ftol ?? 1e-10;
  const xtol = opts.xtol ?? 1e-8;
  const rho = opts.rho ?? 1e-4;
  const delta = opts.delta ?? 0.1;
  const eta = opts.eta ?? 0.85;
  let tau = opts.tau ?? 1e-3;
  let X: Float64Array = new Float64Array(X0);
  let { F, G } = fun(X);
  let A = skew(G, X, d, p);
  let dtX = riemannian(G, X, d, p);
  let nrmG2 = dot(dtX, dtX);
  let Q = 1;
  let Cval = F;
  const history = [F];
  let it = 0;
  for (; it < maxIter; it++) {
    if (Math.sqrt(nrmG2) < gtol) break;
    const Xp = X, Fp = F, dtXp = dtX;
    // curvilinear search with non-monotone Armijo backtracking
    let Y: Float64Array;
    let next: { F: number; G: Float64Array };
    let tries = 0;
    for (;;) {
      // (I + τ/2 A) Y = (I − τ/2 A) X
      const rhs = new Float64Array(Xp);
      for (let i = 0; i < d; i++) {
        for (let k = 0; k < d; k++) {
          const a = A[i * d + k];
          if (a === 0) continue;
          const f = (tau / 2) * a;
          for (let j = 0; j < p; j++) rhs[i * p + j] -= f * Xp[k * p + j];
        }
      }
      Y = cayleySolve(A, tau / 2, rhs, d, p);
      next = fun(Y);
      // sufficient decrease measured with ‖∇F‖² (the reference's deriv = ρ·‖dtX‖²)
      if (next.F <= Cval - rho * tau * nrmG2 || tries >= 20) break;
      tau *= delta;
      tries++;
    }
    X = Y!;
    F = next!.F;
    G = next!.G;
    history.push(F);
    A = skew(G, X, d, p);
    dtX = riemannian(G, X, d, p);
    nrmG2 = dot(dtX, dtX);
    // Barzilai–Borwein step from S = ΔX, Yg = Δ∇F
    let ss = 0, sy = 0, yy = 0, xdiff = 0;
    for (let i = 0; i < X.length; i++) {
      const s = X[i] - Xp[i];
      const y = dtX[i] - dtXp[i];
      ss += s * s;
      sy += s * y;
      yy += y * y;
      xdiff += s * s;
    }
    sy = Math.abs(sy);
    if (sy > 0 && yy > 0) tau = it % 2 === 0 ? ss / sy : sy / yy;
    tau = Math.min(Math.max(tau, 1e-20), 1e20);
    const Qp = Q;
    Q = eta * Qp + 1;
    Cval = (eta * Qp * Cval + F) / Q;
    const fdiff = Math.abs(Fp - F) / (Math.abs(Fp) + 1);
    if (Math.sqrt(xdiff / d) < xtol && fdiff < ftol) {
      it++;
      break;
    }
  }
  return { X, F, iterations: it, history };
}

/** ‖XᵀX − I‖_max, for tests and sanity checks */
export function orthogonalityError(X: Float64Array, d: number, p: number): number {
  let worst = 0;
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[i * p + a] * X[i * p + b];
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}
