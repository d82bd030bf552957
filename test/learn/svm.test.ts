import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { fitSvm, svm, ABSENT_CLASS_SCORE } from '../../src/learn/svm.ts';
import { pairwiseCoupling } from '../../src/learn/svmProbability.ts';
import { libsvmReferencePredict } from '../helpers/libsvmOracle.ts';
import { chi2Dist, kernelValue } from '../../src/learn/kernels.ts';
import { ts, blobs, f32 } from './helpers.ts';

const acc = (pred: { pred: number }[], y: number[]) => pred.filter((p, i) => p.pred === y[i]).length / y.length;
const XOR_X = [[0, 0], [1, 1], [0, 1], [1, 0], [0.1, 0], [0.9, 1], [0, 0.9], [1, 0.1]];
const XOR_Y = [0, 0, 1, 1, 0, 0, 1, 1];

test('linear SVM: separable toy data is classified 100 %', () => {
  const { X, y } = blobs([[0, 0], [5, 5]], 15, 0.8, 1);
  const m = fitSvm(ts(X, y, 2), { kernel: 'linear', C: 1 });
  assert.equal(acc(m.predict(f32(X)), y), 1);
  assert.equal(m.predict(f32([[-3, -3]]))[0].pred, 0);
  assert.equal(m.predict(f32([[8, 8]]))[0].pred, 1);
});

test('XOR: linear kernel fails, RBF succeeds', () => {
  const lin = fitSvm(ts(XOR_X, XOR_Y, 2), { kernel: 'linear', C: 10 });
  assert.ok(acc(lin.predict(f32(XOR_X)), XOR_Y) <= 0.75);
  const rbf = fitSvm(ts(XOR_X, XOR_Y, 2), { kernel: 'rbf', C: 10, gamma: 2 });
  assert.equal(acc(rbf.predict(f32(XOR_X)), XOR_Y), 1);
  const poly = fitSvm(ts(XOR_X, XOR_Y, 2), { kernel: 'poly', C: 10, gamma: 1, coef0: 1, degree: 2 });
  assert.equal(acc(poly.predict(f32(XOR_X)), XOR_Y), 1);
});

test('decisions agree with libsvm’s own predict on the same precomputed kernel', () => {
  const { X, y } = blobs([[0, 0], [1.5, 1]], 20, 1, 2); // overlapping: a real margin problem
  for (const kernel of ['linear', 'rbf'] as const) {
    const m = fitSvm(ts(X, y, 2), { kernel, C: 1, gamma: 0.5 });
    const grid = blobs([[0.75, 0.5]], 40, 1.5, 9).X;
    const ours = m.predict(f32(grid)).map((p) => p.pred);
    const ref = libsvmReferencePredict({ X: f32(X), y }, { kernel, gamma: 0.5, degree: 3, coef0: 0 }, 1, f32(grid));
    assert.deepEqual(ours, ref, kernel);
  }
});

test('class weighting moves the boundary towards the majority class', () => {
  // 1-D: 40 points of class 0 around 0, 6 of class 1 around 1.5, overlapping
  const rng = new Rng(4);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) { X.push([rng.normal(0, 0.8)]); y.push(0); }
  for (let i = 0; i < 6; i++) { X.push([rng.normal(1.5, 0.8)]); y.push(1); }
  const probe = f32(Array.from({ length: 41 }, (_, i) => [-1 + i * 0.1]));
  const ones = (o: Parameters<typeof fitSvm>[1]) => fitSvm(ts(X, y, 2), o).predict(probe).filter((p) => p.pred === 1).length;
  const plain = ones({ kernel: 'linear', C: 1 });
  const balanced = ones({ kernel: 'linear', C: 1, classWeight: 'balanced' });
  const heavy = ones({ kernel: 'linear', C: 1, classWeight: { 1: 20 } });
  assert.ok(balanced > plain, `balanced ${balanced} vs plain ${plain}`);
  assert.ok(heavy > plain, `weighted ${heavy} vs plain ${plain}`);
  const m = fitSvm(ts(X, y, 2), { kernel: 'linear', classWeight: 'balanced' });
  assert.ok(Math.abs(m.info.classWeight![0] - 46 / 80) < 1e-12 && Math.abs(m.info.classWeight![1] - 46 / 12) < 1e-12);
});

