import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lbpTop, lbpTopPlans } from '../../src/features/lbpTop.ts';
import { accumulateLbp, normalizeSegment } from '../../src/features/lbpKernel.ts';
import { blocks } from '../../src/features/blocks.ts';
import { makeVolume, type Volume } from '../../src/core/image.ts';
import { Rng } from '../../src/core/rng.ts';

function randomVolume(T: number, H: number, W: number, seed: number, quantise: boolean): Volume {
  const rng = new Rng(seed);
  const d = new Float32Array(T * H * W);
  for (let i = 0; i < d.length; i++) {
    const v = Math.min(1, Math.max(0, 0.5 + 0.2 * Math.sin(i * 0.05) + 0.15 * rng.normal()));
    d[i] = quantise ? Math.round(255 * v) / 255 : v;
  }
  return makeVolume(T, H, W, d);
}

/** LBP-TOP the slow way: the generic per-plane kernel (lbpKernel.accumulateLbp) on every block */
function reference(vol: Volume, opts: Parameters<typeof lbpTop>[1]): Float32Array {
  const { plans, tables, bins } = lbpTopPlans(vol.height, vol.width, opts);
  const [Rx, Ry, Rt] = opts.radii;
  const Lt = Math.ceil(Rt), B = Math.ceil(Math.max(Rx, Ry));
  const grid = blocks(vol, ...(opts.grid ?? [1, 1]));
  const per = bins[0] + bins[1] + bins[2];
  const out = new Float32Array(grid.length * per);
  for (const b of grid) {
    let o = b.index * per;
    for (let k = 0; k < 3; k++) {
      accumulateLbp(vol.data, vol.height, vol.width, { t0: Lt, t1: vol.frames - Lt, y0: b.y0 + B, y1: b.y1 - B, x0: b.x0 + B, x1: b.x1 - B }, plans[k], tables[k], out, o);
      normalizeSegment(out, o, bins[k]);
      o += bins[k];
    }
  }
  return out;
}

test('lbpTop (fused, packed-code kernel) equals the generic per-plane kernel bit for bit', () => {
  const cases: Array<[boolean, Parameters<typeof lbpTop>[1]]> = [
    [true, { radii: [3, 3, 3], points: [8, 8, 8], mapping: 'u2', grid: [2, 2] }],
    [false, { radii: [3, 3, 3], points: [8, 8, 8], mapping: 'u2', grid: [2, 2] }],
    [true, { radii: [1, 1, 4], points: [4, 4, 4], mapping: 'none', grid: [2, 1] }],
    [false, { radii: [2, 1.5, 2.5], points: [8, 6, 12], mapping: 'riu2', grid: [1, 2] }],
    [true, { radii: [3, 3, 3], points: [8, 8, 8], mapping: 'u2', grid: [2, 2], bilinear: false }],
  ];
  for (const [q, opts] of cases) {
    const vol = randomVolume(11, 24, 22, 3, q);
    assert.deepEqual(lbpTop(vol, opts), reference(vol, opts), JSON.stringify(opts));
  }
});

test('lbpTop with Pxy + Pxt + Pyt > 31 (codes too wide to pack): each plane equals the packed result of the same plane', () => {
  const vol = randomVolume(9, 20, 20, 5, true);
  const wide = lbpTop(vol, { radii: [2, 2, 2], points: [12, 12, 8], mapping: 'riu2' });
  // riu2 bins: P + 2 → 14 | 14 | 10
  assert.equal(wide.length, 14 + 14 + 10);
  const xy = lbpTop(vol, { radii: [2, 2, 2], points: [12, 4, 4], mapping: 'riu2' });
  const xt = lbpTop(vol, { radii: [2, 2, 2], points: [4, 12, 4], mapping: 'riu2' });
  const yt = lbpTop(vol, { radii: [2, 2, 2], points: [4, 4, 8], mapping: 'riu2' });
  assert.deepEqual(wide.subarray(0, 14), xy.subarray(0, 14));
  assert.deepEqual(wide.subarray(14, 28), xt.subarray(6, 20));
  assert.deepEqual(wide.subarray(28, 38), yt.subarray(12, 22));
});
