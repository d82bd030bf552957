import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ltogp, ltogpCodes, ltogpTemplates } from '../../src/features/ltogp.ts';
import { lbpMop } from '../../src/features/lbpMop.ts';
import { lbpSip } from '../../src/features/lbpSip.ts';
import { lbpTop } from '../../src/features/lbpTop.ts';
import { makeVolume } from '../../src/core/image.ts';

test('LTOGP templates: 8 distinct 5×5 second differences, each summing to 0', () => {
  const t = ltogpTemplates();
  assert.equal(t.length, 8);
  for (const k of t) {
    assert.equal(k.length, 25);
    assert.equal(k.reduce((a, b) => a + b, 0), 0);
    assert.equal(k[12], 1);
  }
  // template 0 (right): centre 1, (x+1) −2, (x+2) 1 on the middle row
  assert.deepEqual([...t[0].subarray(10, 15)], [0, 0, 1, -2, 1]);
  assert.equal(new Set(t.map((k) => k.join(','))).size, 8);
});

test('LTOGP code on a 5×5 patch, hand-computed', () => {
  // f(x, y) = x² (convex along x, constant along y), centre (2, 2) = 4
  // right: f(4) − 2f(3) + f(2) = 16 − 18 + 4 = 2 ≥ 0 → 1; up-right: same along x → 1;
  // up: 0 ≥ 0 → 1; up-left: f(0) − 2f(1) + f(2) = 0 − 2 + 4 = 2 → 1; left, down-left, down, down-right → 1
  const sq = new Float32Array(25).map((_, i) => ((i % 5) ** 2) / 16);
  assert.equal(ltogpCodes({ width: 5, height: 5, data: sq }).codes[0], 255);
  // f(x, y) = −x²: the x-involving directions become negative (bits 0,1,3,4,5,7), up/down stay 0 ≥ 0
  const neg = sq.map((v) => 1 - v);
  assert.equal(ltogpCodes({ width: 5, height: 5, data: neg }).codes[0], 0b01000100);
  // a peak at the centre: every direction f(c+2d) − 2f(c+d) + f(c): 0 − 0 + 1 ≥ 0 → 255; a pit: −1 → 0
  const peak = new Float32Array(25);
  peak[12] = 1;
  assert.equal(ltogpCodes({ width: 5, height: 5, data: peak }).codes[0], 255);
  const pit = new Float32Array(25).fill(1);
  pit[12] = 0;
  assert.equal(ltogpCodes({ width: 5, height: 5, data: pit }).codes[0], 0);
});

test('LTOGP block histograms: 256 bins per block, counts = centre pixels per block', () => {
  const data = new Float32Array(12 * 12).map((_, i) => ((i * 7919) % 101) / 100);
  const h = ltogp({ width: 12, height: 12, data }, { grid: [2, 2], normalize: false });
  assert.equal(h.length, 4 * 256);
  // blocks 6×6; centres rows/cols 2..9 → each block holds 4×4
  for (let b = 0; b < 4; b++) assert.equal(h.subarray(b * 256, (b + 1) * 256).reduce((a, v) => a + v, 0), 16);
});

function noiseVolume(T: number, H: number, W: number): ReturnType<typeof makeVolume> {
  let s = 11;
  return makeVolume(T, H, W, new Float32Array(T * H * W).map(() => ((s = (s * 48271) % 2147483647) % 1000) / 999));
}

test('LBP-SIP: 20 bins per block; hand-computed codes on a 3×3×3 volume', () => {
  const f1 = [0.2, 0.6, 0.3, 0.7, 0.5, 0.4, 0.8, 0.1, 0.9];
  const vol = makeVolume(3, 3, 3, new Float32Array([...new Array(9).fill(0.1), ...f1, ...new Array(9).fill(0.9)]));
  const h = lbpSip(vol, { radii: [1, 1, 1] });
  assert.equal(h.length, 20);
  // spatial: right 0.4→0, up 0.6→1, left 0.7→1, down 0.1→0 → 6; temporal: t−1 0.1→0, t+1 0.9→1 → 2
  assert.equal(h[6], 1);
  assert.equal(h[16 + 2], 1);
  const big = lbpSip(noiseVolume(5, 10, 10), { radii: [1, 1, 1], grid: [2, 2], normalize: false });
  // blocks 5×5, border 1 → 3×3 centres × 3 frames = 27 per histogram
  for (let b = 0; b < 4; b++) {
    assert.equal(big.subarray(b * 20, b * 20 + 16).reduce((a, v) => a + v, 0), 27);
    assert.equal(big.subarray(b * 20 + 16, b * 20 + 20).reduce((a, v) => a + v, 0), 27);
  }
});

test('LBP-MOP: a temporally constant volume gives XY = LBP of the frame and flat XT/YT codes', () => {
  const frame = new Float32Array(36).map((_, i) => ((i * 37) % 17) / 16);
  const vol = makeVolume(5, 6, 6, new Float32Array(5 * 36).map((_, i) => frame[i % 36]));
  const m = lbpMop(vol, { radii: [1, 1, 1], points: [8, 8, 8], mapping: 'none', normalize: false });
  assert.equal(m.length, 3 * 256);
  const mean = lbpTop(makeVolume(3, 6, 6, new Float32Array(3 * 36).map((_, i) => frame[i % 36])), {
    radii: [1, 1, 1], points: [8, 8, 8], mapping: 'none', normalize: false,
  });
  assert.deepEqual([...m.subarray(0, 256)], [...mean.subarray(0, 256)]); // XY of the mean image = XY of any frame
  // XT image (rows t) is constant along t: the codes only depend on x-neighbours; counts = 3 t-centres × 4 x-centres
  assert.equal(m.subarray(256, 512).reduce((a, v) => a + v, 0), 12);
  assert.equal(m.subarray(512, 768).reduce((a, v) => a + v, 0), 12);
});
