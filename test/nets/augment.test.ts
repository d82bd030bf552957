/**
 * EMR's training augmentation (src/nets/augment.ts): the geometry by hand
 * (identity, a 90° turn, the crop offset), torchvision's colour adjustments
 * at neutral settings and a known hue turn, and determinism per Rng.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorJitter, flowAugment, rotateScaleCrop } from '../../src/nets/augment.ts';
import { Rng } from '../../src/core/rng.ts';

const S = 4;
/** a one-channel 4×4 image whose pixel (row r, col c) is 10·r + c */
const grid = Float32Array.from({ length: S * S }, (_, i) => 10 * Math.floor(i / S) + (i % S));
const at = (img: Float32Array, r: number, c: number) => img[r * S + c];

test('rotateScaleCrop: identity at 0°, scale 1; a 90° turn is counter-clockwise (torchvision\'s sign); the crop offset shifts', () => {
  const same = rotateScaleCrop(grid, S, 1, 0, 1, 0, 0);
  same.forEach((v, i) => assert.ok(Math.abs(v - grid[i]) < 1e-5, `${i}: ${v}`));
  const turned = rotateScaleCrop(grid, S, 1, 90, 1, 0, 0);
  for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) assert.ok(Math.abs(at(turned, r, c) - at(grid, c, S - 1 - r)) < 1e-4, `(${r}, ${c})`);
  assert.ok(Math.abs(at(turned, 0, 0) - at(grid, 0, S - 1)) < 1e-4); // the top-right corner went to the top-left
  // enlarged 2× (8×8) and cropped at (2, 2): output pixel (0, 0) is the enlargement's pixel (2, 2),
  // whose centre 2.5 maps to 2.5 / 2 − 0.5 = 0.75 in the source: bilinear weights 1/16, 3/16, 3/16, 9/16
  const zoom = rotateScaleCrop(grid, S, 1, 0, 2, 2, 2);
  const want = at(grid, 0, 0) * 0.0625 + at(grid, 0, 1) * 0.1875 + at(grid, 1, 0) * 0.1875 + at(grid, 1, 1) * 0.5625;
  assert.ok(Math.abs(at(zoom, 0, 0) - want) < 1e-4, `${at(zoom, 0, 0)} vs ${want}`);
});

test('colorJitter: neutral factors leave the image, hue +½ turn sends red to cyan, brightness scales and clamps', () => {
  const img = Float32Array.from([0.2, 0.5, 0.9, 1, 0, 0]);
  const neutral = Float32Array.from(img);
  colorJitter(neutral, [3, 2, 1, 0], 1, 1, 1, 0);
  neutral.forEach((v, i) => assert.ok(Math.abs(v - img[i]) < 1e-6));
  const red = Float32Array.from([1, 0, 0]);
  colorJitter(red, [3], 1, 1, 1, 0.5);
  assert.deepEqual(Array.from(red), [0, 1, 1]);
  const bright = Float32Array.from([0.5, 0.9, 0.1]);
  colorJitter(bright, [0], 1.2, 1, 1, 0);
  [0.6, 1, 0.12].forEach((v, i) => assert.ok(Math.abs(bright[i] - v) < 1e-6));
});

test('flowAugment: deterministic per Rng, in [0, 1], a different stream gives a different batch', () => {
  const rng = new Rng(1);
  const n = 2;
  const side = 8;
  const x = Float32Array.from({ length: n * side * side * 3 }, () => rng.uniform(0, 1));
  const aug = flowAugment();
  const a = aug(x, n, [side, side, 3], new Rng(5));
  const b = aug(x, n, [side, side, 3], new Rng(5));
  const c = aug(x, n, [side, side, 3], new Rng(6));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((v) => v >= 0 && v <= 1));
  assert.equal(a.length, x.length);
});
