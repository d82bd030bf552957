import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tim, timWeights } from '../../src/temporal/tim.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';

function randomVolume(T: number, h: number, w: number, seed: number) {
  const r = new Rng(seed);
  return { frames: T, height: h, width: w, data: new Float32Array(T * h * w).map(() => r.next()) };
}

test('TIM to the same length reproduces the clip', () => {
  for (const T of [2, 5, 10]) {
    const v = randomVolume(T, 6, 5, T);
    const o = tim(v, T);
    assert.equal(o.frames, T);
    for (let i = 0; i < v.data.length; i++) assert.ok(Math.abs(o.data[i] - v.data[i]) < 1e-5, `T=${T} i=${i}`);
  }
});

test('TIM keeps the first and last frames and returns n frames', () => {
  const v = randomVolume(7, 4, 4, 1);
  const o = tim(v, 20);
  assert.equal(o.frames, 20);
  const n = 16;
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(o.data[i] - v.data[i]) < 1e-5);
    assert.ok(Math.abs(o.data[19 * n + i] - v.data[6 * n + i]) < 1e-5);
  }
});

test('TIM weights: every output frame is an affine combination (weights of the centred frames sum to 0)', () => {
  const A = timWeights(10, 16);
  for (let j = 0; j < 16; j++) {
    let s = 0;
    for (let t = 0; t < 10; t++) s += A[t * 16 + j];
    assert.ok(Math.abs(s) < 1e-9);
  }
});

test('a linear intensity ramp over time stays (close to) linear and monotone', () => {
  const T = 10, n = 20, px = 3;
  const data = new Float32Array(T * px);
  for (let t = 0; t < T; t++) for (let i = 0; i < px; i++) data[t * px + i] = 0.1 + 0.05 * t + 0.01 * i;
  const o = tim({ frames: T, height: 1, width: px, data }, n);
  for (let j = 0; j < n; j++) {
    const want = 0.1 + 0.05 * ((j * (T - 1)) / (n - 1));
    for (let i = 0; i < px; i++) {
      const got = o.data[j * px + i] - 0.01 * i;
      // the path-graph (DCT-II) basis interpolates a ramp up to a small ripple: < 2 % of the range 0.45
      assert.ok(Math.abs(got - want) < 0.02 * 0.45, `frame ${j}: ${got} vs ${want}`);
      if (j > 0) assert.ok(o.data[j * px + i] > o.data[(j - 1) * px + i]);
    }
  }
});

test('TIM errors', () => {
  const v = randomVolume(1, 2, 2, 3);
  assert.throws(() => tim(v, 5), MerError);
  assert.throws(() => tim(randomVolume(3, 2, 2, 3), 0), MerError);
});
