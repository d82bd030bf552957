import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median5Js, median5Wasm, medianFilter, medianNetwork, wasmMedianAvailable } from '../../src/motion/median.ts';
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

test('both 5×5 implementations (wasm SIMD and portable JS) equal a brute-force median', () => {
  const rng = new Rng(6);
  assert.equal(wasmMedianAvailable(), true, 'Node 20 has wasm SIMD: the fast path must load');
  for (const [w, h, levels] of [[1, 1, 10], [3, 2, 10], [4, 4, 3], [5, 9, 7], [37, 19, 1000], [64, 6, 4]] as const) {
    for (let rep = 0; rep < 4; rep++) {
      // values of both signs (the network must order negatives too), with ties
      const s = new Float32Array(w * h).map(() => Math.floor(rng.next() * levels) / levels - 0.5);
      const want = bruteMedian(s, w, h, 5);
      const a = new Float32Array(w * h).fill(NaN), b = new Float32Array(w * h).fill(NaN);
      assert.equal(median5Wasm(s, a, w, h), true);
      median5Js(s, b, w, h, new Float64Array(5 * w));
      assert.deepEqual(a, want, `wasm ${w}×${h}, ${levels} levels`);
      assert.deepEqual(b, want, `js ${w}×${h}, ${levels} levels`);
    }
  }
});

test('median selection network: 25 inputs, exact on 0/1 inputs with every count of ones', () => {
  const { ops, result } = medianNetwork(25);
  assert.ok(ops.length < 120, `${ops.length} exchanges`);
  // 0-1 principle for selection: for each count of ones c, many random placements; the median is 1 iff c ≥ 13
  const rng = new Rng(2);
  for (let c = 0; c <= 25; c++) {
    for (let rep = 0; rep < 40; rep++) {
      const x = new Array(25).fill(0);
      const idx = Array.from({ length: 25 }, (_, i) => i);
      for (let i = 24; i > 0; i--) { const j = Math.floor(rng.next() * (i + 1)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
      for (let i = 0; i < c; i++) x[idx[i]] = 1;
      for (const [p, q] of ops) { const lo = Math.min(x[p], x[q]), hi = Math.max(x[p], x[q]); x[p] = lo; x[q] = hi; }
      assert.equal(x[result], c >= 13 ? 1 : 0, `${c} ones`);
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
