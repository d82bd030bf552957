import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orthogonalityError, stiefelMinimize } from '../../src/learn/stiefel.ts';
import { mmfl, mmflBlock, mmflBlockWeights, mmflScatter } from '../../src/learn/mmfl.ts';
import { Rng } from '../../src/core/rng.ts';

function randomOrthonormal(d: number, p: number, rng: Rng): Float64Array {
  const W = new Float64Array(d * p).map(() => rng.normal());
  for (let c = 0; c < p; c++) {
    for (let q = 0; q < c; q++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += W[i * p + c] * W[i * p + q];
      for (let i = 0; i < d; i++) W[i * p + c] -= s * W[i * p + q];
    }
    let s = 0;
    for (let i = 0; i < d; i++) s += W[i * p + c] ** 2;
    for (let i = 0; i < d; i++) W[i * p + c] /= Math.sqrt(s);
  }
  return W;
}

test('Stiefel curvilinear search: stays orthonormal to 1e-8 and reaches the eigenvalue optimum of tr(XᵀMX)', () => {
  // M = Qᵀ diag(1..8) Q for a random rotation Q: min over 8×3 orthonormal X is 1 + 2 + 3 = 6
  const d = 8, p = 3;
  const rng = new Rng(5);
  const Q = randomOrthonormal(d, d, rng);
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += Q[k * d + i] * (k + 1) * Q[k * d + j];
    M[i * d + j] = s;
  }
  const fun = (X: Float64Array) => {
    const G = new Float64Array(d * p);
    let F = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += M[i * d + k] * X[k * p + j];
      G[i * p + j] = 2 * s;
      F += X[i * p + j] * s;
    }
    return { F, G };
  };
  const X0 = randomOrthonormal(d, p, rng);
  const r = stiefelMinimize(fun, X0, d, p, { maxIter: 500, gtol: 1e-9 });
  assert.ok(orthogonalityError(r.X, d, p) < 1e-8, `orthogonality ${orthogonalityError(r.X, d, p)}`);
  assert.ok(r.F < r.history[0], 'objective decreased');
  assert.ok(Math.abs(r.F - 6) < 1e-6, `F = ${r.F}`);
});

test('MMFL scatter: H_intra / H_inter of a hand-checkable 1-D problem', () => {
  // x = 0, 1 (class 0), 3 (class 1); k = 1; σ = 100: a = exp(−d²/σ)
  const X = new Float64Array([0, 1, 3]);
  const { inter, intra } = mmflScatter(X, 3, 1, [0, 0, 1], 2, { kInter: 1, kIntra: 1, sigma: 100 });
  // class 0 intra: 0↔1 twice (from each side): 2·exp(−1/100)·1
  assert.ok(Math.abs(intra[0][0] - 2 * Math.exp(-0.01)) < 1e-12);
  // class 0 inter: 0→3 (9), 1→3 (4): 9e^{−0.09} + 4e^{−0.04}
  assert.ok(Math.abs(inter[0][0] - (9 * Math.exp(-0.09) + 4 * Math.exp(-0.04))) < 1e-12);
  // class 1 inter: 3→1 (nearest other-class point): 4e^{−0.04}; intra: none
  assert.ok(Math.abs(inter[1][0] - 4 * Math.exp(-0.04)) < 1e-12);
  assert.equal(intra[1][0], 0);
});

test('MMFL block mappings are orthonormal and the alternating objective does not increase', () => {
  const rng = new Rng(9);
  const n = 30, d = 6;
  const y = Array.from({ length: n }, (_, i) => i % 3);
  const X = new Float64Array(n * d).map((_, i) => rng.normal() + (Math.floor(i / d) % 3 === i % d ? 2 : 0));
  const b = mmflBlock(X, n, d, y, 3, rng, { kInter: 5, kIntra: 3, alpha: 0.5, init: 'random', tMax: 8, stiefel: { maxIter: 30 } });
  assert.equal(b.h, 4); // round(0.6 · 6)
  for (const W of b.W) assert.ok(orthogonalityError(W!, d, b.h) < 1e-8);
  for (let r = 1; r < b.objective.length; r++) assert.ok(b.objective[r] <= b.objective[r - 1] + 1e-6, `outer ${r}: ${b.objective}`);
});

test('nummost block weights: candidates counted per class, low frequencies dropped', () => {
  // 3 blocks, nummost 1; class 0 clips favour block 2 (twice) and block 0 once
  const w = mmflBlockWeights([[5, 1, 9], [1, 2, 8], [9, 1, 3], [1, 7, 2]], [0, 0, 0, 1], 2, 1);
  // class 0: f = [1, 0, 2], mean of non-zero 1.5 → block 0 dropped → [0, 0, 1]
  assert.deepEqual(w[0], [0, 0, 1]);
  assert.deepEqual(w[1], [0, 1, 0]);
});

/** toy clips: 4 blocks × 8 dims; class-specific signal in different blocks */
function toyBlocks(seed: number, perClass: number, subjects: number) {
  const rng = new Rng(seed);
  const X: Float32Array[] = [], y: number[] = [], ids: string[] = [], subs: string[] = [];
  for (let s = 0; s < subjects; s++) for (let c = 0; c < 3; c++) for (let r = 0; r < perClass; r++) {
    const x = new Float32Array(32).map(() => 0.5 + 0.3 * rng.normal());
    // class c: block c gets a bump on dims 0..2
    for (let k = 0; k < 3; k++) x[c * 8 + k] += 0.45;
    X.push(x);
    y.push(c);
    ids.push(`toy/s${s}/c${c}r${r}`);
    subs.push(`toy/s${s}`);
  }
  return { X, y, ids, subs };
}

test('MMFL learner on a toy block problem beats chance (1/3) clearly on held-out subjects', async () => {
  const train = toyBlocks(1, 4, 5);
  const test = toyBlocks(2, 4, 2);
  const learner = mmfl({ blocks: 4, blockDim: 8, kInter: 5, kIntra: 3, tMax: 3 });
  const model = await learner.fit({ X: train.X, y: train.y, ids: train.ids, subjects: train.subs, classes: ['a', 'b', 'c'], rng: new Rng(3) });
  const pred = model.predict(test.X);
  const acc = pred.filter((p, i) => p.pred === test.y[i]).length / pred.length;
  assert.ok(acc >= 0.7, `accuracy ${acc}`);
  assert.equal(pred[0].scores.length, 3);
  const nr = await mmfl({ blocks: 4, blockDim: 8, kInter: 5, kIntra: 3, variant: 'nr' }).fit({ X: train.X, y: train.y, ids: train.ids, subjects: train.subs, classes: ['a', 'b', 'c'], rng: new Rng(3) });
  const accNr = nr.predict(test.X).filter((p, i) => p.pred === test.y[i]).length / test.X.length;
  assert.ok(accNr >= 0.6, `NR accuracy ${accNr}`);
  assert.throws(() => mmfl({ blocks: 4, blockDim: 8, weighting: 'active' }), /strain/);
});
