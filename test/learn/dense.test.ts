import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gramTN, inverse, matNN, matNNJs, matTN, matTNJs } from '../../src/learn/dense.ts';
import { wasmGemmAvailable } from '../../src/learn/gemmWasm.ts';
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

test('the wasm SIMD product gives the same bits as the JavaScript tiles (both layouts, padded sizes)', (t) => {
  if (!wasmGemmAvailable()) {
    t.skip('no WebAssembly SIMD in this runtime');
    return;
  }
  const rng = new Rng(6);
  for (const [d, p, q] of [[30, 17, 23], [36, 22, 22], [64, 40, 41], [177, 106, 106]]) {
    const A = rand(d * p, rng), B = rand(p * q, rng), Bt = rand(d * q, rng);
    assert.deepEqual(matNN(A, B, d, p, q), matNNJs(A, B, d, p, q), `matNN ${d}×${p}×${q}`);
    assert.deepEqual(matTN(A, Bt, d, p, q), matTNJs(A, Bt, d, p, q), `matTN ${d}×${p}×${q}`);
    const g = gramTN(A, d, p);
    assert.deepEqual(g, matTNJs(A, A, d, p, p), `gramTN ${d}×${p}`);
  }
});

test('inverse: M·M⁻¹ = I with row exchanges; a singular matrix is refused', () => {
  const rng = new Rng(5);
  for (const n of [1, 3, 17, 40]) {
    const M = rand(n * n, rng);
    if (n > 1) M[0] = 0; // forces a row exchange
    const I = matNN(M, inverse(M, n), n, n, n);
    I.forEach((v, i) => assert.ok(Math.abs(v - (i % (n + 1) === 0 ? 1 : 0)) < 1e-9, `n ${n} at ${i}: ${v}`));
  }
  assert.throws(() => inverse(new Float64Array(4), 2), /singular/);
});
