import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approxRankPoolWeights, pairIndex, pairwiseRankSvm, rankPool } from '../../src/features/rankPool.ts';
import { Rng } from '../../src/core/rng.ts';

test('approximate rank pooling weights: the closed form, hand-computed for T = 3', () => {
  // H = 1, 3/2, 11/6: α1 = 6 − 4·11/6 = −4/3, α2 = 4 − 4(11/6 − 1) = 2/3, α3 = 2 − 4(11/6 − 3/2) = 2/3
  const a = approxRankPoolWeights(3);
  assert.ok(Math.abs(a[0] + 4 / 3) < 1e-12);
  assert.ok(Math.abs(a[1] - 2 / 3) < 1e-12);
  assert.ok(Math.abs(a[2] - 2 / 3) < 1e-12);
  const frames = [new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([1, 1])];
  const u = rankPool(frames, { method: 'approx', normalizeOutput: false });
  assert.ok(Math.abs(u[0] - (-4 / 3 + 2 / 3)) < 1e-6);
  assert.ok(Math.abs(u[1] - (2 / 3 + 2 / 3)) < 1e-6);
  // weights sum to 0 for every T (a constant video pools to 0)
  for (const T of [2, 5, 30]) assert.ok(Math.abs(approxRankPoolWeights(T).reduce((s, v) => s + v, 0)) < 1e-9);
});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return ab / Math.sqrt(aa * bb);
}

const norm = (u: ArrayLike<number>) => Math.sqrt(Array.from(u).reduce((s, v) => s + v * v, 0));

/** frames = constant appearance `level`·base + t·step·dir + noise */
function drift(T: number, d: number, dir: Float32Array, level: number, step: number, noise: number, rng: Rng): Float32Array[] {
  const base = Float32Array.from({ length: d }, () => 0.5 + rng.uniform());
  return Array.from({ length: T }, (_, t) => Float32Array.from(base, (b, k) => level * b + t * step * dir[k] + noise * rng.normal()));
}

test('Eq. 3 known answer: frames drifting along d over a large constant appearance → u ∥ d, whatever the constant', () => {
  const d = 60;
  const dir = Float32Array.from({ length: d }, (_, k) => (k < 6 ? 1 : k < 9 ? -0.5 : 0));
  for (const level of [0, 1, 100, 1000]) {
    // subtle (every pair at C) and large (margins active) motion
    for (const step of [0.002, 0.5]) {
      const frames = drift(20, d, dir, level, step, 0.02 * step, new Rng(11));
      const u = rankPool(frames);
      assert.ok(cosine(u, dir) > 0.99, `level ${level}, step ${step}: cos(u, d) = ${cosine(u, dir)}`);
      assert.ok(Math.abs(norm(u) - 1) < 1e-5, `‖u‖ = ${norm(u)}`);
    }
  }
  // the reference code's SVR without bias fits t with the mean frame instead:
  // on subtle motion over a constant appearance its u points at the appearance, not at d
  const frames = drift(20, d, dir, 1, 0.002, 0.00004, new Rng(11));
  const svr = rankPool(frames, { method: 'svr' });
  const mean = Float32Array.from({ length: d }, (_, k) => frames.reduce((s, f) => s + f[k], 0) / frames.length);
  assert.ok(cosine(svr, dir) < 0.5 && cosine(svr, mean) > 0.9, `svr: cos(u, d) ${cosine(svr, dir)}, cos(u, mean) ${cosine(svr, mean)}`);
});

/** a smooth, curved path through feature space sampled at T evenly spaced times */
function path(T: number, d: number, scale: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const base = Float32Array.from({ length: d }, () => 2 + rng.uniform());
  const d1 = Float32Array.from({ length: d }, () => rng.normal());
  const d2 = Float32Array.from({ length: d }, () => rng.normal());
  const d3 = Float32Array.from({ length: d }, () => rng.normal());
  return Array.from({ length: T }, (_, t) => {
    const s = t / (T - 1);
    return Float32Array.from(base, (b, k) => b + scale * (s * d1[k] + 0.6 * Math.sin(Math.PI * s) * d2[k] + 0.3 * s * s * d3[k]));
  });
}

