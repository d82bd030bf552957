import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orthogonalityError, stiefelMinimize } from '../../src/learn/stiefel.ts';
import { mmfl, mmflBlock, mmflBlockWeights, mmflClassMatrices, mmflScatter } from '../../src/learn/mmfl.ts';
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

test('MMFL scatter = the brute-force sum over each point\'s nearest neighbours (sorted, ties by index); M_c = H_intra,c − H_inter,c', () => {
  const rng = new Rng(12);
  const n = 40, d = 4, k1 = 6, k2 = 3;
  const y = Array.from({ length: n }, (_, i) => i % 3);
  // integer coordinates: many equal distances, so the tie rule matters
  const X = new Float64Array(n * d).map(() => Math.floor(3 * rng.uniform()));
  const { inter, intra } = mmflScatter(X, n, d, y, 3, { kInter: k1, kIntra: k2, sigma: 5 });
  for (let c = 0; c < 3; c++) {
    const ri = new Float64Array(d * d), ra = new Float64Array(d * d);
    for (let j = 0; j < n; j++) {
      if (y[j] !== c) continue;
      const d2 = (p: number) => Array.from({ length: d }, (_, k) => (X[j * d + k] - X[p * d + k]) ** 2).reduce((a, b) => a + b, 0);
      const order = (same: boolean) => Array.from({ length: n }, (_, p) => p).filter((p) => p !== j && (y[p] === c) === same).sort((a, b) => d2(a) - d2(b) || a - b);
      for (const [list, H] of [[order(false).slice(0, k1), ri], [order(true).slice(0, k2), ra]] as const) {
        for (const p of list) {
          const a = Math.exp(-d2(p) / 5);
          for (let u = 0; u < d; u++) for (let v = 0; v < d; v++) H[u * d + v] += a * (X[j * d + u] - X[p * d + u]) * (X[j * d + v] - X[p * d + v]);
        }
      }
    }
    ri.forEach((v, i) => assert.ok(Math.abs(v - inter[c][i]) < 1e-9, `class ${c} inter ${i}: ${v} vs ${inter[c][i]}`));
    ra.forEach((v, i) => assert.ok(Math.abs(v - intra[c][i]) < 1e-9, `class ${c} intra ${i}`));
  }
  const M = mmflClassMatrices(X, n, d, y, 3, { kInter: k1, kIntra: k2, sigma: 5 });
  M.forEach((m, c) => m.forEach((v, i) => assert.ok(Math.abs(v - (intra[c][i] - inter[c][i])) < 1e-9)));
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

/** dense Cayley step Y = (I + τ/2 A)⁻¹ (I − τ/2 A) X, A = G Xᵀ − X Gᵀ, by Gaussian elimination (reference for the p×p form) */
function denseCayley(X: Float64Array, G: Float64Array, d: number, p: number, tau: number): Float64Array {
  const s = tau / 2;
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let v = 0;
    for (let k = 0; k < p; k++) v += G[i * p + k] * X[j * p + k] - X[i * p + k] * G[j * p + k];
    A[i * d + j] = v;
  }
  const L = new Float64Array(d * d), R = new Float64Array(d * p);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) L[i * d + j] = (i === j ? 1 : 0) + s * A[i * d + j];
    for (let j = 0; j < p; j++) {
      let v = X[i * p + j];
      for (let k = 0; k < d; k++) v -= s * A[i * d + k] * X[k * p + j];
      R[i * p + j] = v;
    }
  }
  for (let k = 0; k < d; k++) {
    let piv = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(L[i * d + k]) > Math.abs(L[piv * d + k])) piv = i;
    for (let j = 0; j < d; j++) [L[k * d + j], L[piv * d + j]] = [L[piv * d + j], L[k * d + j]];
    for (let j = 0; j < p; j++) [R[k * p + j], R[piv * p + j]] = [R[piv * p + j], R[k * p + j]];
    for (let i = 0; i < d; i++) {
      if (i === k) continue;
      const f = L[i * d + k] / L[k * d + k];
      for (let j = 0; j < d; j++) L[i * d + j] -= f * L[k * d + j];
      for (let j = 0; j < p; j++) R[i * p + j] -= f * R[k * p + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < p; j++) R[i * p + j] /= L[i * d + i];
  return R;
}

test('Stiefel: the p×p (Schur complement) Cayley step equals the dense d×d Cayley transform, p > d/2 and p < d/2', () => {
  for (const [d, p] of [[7, 5], [9, 2]]) {
    const rng = new Rng(11 + d);
    const X0 = randomOrthonormal(d, p, rng);
    const C = new Float64Array(d * p).map(() => rng.normal());
    // F = ⟨C, X⟩ (linear: G = C everywhere); a tiny first step is accepted by Armijo at once
    const fun = (X: Float64Array) => ({ F: X.reduce((s, v, i) => s + v * C[i], 0), G: new Float64Array(C) });
    const tau = 1e-3;
    const r = stiefelMinimize(fun, X0, d, p, { maxIter: 1, tau });
    assert.equal(r.iterations, 1);
    const ref = denseCayley(X0, C, d, p, tau);
    let worst = 0;
    for (let i = 0; i < d * p; i++) worst = Math.max(worst, Math.abs(r.X[i] - ref[i]));
    assert.ok(worst < 1e-12, `d ${d}, p ${p}: max |Δ| ${worst}`);
    assert.ok(r.F < r.history[0]);
  }
});

