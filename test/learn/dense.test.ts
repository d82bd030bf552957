import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gramTN, luFactor, matNN, matTN, solveRight } from '../../src/learn/dense.ts';
import { Rng } from '../../src/core/rng.ts';

const rand = (n: number, rng: Rng) => Float64Array.from({ length: n }, () => rng.normal());

test('tiled products equal the plain triple loops for every remainder of the 4×4 tiles', () => {
  const rng = new Rng(4);
  for (const [d, p, q] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [9, 7, 6], [17, 13, 11], [36, 22, 22]]) {
    const A = rand(d * p, rng), B = rand(p * q, rng), Bt = rand(d * q, rng);
    const nn = matNN(A, B, d, p, q), tn = matTN(A, Bt, d, p, q), g = gramTN(A, d, p);
    for (let i = 0; i < d; i++) for (let j = 0; j < q; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += A[i * p + k] * B[k * q + j];
      assert.ok(Math.abs(nn[i * q + j] - s) < 1e-12, `matNN ${d}×${p}×${q} at ${i},${j}`);
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += A[i * p + a] * Bt[i * q + b];
      assert.ok(Math.abs(tn[a * q + b] - s) < 1e-12, `matTN ${d}×${p}×${q} at ${a},${b}`);
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += A[i * p + a] * A[i * p + b];
      assert.ok(Math.abs(g[a * p + b] - s) < 1e-12, `gramTN ${d}×${p} at ${a},${b}`);
    }
  }
});

test('solveRight: Y·M = B through the pivoted LU of M', () => {
  const rng = new Rng(5);
  for (const [d, n] of [[1, 1], [5, 3], [30, 17]]) {
    const M = rand(n * n, rng);
    if (n > 1) M[0] = 0; // forces a row exchange
    const B = rand(d * n, rng);
    const Y = solveRight(B, d, luFactor(M, n));
    const YM = matNN(Y, M, d, n, n);
    YM.forEach((v, i) => assert.ok(Math.abs(v - B[i]) < 1e-9, `${d}×${n}: ${v} vs ${B[i]}`));
  }
  assert.throws(() => luFactor(new Float64Array(4), 2), /singular/);
});