test('chi2 kernel on histograms; negative features are MerError BAD_INPUT', () => {
  assert.equal(chi2Dist([1, 0, 2], [0, 1, 2]), 2);
  assert.ok(Math.abs(kernelValue({ kernel: 'chi2', gamma: 0.5, degree: 3, coef0: 0 }, [1, 0], [0, 1]) - Math.exp(-1)) < 1e-15);
  const rng = new Rng(5);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 20; i++) {
    const c = i % 2;
    const h = [0, 0, 0, 0].map((_, b) => (b >> 1 === c ? 3 : 1) + rng.uniform(0, 1));
    const s = h.reduce((a, b) => a + b, 0);
    X.push(h.map((v) => v / s));
    y.push(c);
  }
  const m = fitSvm(ts(X, y, 2), { kernel: 'chi2', C: 10 });
  assert.equal(acc(m.predict(f32(X)), y), 1);
  assert.ok(m.info.gamma! > 0);
  assert.throws(() => fitSvm(ts([[0.5, -0.1], [0.2, 0.3]], [0, 1], 2), { kernel: 'chi2' }), (e) => isMerError(e) && e.code === 'BAD_INPUT' && e.row === 0);
  assert.throws(() => m.predict(f32([[0.1, 0.2, -1, 0.3]])), (e) => isMerError(e) && e.code === 'BAD_INPUT');
});

test('ovo and ovr both work with 4 classes; ovr scores are decision values', () => {
  const { X, y } = blobs([[0, 0], [6, 0], [0, 6], [6, 6]], 10, 0.8, 6);
  for (const multiclass of ['ovo', 'ovr'] as const) {
    const m = fitSvm(ts(X, y, 4), { kernel: 'rbf', C: 10, multiclass });
    const p = m.predict(f32(X));
    assert.equal(acc(p, y), 1, multiclass);
    for (const q of p) assert.equal(q.pred, q.scores.indexOf(Math.max(...q.scores)));
  }
  const ovr = fitSvm(ts(X, y, 4), { kernel: 'linear', multiclass: 'ovr' });
  assert.ok(ovr.predict(f32([[6, 6]]))[0].scores[3] > 0, 'a point deep in class 3 is on its positive side');
});