test('Stiefel: orthonormality holds over many steps (periodic re-orthonormalisation of the reduced form)', () => {
  // F = tr(XᵀMX) for a random symmetric M, p > d/2, every stopping rule off
  const d = 12, p = 8;
  const rng = new Rng(21);
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) M[i * d + j] = M[j * d + i] = rng.normal();
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
  const r = stiefelMinimize(fun, randomOrthonormal(d, p, rng), d, p, { maxIter: 300, gtol: 0, xtol: 0, ftol: 0 });
  assert.ok(orthogonalityError(r.X, d, p) < 1e-10, `orthogonality ${orthogonalityError(r.X, d, p)}`);
});

test('NR (α = 0) block mappings reach the sum of the h smallest eigenvalues of H_intra − H_inter', async () => {
  const { symmetricEigen } = await import('../../src/learn/pca.ts');
  const rng = new Rng(4);
  const n = 24, d = 5;
  const y = Array.from({ length: n }, (_, i) => i % 2);
  const X = new Float64Array(n * d).map((_, i) => rng.normal() + (y[Math.floor(i / d)] === 1 && i % d === 0 ? 1.5 : 0));
  const opts = { kInter: 4, kIntra: 3, sigma: 10 };
  const b = mmflBlock(X, n, d, y, 2, rng, { ...opts, variant: 'nr' });
  const { inter, intra } = mmflScatter(X, n, d, y, 2, opts);
  let expected = 0;
  for (let c = 0; c < 2; c++) {
    const M = intra[c].map((v, k) => v - inter[c][k]);
    const vals = symmetricEigen(M, d).values.slice().sort((a, b2) => a - b2);
    expected += vals.slice(0, b.h).reduce((s, v) => s + v, 0);
  }
  assert.equal(b.h, 3);
  assert.ok(Math.abs(b.objective[0] - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${b.objective[0]} vs ${expected}`);
});

test('MMFL inner-CV tuning: picks from the candidates on training subjects only, deterministic, bad lists rejected', async () => {
  const train = toyBlocks(1, 3, 4);
  const test = toyBlocks(2, 3, 2);
  const set = { X: train.X, y: train.y, ids: train.ids, subjects: train.subs, classes: ['a', 'b', 'c'] };
  const learner = mmfl({ blocks: 4, blockDim: 8, kInter: 4, kIntra: 2, tMax: 2, tune: { C: [1, 100], alpha: [0.001, 0.1], folds: 2 } });
  const m1 = await learner.fit({ ...set, rng: new Rng(3) });
  const m2 = await learner.fit({ ...set, rng: new Rng(3) });
  const p1 = m1.predict(test.X), p2 = m2.predict(test.X);
  assert.deepEqual(p1.map((p) => p.scores), p2.map((p) => p.scores));
  const acc = p1.filter((p, i) => p.pred === test.y[i]).length / p1.length;
  assert.ok(acc >= 0.6, `accuracy ${acc}`);
  assert.throws(() => mmfl({ blocks: 4, blockDim: 8, tune: { C: [] } }), /tune/);
  assert.throws(() => mmfl({ blocks: 4, blockDim: 8, tune: { alpha: [-1] } }), /tune/);
});

test("MMFL score 'prior-corrected' = logit(Platt probability) − logit(training class frequency), same machines", async () => {
  const all = toyBlocks(1, 4, 4);
  // imbalance: drop half of class 2 → priors 16/40, 16/40, 8/40
  const keep = all.y.map((c, i) => c !== 2 || i % 2 === 0);
  const pick = <T,>(a: T[]) => a.filter((_, i) => keep[i]);
  const set = { X: pick(all.X), y: pick(all.y), ids: pick(all.ids), subjects: pick(all.subs), classes: ['a', 'b', 'c'] };
  assert.deepEqual([0, 1, 2].map((c) => set.y.filter((v) => v === c).length), [16, 16, 8]);
  const test2 = toyBlocks(2, 2, 1);
  const base = { blocks: 4, blockDim: 8, kInter: 4, kIntra: 2, tMax: 2 };
  const plain = (await mmfl(base).fit({ ...set, rng: new Rng(5) })).predict(test2.X);
  const corr = (await mmfl({ ...base, svm: { score: 'prior-corrected' } }).fit({ ...set, rng: new Rng(5) })).predict(test2.X);
  const logit = (p: number) => Math.log(p / (1 - p));
  const priors = [0.4, 0.4, 0.2];
  plain.forEach((p, j) => p.scores.forEach((s, c) => assert.ok(Math.abs(corr[j].scores[c] - (logit(s) - logit(priors[c]))) < 1e-9)));
});
