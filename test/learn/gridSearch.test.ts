import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { gridSearch, groupFolds, uf1 } from '../../src/learn/gridSearch.ts';

test('uf1: mean per-class F1 (hand-computed)', () => {
  // class 0: tp 1, fn 1 → F1 2/3; class 1: tp 2, fp 1 → F1 0.8
  assert.ok(Math.abs(uf1([0, 0, 1, 1], [0, 1, 1, 1], 2) - (2 / 3 + 0.8) / 2) < 1e-15);
  assert.equal(uf1([0, 1], [1, 0], 3), 0);
});

test('groupFolds never splits a subject; every row is validated exactly once', () => {
  const subjects = ['a', 'a', 'b', 'c', 'c', 'c', 'd', 'e'];
  for (const k of [undefined, 2, 3]) {
    const folds = groupFolds(subjects, k, new Rng(1));
    assert.equal(folds.length, k ?? 5);
    const seen = new Array(subjects.length).fill(0);
    for (const f of folds) {
      f.test.forEach((i) => seen[i]++);
      const testSubjects = new Set(f.test.map((i) => subjects[i]));
      for (const i of f.train) assert.ok(!testSubjects.has(subjects[i]), 'subject split between train and validation');
      assert.equal(f.train.length + f.test.length, subjects.length);
    }
    assert.deepEqual(seen, new Array(subjects.length).fill(1));
  }
});

test('grid search sees only training-set indices (spy) and picks the best, ties → earlier candidate', () => {
  const y = [0, 0, 1, 1, 0, 1];
  const subjects = ['s1', 's1', 's2', 's2', 's3', 's3'];
  const calls: { tr: number[]; te: number[]; cand: number }[] = [];
  const res = gridSearch({
    y, subjects, nClasses: 2, candidates: [1, 2, 3], rng: new Rng(2),
    fitPredict: (tr, te, cand) => {
      calls.push({ tr: [...tr], te: [...te], cand });
      // candidate 1 predicts all 0; candidates 2 and 3 predict the truth
      return te.map((i) => (cand === 1 ? 0 : y[i]));
    },
  });
  assert.equal(res.best, 2);
  assert.equal(res.folds, 3);
  assert.equal(calls.length, 9);
  for (const c of calls) {
    for (const i of [...c.tr, ...c.te]) assert.ok(Number.isInteger(i) && i >= 0 && i < y.length);
    assert.ok(c.te.every((i) => !c.tr.includes(i)));
  }
  assert.ok(res.scores[0] < res.scores[1] && res.scores[1] === res.scores[2]);
});
