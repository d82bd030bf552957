import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLda, fitLdaAxes, lda, ldaTransform } from '../../src/learn/lda.ts';
import { ts, blobs, f32 } from './helpers.ts';

// Class 0: square around (1, 1): S_w0 = diag(4, 4). Class 1: around (5, 0.5):
// S_w1 = diag(4, 1). S_w = diag(8, 5), μ1 − μ0 = (4, −0.5), so the Fisher
// direction S_w⁻¹(μ1 − μ0) = (0.5, −0.1) ∝ (5, −1) — not the mean difference (8, −1).
const HAND_X = [[0, 0], [2, 0], [0, 2], [2, 2], [4, 0], [6, 0], [4, 1], [6, 1]];
const HAND_Y = [0, 0, 0, 0, 1, 1, 1, 1];
const FISHER = [5 / Math.sqrt(26), -1 / Math.sqrt(26)];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

test('LDA axis matches the hand-computed Fisher direction S_w⁻¹(μ1 − μ0)', () => {
  const f = fitLdaAxes(ts(HAND_X, HAND_Y, 2), { shrinkage: 0 });
  assert.equal(f.axes.length, 1);
  assert.ok(Math.abs(Math.abs(cosine(f.axes[0], FISHER)) - 1) < 1e-9, `axis ${Array.from(f.axes[0])}`);
});

test('LDA with d > n (Gram route) gives the same direction, embedded', () => {
  // embed the 2-D data in 12-D with an orthonormal 2-frame (e1+e5)/√2, (e3−e9)/√2: n = 8 < d = 12
  const s = Math.SQRT1_2;
  const e1 = new Array(12).fill(0); e1[1] = s; e1[5] = s;
  const e2 = new Array(12).fill(0); e2[3] = s; e2[9] = -s;
  const X = HAND_X.map(([a, b]) => e1.map((v, j) => 3 + a * v + b * e2[j]));
  const f = fitLdaAxes(ts(X, HAND_Y, 2), { shrinkage: 0 });
  const expected = e1.map((v, j) => FISHER[0] * v + FISHER[1] * e2[j]);
  assert.ok(Math.abs(Math.abs(cosine(f.axes[0], expected)) - 1) < 1e-6);
  // and with shrinkage the span is still 2-D, so both routes agree exactly
  const g2 = fitLdaAxes(ts(HAND_X, HAND_Y, 2), { shrinkage: 0.3 });
  const g12 = fitLdaAxes(ts(X, HAND_Y, 2), { shrinkage: 0.3 });
  const emb = e1.map((v, j) => g2.axes[0][0] * v + g2.axes[0][1] * e2[j]);
  assert.ok(Math.abs(Math.abs(cosine(g12.axes[0], emb)) - 1) < 1e-6);
});

test('LDA separates two Gaussian blobs; scores are posteriors', async () => {
  const { X, y } = blobs([[0, 0], [4, 1]], 30, 0.7, 3);
  const model = await lda().fit(ts(X, y, 2));
  const test2 = blobs([[0, 0], [4, 1]], 20, 0.7, 4);
  const pred = model.predict(f32(test2.X));
  const acc = pred.filter((p, i) => p.pred === test2.y[i]).length / pred.length;
  assert.ok(acc >= 0.97, `acc ${acc}`);
  for (const p of pred) {
    assert.ok(Math.abs(p.scores[0] + p.scores[1] - 1) < 1e-12);
    assert.equal(p.pred, p.scores[0] > p.scores[1] ? 0 : 1);
  }
});

test('ldaTransform projects to (classes present − 1) dimensions', async () => {
  const { X, y } = blobs([[0, 0, 0], [4, 0, 0], [0, 4, 0]], 10, 0.5, 5);
  const f = await ldaTransform().fit(ts(X, y, 3));
  assert.equal(f.transform(f32([[1, 1, 1]]))[0].length, 2);
});

test('LDA: a single-class training set predicts that class; an absent class scores 0', () => {
  const m1 = fitLda(ts([[0, 1], [1, 0]], [2, 2], 3));
  assert.deepEqual(m1.predict(f32([[5, 5]])), [{ pred: 2, scores: [0, 0, 1] }]);
  const { X, y } = blobs([[0, 0], [3, 3]], 8, 0.5, 6);
  const m = fitLda(ts(X, y.map((v) => (v === 1 ? 2 : 0)), 3));
  for (const p of m.predict(f32(X))) {
    assert.equal(p.scores[1], 0);
    assert.notEqual(p.pred, 1);
  }
});