test('Eq. 3 known answer: the same clip resampled to twice its length gives the same u up to scale (unit length)', () => {
  for (const scale of [0.01, 0.3, 3]) {
    const u1 = rankPool(path(15, 40, scale, 5));
    const u2 = rankPool(path(30, 40, scale, 5));
    assert.ok(cosine(u1, u2) > 0.99, `scale ${scale}: cos ${cosine(u1, u2)}`);
    assert.ok(Math.abs(norm(u1) - 1) < 1e-5 && Math.abs(norm(u2) - 1) < 1e-5);
    // unnormalised, the pooled vector grows with the clip length in the subtle regime
    if (scale === 0.01) {
      const r1 = norm(rankPool(path(15, 40, scale, 5), { normalizeOutput: false }));
      const r2 = norm(rankPool(path(30, 40, scale, 5), { normalizeOutput: false }));
      assert.ok(r2 > 3 * r1, `unnormalised lengths ${r1} → ${r2}`);
    }
  }
});

test('pairwise RankSVM: the dual solution satisfies the optimality conditions of Eq. 3 (zero duality gap)', () => {
  const rng = new Rng(9);
  const T = 14, d = 25, C = 1;
  // frames with a trend and enough noise that some pairs violate their margin
  const frames = Array.from({ length: T }, (_, t) => Float64Array.from({ length: d }, (_, k) => (k < 3 ? 0.15 * t : 0) + 0.5 * rng.normal()));
  const K = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) K[i * T + j] = frames[i].reduce((s, v, k) => s + v * frames[j][k], 0);
  const res = pairwiseRankSvm(K, T, C, 1e-7);
  assert.ok(res.violation <= 1e-7, `violation ${res.violation} after ${res.epochs} epochs`);
  const u = new Float64Array(d);
  res.beta.forEach((b, t) => frames[t].forEach((v, k) => (u[k] += b * v)));
  const uu = u.reduce((s, v) => s + v * v, 0);
  let primal = 0.5 * uu, dual = -0.5 * uu, atBound = 0, free = 0;
  for (let i = 0; i < T; i++) {
    for (let j = i + 1; j < T; j++) {
      const margin = frames[j].reduce((s, v, k) => s + u[k] * (v - frames[i][k]), 0);
      const a = res.alpha[pairIndex(i, j, T)];
      primal += C * Math.max(0, 1 - margin);
      dual += a;
      // KKT: α = 0 ⇒ margin ≥ 1; α = C ⇒ margin ≤ 1; otherwise margin = 1
      if (a <= 0) assert.ok(margin >= 1 - 1e-5, `pair ${i},${j}: α 0, margin ${margin}`);
      else if (a >= C) { atBound++; assert.ok(margin <= 1 + 1e-5, `pair ${i},${j}: α C, margin ${margin}`); }
      else { free++; assert.ok(Math.abs(margin - 1) < 1e-5, `pair ${i},${j}: free α, margin ${margin}`); }
    }
  }
  assert.ok(atBound > 0 && free > 0, `a non-trivial case: ${atBound} pairs at C, ${free} free`);
  assert.ok(Math.abs(primal - dual) <= 1e-5 * primal, `primal ${primal} dual ${dual}`);
});

test('pairwise rank pooling: reversing time flips u; deterministic; bad input refused', () => {
  const frames = path(12, 30, 0.5, 3);
  const u = rankPool(frames);
  const ur = rankPool([...frames].reverse());
  assert.ok(cosine(u, ur) < -0.9999, `cos ${cosine(u, ur)}`);
  assert.deepEqual(rankPool(frames), u);
  // subtle motion: every pair at C, u = Σ (2t − T − 1) w_t — the weights of a least-squares slope
  const subtle = path(9, 30, 0.001, 4);
  const slope = new Float64Array(30);
  subtle.forEach((f, t) => f.forEach((v, k) => (slope[k] += (2 * (t + 1) - 9 - 1) * v)));
  assert.ok(cosine(rankPool(subtle), slope) > 0.99999);
  assert.throws(() => rankPool([new Float32Array(3)]), /at least 2 frames/);
  assert.throws(() => rankPool([new Float32Array(3), new Float32Array(2)]), /frame 1 has 2 values/);
  assert.throws(() => rankPool(frames, { C: 0 }), /C must be/);
  assert.throws(() => rankPool(frames, { method: 'foo' as never }), /unknown rank pooling method/);
});

test('rank pooling SVR (reference code): the smoothed frames fit t within the ε band when C is large', () => {
  const rng = new Rng(3);
  const d = 30;
  const dir = Float32Array.from({ length: d }, (_, k) => (k % 3 === 0 ? 1 : -0.5));
  const base = Float32Array.from({ length: d }, () => 1 + rng.uniform());
  const frames = Array.from({ length: 8 }, (_, t) => Float32Array.from(base, (b, k) => b + 0.05 * t * dir[k] + 0.01 * rng.normal()));
  const u = rankPool(frames, { method: 'svr', C: 1e4, normalize: false, normalizeOutput: false });
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
});
