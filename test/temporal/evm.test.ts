import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapsePyramid, evm, laplacianPyramid } from '../../src/temporal/evm.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';

const W = 64, H = 64, T = 40, FPS = 40, F = 2, WL = 16, K = (2 * Math.PI) / WL, AMP = 0.2;

/** a vertical grating moving sideways by AMP·sin(2πFt) px */
function movingGrating() {
  const data = new Float32Array(T * W * H);
  for (let t = 0; t < T; t++) {
    const d = AMP * Math.sin((2 * Math.PI * F * t) / FPS);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[t * W * H + y * W + x] = 0.5 + 0.25 * Math.sin(K * (x - d));
  }
  return { frames: T, width: W, height: H, data };
}

/** least-squares displacement of every frame from the temporal mean, by brightness constancy */
function displacements(v: { data: Float32Array }): number[] {
  const n = W * H;
  const mean = new Float64Array(n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) mean[i] += v.data[t * n + i] / T;
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    let a = 0, b = 0;
    for (let y = 0; y < H; y++) for (let x = 8; x < W - 8; x++) {
      const i = y * W + x;
      const ix = (mean[i + 1] - mean[i - 1]) / 2;
      a += (v.data[t * n + i] - mean[i]) * ix;
      b += ix * ix;
    }
    out.push(-a / b);
  }
  return out;
}

test('Laplacian pyramid collapses back to the image exactly', () => {
  const r = new Rng(2);
  for (const [w, h] of [[17, 9], [32, 32]]) {
    const img = new Float32Array(w * h).map(() => r.next());
    const back = collapsePyramid(laplacianPyramid(img, w, h, 4));
    for (let i = 0; i < img.length; i++) assert.ok(Math.abs(back[i] - img[i]) < 1e-5);
  }
});

test('EVM: a 0.2 px sinusoidal motion in the pass band comes out ≈ α times larger', () => {
  const v = movingGrating();
  const alpha = 5;
  const o = evm(v, { alpha, lambdaC: 4, fl: 1.5, fh: 2.5, fps: FPS });
  const s0 = displacements(v), s1 = displacements(o);
  let num = 0, den = 0;
  for (let t = 0; t < T; t++) { num += s1[t] * s0[t]; den += s0[t] * s0[t]; }
  const gain = num / den;
  assert.ok(Math.max(...s0) > 0.18 && Math.max(...s0) < 0.22, 'input amplitude ≈ 0.2 px');
  // (1+α) in theory; the finest band is deliberately not amplified, so slightly less
  assert.ok(gain > 0.8 * alpha && gain < 1.1 * (1 + alpha), `gain ${gain.toFixed(3)}`);
});

test('EVM: motion outside the band is left alone, α = 0 is the identity', () => {
  const v = movingGrating();
  const out = evm(v, { alpha: 5, lambdaC: 4, fl: 5, fh: 8, fps: FPS });
  const s0 = displacements(v), s1 = displacements(out);
  let num = 0, den = 0;
  for (let t = 0; t < T; t++) { num += s1[t] * s0[t]; den += s0[t] * s0[t]; }
  assert.ok(Math.abs(num / den - 1) < 0.05, `gain ${num / den}`);
  const id = evm(v, { alpha: 0, fl: 1.5, fh: 2.5, fps: FPS });
  for (let i = 0; i < v.data.length; i += 97) assert.ok(Math.abs(id.data[i] - v.data[i]) < 1e-5);
});

test('EVM: the Butterworth variant also amplifies the band, and bad bands are refused', () => {
  const v = movingGrating();
  const o = evm(v, { alpha: 5, lambdaC: 4, fl: 1, fh: 3, fps: FPS, filter: 'butter' });
  const s0 = displacements(v), s1 = displacements(o);
  const r0 = Math.max(...s0.slice(10)), r1 = Math.max(...s1.slice(10));
  assert.ok(r1 > 2 * r0, `peak ${r1} vs ${r0}`);
  assert.throws(() => evm(v, { fl: 3, fh: 2 }), MerError);
  assert.throws(() => evm(v, { fh: 30, fps: FPS }), MerError);
});
