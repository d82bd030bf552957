import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoof, orientationBin } from '../../src/features/hoof.ts';
import { MerError } from '../../src/core/errors.ts';

const uniform = (w: number, h: number, u: number, v: number) => ({
  width: w, height: h, u: new Float32Array(w * h).fill(u), v: new Float32Array(w * h).fill(v),
});

test('orientation bins: right, up (v < 0), left, down with 8 sectors centred on the axes', () => {
  assert.equal(orientationBin(1, 0, 8, 'full'), 0);
  assert.equal(orientationBin(0, -1, 8, 'full'), 2);
  assert.equal(orientationBin(-1, 0, 8, 'full'), 4);
  assert.equal(orientationBin(0, 1, 8, 'full'), 6);
  assert.equal(orientationBin(1, -1, 8, 'full'), 1);
  assert.equal(orientationBin(1, 0.01, 8, 'full'), 0); // just below +x stays in sector 0
  // Chaudhry's symmetric binning: left and right motion alike
  assert.equal(orientationBin(1, 0, 4, 'symmetric'), orientationBin(-1, 0, 4, 'symmetric'));
  assert.equal(orientationBin(0, -1, 4, 'symmetric'), 3);
  assert.equal(orientationBin(0, 1, 4, 'symmetric'), 0);
});

test('HOOF of a uniform field: one bin holds everything; magnitudes weight the votes', () => {
  assert.deepEqual([...hoof(uniform(4, 4, 2, 0))], [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...hoof(uniform(4, 4, 0, -3), { normalize: 'none', bins: 4 })], [0, 48, 0, 0]);
  // half the field moves left with magnitude 1, half right with magnitude 3 → 0.75 / 0.25
  const f = uniform(4, 2, 3, 0);
  for (let i = 4; i < 8; i++) f.u[i] = -1;
  assert.deepEqual([...hoof(f, { bins: 4 })], [0.75, 0, 0.25, 0]);
  // per block (2 rows × 1 column): top block all right, bottom block all left
  assert.deepEqual([...hoof(f, { bins: 4, grid: [2, 1] })], [1, 0, 0, 0, 0, 0, 1, 0]);
});

test('HOOF: zero flow gives zeros; a bad grid is a MerError', () => {
  assert.ok(hoof(uniform(3, 3, 0, 0)).every((x) => x === 0));
  assert.throws(() => hoof(uniform(3, 3, 1, 0), { grid: [4, 1] }), MerError);
});
