import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowImage, flowImageFloat, minMaxTo255 } from '../../src/motion/flowImage.ts';
import { imresize } from '../../src/motion/imresize.ts';

test('flow image layout: R = u, G = v, B = strain, each min–max scaled to 0–255 per image', () => {
  const w = 28, h = 28, n = w * h;
  const u = new Float32Array(n), v = new Float32Array(n), s = new Float32Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    u[y * w + x] = -1 + (2 * x) / 27; // −1 … 1 left to right
    v[y * w + x] = 0.5; // constant → 0
    s[y * w + x] = 3 + y / 27; // 3 … 4 top to bottom
  }
  const img = flowImage({ width: w, height: h, u, v }, s); // 28 → 28: no resampling
  assert.equal(img.width, 28);
  assert.equal(img.data.length, 28 * 28 * 3);
  const px = (x: number, y: number) => [...img.data.subarray(3 * (y * w + x), 3 * (y * w + x) + 3)];
  assert.deepEqual(px(0, 0), [0, 0, 0]);
  assert.deepEqual(px(27, 0), [255, 0, 0]);
  assert.deepEqual(px(0, 27), [0, 0, 255]);
  assert.deepEqual(px(27, 27), [255, 0, 255]);
  assert.equal(px(9, 13)[0], Math.round((9 / 27) * 255));
});

test('flowImageFloat is planar RGB in [0, 1] and agrees with the bytes', () => {
  const w = 40, h = 30, n = w * h;
  const u = new Float32Array(n).map((_, i) => Math.sin(i * 0.1));
  const v = new Float32Array(n).map((_, i) => Math.cos(i * 0.05));
  const f = { width: w, height: h, u, v };
  const bytes = flowImage(f);
  const fl = flowImageFloat(f);
  assert.equal(fl.channels, 3);
  assert.equal(fl.width, 28);
  for (let i = 0; i < 28 * 28; i++) for (let c = 0; c < 3; c++) {
    const x = fl.data[c * 784 + i];
    assert.ok(x >= 0 && x <= 1);
    assert.ok(Math.abs(Math.round(x * 255) - bytes.data[3 * i + c]) <= 1);
  }
});

test('min–max scaling and MATLAB-style resizing of constants and ramps', () => {
  assert.deepEqual([...minMaxTo255(new Float32Array([2, 2, 2]))], [0, 0, 0]);
  assert.deepEqual([...minMaxTo255(new Float32Array([1, 3, 2]))], [0, 255, 127.5]);
  const c = imresize(new Float32Array(100).fill(7), 10, 10, 4, 4);
  for (const x of c) assert.ok(Math.abs(x - 7) < 1e-5);
  // halving a linear ramp: output pixel i covers input 2i, 2i+1 → centre value 2i + 0.5 (away from the mirrored ends)
  const ramp = new Float32Array(16).map((_, i) => i);
  const r = imresize(ramp, 16, 1, 8, 1);
  for (let i = 2; i < 6; i++) assert.ok(Math.abs(r[i] - (2 * i + 0.5)) < 1e-4, `${r[i]}`);
});
