import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMetrics, confusionMatrix, metricsByGroup } from '../../src/eval/metrics.ts';
import { MerError } from '../../src/core/errors.ts';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} ≠ ${b}`);

test('confusion matrix counts [true][pred]', () => {
  const m = confusionMatrix([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 0, 2, 0], 3);
  assert.deepEqual(m, [
    [3, 1, 0],
    [1, 1, 0],
    [1, 0, 1],
  ]);
});

test('confusion matrix rejects mismatched lengths and out-of-range labels', () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), (e: unknown) => e instanceof MerError && e.code === 'INTERNAL');
  assert.throws(() => confusionMatrix([0, 2], [0, 1], 2), (e: unknown) => e instanceof MerError && /label 2/.test(e.message));
  assert.throws(() => confusionMatrix([0, 1], [0, -1], 2), (e: unknown) => e instanceof MerError && /prediction -1/.test(e.message));
  assert.throws(() => confusionMatrix([0.5], [0], 2), MerError);
});

test('worked example: Acc, per-class P/R/F1, UF1 and UAR by hand', () => {
  // confusion [[3,1,0],[1,1,0],[1,0,1]]:
  //  a: TP 3, FP 2, FN 1 → P 3/5, R 3/4, F1 6/9
  //  b: TP 1, FP 1, FN 1 → P 1/2, R 1/2, F1 2/4
  //  c: TP 1, FP 0, FN 1 → P 1,   R 1/2, F1 2/3
  // UF1 = (2/3 + 1/2 + 2/3)/3 = 11/18; UAR = (3/4 + 1/2 + 1/2)/3 = 7/12; Acc = 5/8
  const m = computeMetrics([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 0, 2, 0], ['a', 'b', 'c']);
  assert.equal(m.n, 8);
  close(m.acc, 5 / 8);
  close(m.uf1, 11 / 18);
  close(m.uar, 7 / 12);
  close(m.perClass.a.precision, 3 / 5);
  close(m.perClass.a.recall, 3 / 4);
  close(m.perClass.a.f1, 2 / 3);
  close(m.perClass.b.f1, 1 / 2);
  close(m.perClass.c.precision, 1);
  close(m.perClass.c.recall, 1 / 2);
  close(m.perClass.c.f1, 2 / 3);
  assert.deepEqual(
    ['a', 'b', 'c'].map((c) => m.perClass[c].support),
    [4, 2, 2],
  );
  assert.deepEqual(m.averagedOver, ['a', 'b', 'c']);
  assert.deepEqual(m.classes, ['a', 'b', 'c']);
});

test('a class absent from the ground truth is left out of UF1/UAR (MEGC), its false positives still count', () => {
  // y: a a b b; pred: a c b b → c has support 0 and one false positive
  const m = computeMetrics([0, 0, 1, 1], [0, 2, 1, 1], ['a', 'b', 'c']);
  assert.deepEqual(m.averagedOver, ['a', 'b']);
  close(m.acc, 3 / 4);
  close(m.perClass.a.f1, 2 / 3); // TP 1, FN 1
  close(m.perClass.b.f1, 1);
  assert.equal(m.perClass.c.support, 0);
  assert.equal(m.perClass.c.f1, 0);
  assert.equal(m.perClass.c.recall, 0);
  assert.equal(m.perClass.c.precision, 0);
  close(m.uf1, (2 / 3 + 1) / 2);
  close(m.uar, (1 / 2 + 1) / 2);
  // had c been averaged in, UF1 would be 5/9: make sure it was not
  assert.ok(Math.abs(m.uf1 - 5 / 9) > 0.1);
});

test('a class never predicted gets precision 0, recall 0, F1 0 and pulls UF1/UAR down', () => {
  // y: a b c c; pred: a b a b
  const m = computeMetrics([0, 1, 2, 2], [0, 1, 0, 1], ['a', 'b', 'c']);
  assert.deepEqual(m.averagedOver, ['a', 'b', 'c']);
  assert.equal(m.perClass.c.precision, 0);
  assert.equal(m.perClass.c.recall, 0);
  assert.equal(m.perClass.c.f1, 0);
  close(m.perClass.a.f1, 2 / 3);
  close(m.perClass.a.precision, 1 / 2);
  close(m.uf1, 4 / 9);
  close(m.uar, 2 / 3);
  close(m.acc, 1 / 2);
});

test('perfect and all-wrong predictions', () => {
  const p = computeMetrics([0, 1, 2, 1], [0, 1, 2, 1], ['x', 'y', 'z']);
  assert.equal(p.acc, 1);
  assert.equal(p.uf1, 1);
  assert.equal(p.uar, 1);
  const w = computeMetrics([0, 1, 2], [1, 2, 0], ['x', 'y', 'z']);
  assert.equal(w.acc, 0);
  assert.equal(w.uf1, 0);
  assert.equal(w.uar, 0);
});

test('no predictions is an error, not a NaN', () => {
  assert.throws(() => computeMetrics([], [], ['a', 'b']), (e: unknown) => e instanceof MerError && e.code === 'INTERNAL');
});

test('metricsByGroup: sorted keys, each group averaged over its own classes', () => {
  const items = [
    { group: 'samm', y: 0, pred: 0 },
    { group: 'samm', y: 0, pred: 1 },
    { group: 'casme2', y: 1, pred: 1 },
    { group: 'casme2', y: 2, pred: 2 },
    { group: 'casme2', y: 2, pred: 1 },
  ];
  const g = metricsByGroup(items, ['a', 'b', 'c']);
  assert.deepEqual(Object.keys(g), ['casme2', 'samm']);
  assert.equal(g.samm.n, 2);
  close(g.samm.acc, 1 / 2);
  assert.deepEqual(g.samm.averagedOver, ['a']);
  close(g.samm.uf1, 2 / 3); // a: TP 1, FN 1 (b's FP is absent from the truth)
  close(g.samm.uar, 1 / 2);
  assert.deepEqual(g.casme2.averagedOver, ['b', 'c']);
  close(g.casme2.acc, 2 / 3);
  close(g.casme2.uf1, (2 / 3 + 2 / 3) / 2); // b: TP1 FP1; c: TP1 FN1
  close(g.casme2.uar, (1 + 1 / 2) / 2);
});
