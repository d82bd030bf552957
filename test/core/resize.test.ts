// Tests of src/core/resize.ts (kept under test/io with the rest of the image I/O layer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeImage, resizeVolume } from '../../src/core/resize.ts';
import { makeImage, makeVolume } from '../../src/core/image.ts';

const row = (...v: number[]) => makeImage(v.length, 1, 1, Float32Array.from(v));
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('bilinear 2→4 with pixel-centre mapping and edge clamping (OpenCV INTER_LINEAR)', () => {
  // src x = (d + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25 → 0, 0.25, 0.75, 1
  close(resizeImage(row(0, 1), 4, 1, { method: 'bilinear' }).data, [0, 0.25, 0.75, 1]);
});

test('bilinear 2×2 → 4×4 is separable', () => {
  const img = makeImage(2, 2, 1, Float32Array.from([0, 1, 2, 3]));
  const out = resizeImage(img, 4, 4);
  const h = [0, 0.25, 0.75, 1];
  const expected: number[] = [];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expected.push(h[x] + 2 * h[y]);
  close(out.data, expected);
});

test('area: integer factor is the block mean; 3→2 weights fractional overlaps', () => {
  const img = makeImage(4, 2, 1, Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
  close(resizeImage(img, 2, 1, { method: 'area' }).data, [(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4]);
  // [0,1,2] → [ (0·1 + 1·0.5)/1.5, (1·0.5 + 2·1)/1.5 ] = [1/3, 5/3]
  close(resizeImage(row(0, 1, 2), 2, 1, { method: 'area' }).data, [1 / 3, 5 / 3]);
  // default for shrinking is area
  close(resizeImage(row(0, 1, 2), 2, 1).data, [1 / 3, 5 / 3]);
});

test('area when enlarging: OpenCV area-bilinear coefficients', () => {
  // 2→4: sx = floor(d/2), fx = (d+1) − (sx+1)·2, ≤ 0 → 0: d=0,1 → sx 0, fx 0; d=2,3 → sx 1 = last → fx 0.
  // So an exact integer enlargement replicates pixels (OpenCV's known INTER_AREA behaviour).
  close(resizeImage(row(0, 1), 4, 1, { method: 'area' }).data, [0, 0, 1, 1]);
  // 2→3: scale 2/3: d=0: sx0, fx=1−1.5=−0.5→0; d=1: sx0, fx=2−1.5=0.5; d=2: sx1 (last) → 1
  close(resizeImage(row(0, 1), 3, 1, { method: 'area' }).data, [0, 0.5, 1]);
});

test('nearest: OpenCV INTER_NEAREST picks floor(d·scale)', () => {
  close(resizeImage(row(0, 1, 2, 3), 2, 1, { method: 'nearest' }).data, [0, 2]);
  close(resizeImage(row(0, 1), 4, 1, { method: 'nearest' }).data, [0, 0, 1, 1]);
});

test('bicubic (a = −0.75): hand-computed taps, replicate border', () => {
  const out = resizeImage(row(0, 1, 2, 3), 8, 1, { method: 'bicubic' }).data;
  // d = 3: src 1.25, t = 0.25, weights (−0.10546875, 0.87890625, 0.26171875, −0.03515625) on src 0..3
  assert.ok(Math.abs(out[3] - 1.296875) < 1e-6, `${out[3]}`);
  // d = 0: src −0.25 → taps at −2..1 clamped to 0,0,0,1; only the last weight (−0.10546875) sees value 1
  assert.ok(Math.abs(out[0] + 0.10546875) < 1e-6, `${out[0]}`);
  // constants are preserved exactly
  close(resizeImage(makeImage(3, 3, 1, new Float32Array(9).fill(0.4)), 7, 5, { method: 'bicubic' }).data, new Array(35).fill(0.4));
});

test('planar RGB: each plane resized independently', () => {
  const img = makeImage(2, 1, 3, Float32Array.from([0, 1, 10, 10, 5, 7]));
  close(resizeImage(img, 1, 1).data, [0.5, 10, 6]);
});

test('resizeVolume resizes every frame; bad sizes throw', () => {
  const vol = makeVolume(2, 2, 2, Float32Array.from([0, 1, 2, 3, 4, 4, 4, 4]));
  const out = resizeVolume(vol, 1, 1);
  assert.equal(out.frames, 2);
  close(out.data, [1.5, 4]);
  assert.throws(() => resizeImage(row(1, 2), 0, 1), RangeError);
  assert.throws(() => resizeImage(row(1, 2), 1.5, 1), RangeError);
});