test('probability outputs sum to 1 (ovo coupling and ovr) and agree with the argmax', () => {
  const { X, y } = blobs([[0, 0], [3, 0], [0, 3]], 12, 1, 7);
  for (const multiclass of ['ovo', 'ovr'] as const) {
    const m = fitSvm(ts(X, y, 3), { kernel: 'rbf', C: 1, probability: true, multiclass });
    for (const p of m.predict(f32(X))) {
      assert.ok(Math.abs(p.scores.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.ok(p.scores.every((s) => s >= 0 && s <= 1));
      assert.equal(p.pred, p.scores.indexOf(Math.max(...p.scores)));
    }
  }
  // pairwise coupling recovers p from consistent pairwise probabilities r_ij = p_i / (p_i + p_j)
  const truth = [0.5, 0.3, 0.2];
  const r = truth.map((pi) => truth.map((pj) => pi / (pi + pj)));
  pairwiseCoupling(r).forEach((v, i) => assert.ok(Math.abs(v - truth[i]) < 1e-3));
});

test('determinism: the same fit twice, in different orders, gives bit-identical scores', () => {
  const A = blobs([[0, 0], [2, 0], [0, 2]], 10, 1, 8);
  const B = blobs([[0, 0], [1, 1], [3, 0]], 9, 1, 9);
  const probe = f32(blobs([[1, 1]], 15, 1.5, 10).X);
  const fitA = () => fitSvm(ts(A.X, A.y, 3, { seed: 11 }), { kernel: 'rbf', probability: true, C: 2 }).predict(probe);
  const fitB = () => fitSvm(ts(B.X, B.y, 3, { seed: 12 }), { kernel: 'rbf', probability: true, C: 2, multiclass: 'ovr' }).predict(probe);
  const a1 = fitA();
  const b1 = fitB();
  const b2 = fitB();
  const a2 = fitA();
  assert.deepEqual(a2, a1);
  assert.deepEqual(b2, b1);
});

test('single-class training set: predicts that class with one-hot scores', async () => {
  const m = await svm({ kernel: 'rbf', probability: true }).fit(ts([[0, 0], [1, 1], [2, 0]], [1, 1, 1], 3));
  assert.deepEqual(m.predict(f32([[9, 9]])), [{ pred: 1, scores: [0, 1, 0] }]);
});

test('a class absent from training is never predicted', () => {
  const { X, y } = blobs([[0, 0], [4, 4]], 6, 0.5, 12);
  const y2 = y.map((v) => v * 2); // classes 0 and 2 of 3
  const ovo = fitSvm(ts(X, y2, 3), { kernel: 'linear' }).predict(f32(X));
  const ovr = fitSvm(ts(X, y2, 3), { kernel: 'linear', multiclass: 'ovr' }).predict(f32(X));
  assert.ok(ovo.every((p) => p.pred !== 1 && p.scores[1] === 0));
  assert.ok(ovr.every((p) => p.pred !== 1 && p.scores[1] === ABSENT_CLASS_SCORE));
  assert.equal(acc(ovo, y2), 1);
});

test('NaN / Infinity features and bad labels are MerError BAD_INPUT', () => {
  const bad = (fn: () => unknown) => assert.throws(fn, (e) => isMerError(e) && e.code === 'BAD_INPUT');
  bad(() => fitSvm(ts([[0, NaN], [1, 1]], [0, 1], 2), { kernel: 'linear' }));
  bad(() => fitSvm(ts([[0, 0], [1, 1]], [0, 5], 2), { kernel: 'linear' }));
  const m = fitSvm(ts([[0, 0], [1, 1]], [0, 1], 2), { kernel: 'linear' });
  bad(() => m.predict(f32([[Infinity, 0]])));
  bad(() => m.predict(f32([[0, 0, 0]])));
  assert.throws(() => svm({ kernel: 'sigmoid' as 'linear' }), (e) => isMerError(e) && e.code === 'BAD_OPTION');
  assert.throws(() => svm({ kernel: 'linear', C: -1 }), (e) => isMerError(e) && e.code === 'BAD_OPTION');
});

test('grid search inside fit picks a sensible C (ties → smaller C) and reports the scores', () => {
  // imbalanced, separable: a tiny C predicts the majority everywhere (low UF1); C = 1 and 100 are perfect
  const X: number[][] = [];
  const y: number[] = [];
  const subjects: string[] = [];
  const rng = new Rng(13);
  for (let i = 0; i < 30; i++) { X.push([rng.normal(0, 0.3), rng.normal(0, 0.3)]); y.push(0); subjects.push(`d/s${i % 5}`); }
  for (let i = 0; i < 10; i++) { X.push([rng.normal(3, 0.3), rng.normal(3, 0.3)]); y.push(1); subjects.push(`d/s${i % 5}`); }
  const m = fitSvm(ts(X, y, 2, { subjects }), { kernel: 'linear', grid: { C: [100, 1e-4, 1] } });
  assert.equal(m.info.C, 1);
  assert.equal(m.info.grid!.folds, 5, 'leave-one-subject-out over 5 subjects');
  assert.deepEqual(m.info.grid!.candidates.map((c) => c.C), [1e-4, 1, 100]);
  assert.ok(m.info.grid!.scores[0] < m.info.grid!.scores[1]);
  assert.equal(m.info.grid!.scores[1], 1);
  const k2 = fitSvm(ts(X, y, 2, { subjects }), { kernel: 'rbf', grid: { C: [1, 10], gamma: [0.1, 1], folds: 2 } });
  assert.equal(k2.info.grid!.folds, 2);
  assert.equal(k2.info.grid!.scores.length, 4);
});
