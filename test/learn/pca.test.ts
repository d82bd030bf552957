import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { fitPca, pca } from '../../src/learn/pca.ts';
import { ts, f32 } from './helpers.ts';

/**
 * rows = mean + a·u + b·v with orthonormal u, v in 6-D and uncorrelated,
 * zero-mean coefficients: a = ±3, b = ±1 in the pattern (+,+), (−,+), (+,−), (−,−)
 * repeated, so the principal axes are exactly u then v (variance 9·n/(n−1) vs n/(n−1)).
 */
function rank2(n: number, _seed: number) {
  const u = [1, 1, 0, 0, 1, 1].map((x) => x / 2);
  const v = [1, -1, 1, -1, 0, 0].map((x) => x / 2);
  const mean = [1, 2, 3, 4, 5, 6];
  const pattern = [[3, 1], [-3, 1], [3, -1], [-3, -1]];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = pattern[i % 4];
    rows.push(mean.map((m, j) => m + a * u[j] + b * v[j]));
  }
  return { rows, u, v };
}

for (const n of [4, 8]) {
  test(`PCA reconstructs a rank-2 dataset exactly and orders components (n = ${n}, ${n <= 6 ? 'Gram trick' : 'covariance'})`, () => {
    const { rows, u, v } = rank2(n, n);
    const f = fitPca(f32(rows));
    assert.equal(f.components.length, 2, 'rank truncation keeps exactly the 2 real components');
    assert.ok(Math.abs(f.explainedVariance[0] - (9 * n) / (n - 1)) < 1e-5);
    assert.ok(Math.abs(f.explainedVariance[1] - n / (n - 1)) < 1e-5);
    assert.ok(Math.abs(f.explainedVarianceRatio[0] + f.explainedVarianceRatio[1] - 1) < 1e-9);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((acc, x, j) => acc + x * b[j], 0);
    assert.ok(Math.abs(Math.abs(dot(f.components[0], u)) - 1) < 1e-6, 'first axis is u');
    assert.ok(Math.abs(Math.abs(dot(f.components[1], v)) - 1) < 1e-6, 'second axis is v');
    const back = f.inverseTransform(f.transform(f32(rows)));
    rows.forEach((r, i) => r.forEach((x, j) => assert.ok(Math.abs(back[i][j] - x) < 1e-4, `row ${i} col ${j}`)));
    // sample variance of the scores equals the explained variance
    const z = f.transform(f32(rows)).map((r) => r[0]);
    const m = z.reduce((a, b) => a + b, 0) / n;
    const varz = z.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
    assert.ok(Math.abs(varz / f.explainedVariance[0] - 1) < 1e-5);
  });
}

test('PCA: Gram trick and covariance route give the same components', () => {
  const { rows } = rank2(4, 3); // n = 4 < d → Gram route
  const a = fitPca(f32(rows));
  const b = fitPca(f32([...rows, ...rows])); // n = 8 > d → covariance route, same axes
  for (let c = 0; c < 2; c++) for (let j = 0; j < 6; j++) assert.ok(Math.abs(a.components[c][j] - b.components[c][j]) < 1e-6);
});

test('PCA options: components, varianceKept, whiten', () => {
  const { rows } = rank2(20, 5);
  assert.equal(fitPca(f32(rows), { components: 1 }).components.length, 1);
  const f = fitPca(f32(rows), { varianceKept: 0.5 });
  assert.equal(f.components.length, 1);
  assert.equal(fitPca(f32(rows), { varianceKept: 1 }).components.length, 2);
  const w = fitPca(f32(rows), { whiten: true });
  const z = w.transform(f32(rows)).map((r) => r[1]);
  const m = z.reduce((s, x) => s + x, 0) / z.length;
  const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / (z.length - 1);
  assert.ok(Math.abs(v - 1) < 1e-4);
  assert.throws(() => fitPca(f32(rows), { components: 1, varianceKept: 0.9 }), (e) => isMerError(e) && e.code === 'BAD_OPTION');
  assert.throws(() => fitPca(f32([[1, 2], [1, 2]])), (e) => isMerError(e) && e.code === 'BAD_INPUT');
});

test('PCA is fitted on the rows it sees only: the mean is that of A', async () => {
  const A = ts([[0, 0], [2, 0], [0, 2], [2, 2]], [0, 0, 1, 1], 2);
  const f = (await pca({}).fit(A)) as ReturnType<typeof fitPca>;
  assert.deepEqual(Array.from(f.mean), [1, 1]);
  // a far-away test row does not move the fitted mean
  f.transform(f32([[100, 100]]));
  assert.deepEqual(Array.from(f.mean), [1, 1]);
});
