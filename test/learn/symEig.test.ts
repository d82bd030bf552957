import { test } from 'node:test';
import assert from 'node:assert/strict';
import { polarFactor, symEig } from '../../src/learn/symEig.ts';
import { symmetricEigen } from '../../src/learn/pca.ts';
import { Rng } from '../../src/core/rng.ts';

function randSym(n: number, rng: Rng): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  return A;
}

test('symEig: A·v = λ·v, orthonormal vectors, ascending values equal to ml-matrix\'s', () => {
  const rng = new Rng(1);
  for (const n of [1, 2, 5, 37, 120]) {
    const A = randSym(n, rng);
    const { values, vectors: V } = symEig(A, n);
    const ref = symmetricEigen(A, n).values.slice().reverse();
    for (let k = 0; k < n; k++) {
      assert.ok(Math.abs(values[k] - ref[k]) < 1e-9 * Math.max(1, Math.abs(ref[k])), `n ${n}: λ${k} ${values[k]} vs ${ref[k]}`);
      if (k > 0) assert.ok(values[k] >= values[k - 1]);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += A[i * n + j] * V[j * n + k];
        assert.ok(Math.abs(av - values[k] * V[i * n + k]) < 1e-9, `n ${n}: residual at (${i}, ${k})`);
      }
      for (let k2 = 0; k2 <= k; k2++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += V[i * n + k] * V[i * n + k2];
        assert.ok(Math.abs(s - (k === k2 ? 1 : 0)) < 1e-10, `n ${n}: vᵀv (${k}, ${k2}) = ${s}`);
      }
    }
  }
  // repeated eigenvalues and a rank-deficient (Laplacian-like) matrix
  const n = 6;
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) L[i * n + j] = i === j ? n - 1 : -1;
  const e = symEig(L, n);
  assert.ok(Math.abs(e.values[0]) < 1e-12 && e.values.slice(1).every((v) => Math.abs(v - n) < 1e-12), `${e.values}`);
  assert.deepEqual(symEig(L, n), e);
  // a scatter matrix XᵀLX of 20 points in 120 dimensions: 100 eigenvalues at rounding level
  // (their couplings never shrink relative to themselves; symEig once gave up on such a matrix)
  const m = 20, d = 120;
  const Xr = Float64Array.from({ length: m * d }, () => 0.01 * rng.normal());
  const Lg = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) if (rng.uniform() < 0.3) {
    const w = (rng.uniform() < 0.5 ? -1 : 1) * rng.uniform();
    Lg[i * m + j] -= w; Lg[j * m + i] -= w; Lg[i * m + i] += w; Lg[j * m + j] += w;
  }
  const M = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) s += Xr[i * d + a] * Lg[i * m + j] * Xr[j * d + b];
    M[a * d + b] = s;
  }
  const em = symEig(M, d);
  let worst = 0;
  for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) {
    let av = 0;
    for (let j = 0; j < d; j++) av += M[i * d + j] * em.vectors[j * d + k];
    worst = Math.max(worst, Math.abs(av - em.values[k] * em.vectors[i * d + k]));
  }
  assert.ok(worst < 1e-12, `residual ${worst}`);
  assert.throws(() => symEig(new Float64Array(5), 2), /expected 2×2/);
});

function isOrthogonal(Q: Float64Array, p: number): number {
  let worst = 0;
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += Q[i * p + a] * Q[i * p + b];
    worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
  }
  return worst;
}
const trace = (Q: Float64Array, A: Float64Array) => Q.reduce((s, v, i) => s + v * A[i], 0); // tr(QᵀA)

test('polarFactor: orthogonal, maximises tr(QᵀA), equals A when A is orthogonal, copes with rank deficiency', () => {
  const rng = new Rng(2);
  const p = 12;
  const A = Float64Array.from({ length: p * p }, () => rng.normal());
  const Q = polarFactor(A, p);
  assert.ok(isOrthogonal(Q, p) < 1e-12);
  // Q·(QᵀA) is symmetric positive semi-definite: QᵀA = V Σ Vᵀ
  const S = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) for (let i = 0; i < p; i++) S[a * p + b] += Q[i * p + a] * A[i * p + b];
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) assert.ok(Math.abs(S[a * p + b] - S[b * p + a]) < 1e-10);
  // no other orthogonal matrix does better (random ones, and Q perturbed by a small rotation)
  for (let t = 0; t < 20; t++) {
    const R = polarFactor(Float64Array.from({ length: p * p }, () => rng.normal()), p);
    assert.ok(trace(R, A) < trace(Q, A));
  }
  assert.ok(isOrthogonal(polarFactor(Q, p), p) < 1e-12);
  polarFactor(Q, p).forEach((v, i) => assert.ok(Math.abs(v - Q[i]) < 1e-10));
  // rank 3 of 12: still an orthogonal matrix, and still maximal on A's range
  const B = new Float64Array(p * p);
  for (let r = 0; r < 3; r++) {
    const u = Array.from({ length: p }, () => rng.normal()), v = Array.from({ length: p }, () => rng.normal());
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) B[i * p + j] += u[i] * v[j];
  }
  const QB = polarFactor(B, p);
  assert.ok(isOrthogonal(QB, p) < 1e-10);
  for (let t = 0; t < 20; t++) assert.ok(trace(polarFactor(Float64Array.from({ length: p * p }, () => rng.normal()), p), B) <= trace(QB, B) + 1e-9);
  const Z = polarFactor(new Float64Array(p * p), p);
  assert.ok(isOrthogonal(Z, p) < 1e-12);
});
