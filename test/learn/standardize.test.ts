import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMerError } from '../../src/core/errors.ts';
import { standardize, minMaxScale, l2Normalize } from '../../src/learn/standardize.ts';
import { ts, f32 } from './helpers.ts';

test('standardize uses the statistics of the rows it was fitted on only', async () => {
  // A: feature 0 has mean 2, population sd 1; feature 1 is constant (→ scale 1)
  const A = ts([[1, 10], [3, 10]], [0, 1], 2);
  const f = await standardize().fit(A);
  assert.deepEqual(Array.from(f.transform(f32([[5, 12]]))[0]), [3, 2]);
  assert.deepEqual(Array.from(f.transform(A.X)[0]), [-1, 0]);
  // fitting on other rows gives other statistics
  const g = await standardize().fit(ts([[5, 12], [7, 14]], [0, 1], 2));
  assert.deepEqual(Array.from(g.transform(f32([[5, 12]]))[0]), [-1, -1]);
});

test('standardize eps decides what counts as constant', async () => {
  const A = ts([[0], [0.002]], [0, 1], 1);
  const f = await standardize({ eps: 0.01 }).fit(A); // sd 0.001 ≤ eps: centred only
  assert.ok(Math.abs(f.transform(f32([[0.003]]))[0][0] - 0.002) < 1e-7);
  const g = await standardize().fit(A);
  assert.ok(Math.abs(g.transform(f32([[0.003]]))[0][0] - 2) < 1e-4);
});

test('minMaxScale maps the training range to [0, 1]; constant features to 0', async () => {
  const f = await minMaxScale().fit(ts([[0, 2], [4, 2]], [0, 1], 2));
  assert.deepEqual(Array.from(f.transform(f32([[2, 5], [8, 2]]))[1]), [2, 0]);
  assert.deepEqual(Array.from(f.transform(f32([[2, 5]]))[0]), [0.5, 0]);
});

test('l2Normalize scales each row to unit length, zero rows stay zero', async () => {
  const f = await l2Normalize().fit(ts([[1, 1]], [0], 1));
  const out = f.transform(f32([[3, 4], [0, 0]]));
  assert.ok(Math.abs(out[0][0] - 0.6) < 1e-7 && Math.abs(out[0][1] - 0.8) < 1e-7);
  assert.deepEqual(Array.from(out[1]), [0, 0]);
});

test('NaN, Infinity and wrong lengths are MerError BAD_INPUT naming the row', async () => {
  await assert.rejects(async () => standardize().fit(ts([[1, 2], [NaN, 1]], [0, 1], 2)), (e) => isMerError(e) && e.code === 'BAD_INPUT' && e.row === 1);
  const f = await standardize().fit(ts([[1, 2], [3, 1]], [0, 1], 2));
  assert.throws(() => f.transform(f32([[1, Infinity]])), (e) => isMerError(e) && e.code === 'BAD_INPUT');
  assert.throws(() => f.transform(f32([[1, 2, 3]])), (e) => isMerError(e) && e.code === 'BAD_INPUT');
});
