import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approxRankPoolWeights, rankPool } from '../../src/features/rankPool.ts';
import { Rng } from '../../src/core/rng.ts';

test('approximate rank pooling weights: the closed form, hand-computed for T = 3', () => {
  // H = 1, 3/2, 11/6: α1 = 6 − 4·11/6 = −4/3, α2 = 4 − 4(11/6 − 1) = 2/3, α3 = 2 − 4(11/6 − 3/2) = 2/3
  const a = approxRankPoolWeights(3);
  assert.ok(Math.abs(a[0] + 4 / 3) < 1e-12);
  assert.ok(Math.abs(a[1] - 2 / 3) < 1e-12);
  assert.ok(Math.abs(a[2] - 2 / 3) < 1e-12);
  const frames = [new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([1, 1])];
  const u = rankPool(frames, { method: 'approx' });
  assert.ok(Math.abs(u[0] - (-4 / 3 + 2 / 3)) < 1e-6);
  assert.ok(Math.abs(u[1] - (2 / 3 + 2 / 3)) < 1e-6);
  // weights sum to 0 for every T (a constant video pools to 0)
  for (const T of [2, 5, 30]) assert.ok(Math.abs(approxRankPoolWeights(T).reduce((s, v) => s + v, 0)) < 1e-9);
});

function trend(T: number, d: number, dir: Float32Array, noise: number, rng: Rng): Float32Array[] {
  const base = Float32Array.from({ length: d }, () => 1 + rng.uniform());
  return Array.from({ length: T }, (_, t) => Float32Array.from(base, (b, k) => b + 0.05 * t * dir[k] + noise * rng.normal()));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return ab / Math.sqrt(aa * bb);
}

test('rank pooling (SVR) orders the frames of a linear trend and points along it', () => {
  const rng = new Rng(7);
  const d = 40;
  const dir = Float32Array.from({ length: d }, (_, k) => (k < 5 ? 1 : 0));
  const frames = trend(20, d, dir, 0.002, rng);
  const u = rankPool(frames, { C: 1 });
  // the ranking function increases along the video (smoothed frames)
  const score = frames.map((f) => f.reduce((s, v, k) => s + v * u[k], 0));
  assert.ok(score[19] > score[0]);
  const approx = rankPool(frames, { method: 'approx' });
  assert.ok(cosine(approx, dir) > 0.9, `approx cos ${cosine(approx, dir)}`);
  // reversing time flips the representation's projection on the trend
  const ur = rankPool([...frames].reverse(), { C: 1 });
  const proj = (v: Float32Array) => v.reduce((s, x, k) => s + x * dir[k], 0);
  assert.ok(proj(u) > 0 && proj(ur) < 0, `${proj(u)} ${proj(ur)}`);
  // deterministic
  assert.deepEqual(rankPool(frames, { C: 1 }), u);
});

test('rank pooling SVR: the smoothed frames fit t within the ε band when C is large', () => {
  const rng = new Rng(3);
  const d = 30;
  const dir = Float32Array.from({ length: d }, (_, k) => (k % 3 === 0 ? 1 : -0.5));
  const frames = trend(8, d, dir, 0.01, rng);
  const u = rankPool(frames, { C: 1e4, normalize: false });
  // recompute the smoothed vectors and check |uᵀm_t − t| ≲ ε
  const acc = new Float64Array(d);
  frames.forEach((f, t) => {
    let s = 0;
    for (let k = 0; k < d; k++) {
      acc[k] += f[k];
      s += (u[k] * acc[k]) / (t + 1);
    }
    assert.ok(Math.abs(s - (t + 1)) < 0.15, `frame ${t}: ${s}`);
  });
  assert.throws(() => rankPool([new Float32Array(3)]), /at least 2 frames/);
});
