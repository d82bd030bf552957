import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianFilter } from '../../src/motion/median.ts';
import { Rng } from '../../src/core/rng.ts';

function bruteMedian(s: Float32Array, w: number, h: number, k: number): Float32Array {
  const r = k >> 1;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const vals: number[] = [];
    for (let i = -r; i <= r; i++) for (let j = -r; j <= r; j++) {
      vals.push(s[Math.min(h - 1, Math.max(0, y + i)) * w + Math.min(w - 1, Math.max(0, x + j))]);
    }
    vals.sort((p, q) => p - q);
    out[y * w + x] = vals[(k * k) >> 1];
  }
  return out;
}

test('5×5 median (the sorting-network path) equals a brute-force median with replicated borders', () => {
  const rng = new Rng(5);
  for (const [w, h, levels] of [[1, 1, 10], [2, 9, 10], [7, 5, 3], [33, 20, 1000], [40, 31, 4]] as const) {
    for (let rep = 0; rep < 5; rep++) {
      const s = new Float32Array(w * h).map(() => Math.floor(rng.next() * levels) / levels);
      const d = new Float32Array(w * h);
      medianFilter(s, d, w, h, 5);
      assert.deepEqual(d, bruteMedian(s, w, h, 5), `${w}×${h}, ${levels} levels`);
    }
  }
});

test('3×3 and 7×7 medians (selection path) equal a brute-force median', () => {
  const rng = new Rng(9);
  const w = 13, h = 11;
  const s = new Float32Array(w * h).map(() => rng.next());
  for (const k of [3, 7]) {
    const d = new Float32Array(w * h);
    medianFilter(s, d, w, h, k);
    assert.deepEqual(d, bruteMedian(s, w, h, k));
  }
});

test('median removes an isolated outlier and keeps a step edge', () => {
  const w = 10, h = 10;
  const s = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s[y * w + x] = x < 5 ? 0 : 1;
  s[2 * w + 2] = 9;
  const d = new Float32Array(w * h);
  medianFilter(s, d, w, h, 5);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(d[y * w + x], x < 5 ? 0 : 1);
});
