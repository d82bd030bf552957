import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubicWeights, remapCubic3, remapCubic3Js, resizeLinear, scaledSize, wasmRemapAvailable } from '../../src/motion/resample.ts';
import { Rng } from '../../src/core/rng.ts';

test('OpenCV cubic weights (A = −0.75): sum to 1, interpolate at 0, known value at ½', () => {
  const w = new Float64Array(4);
  cubicWeights(0, w);
  assert.deepEqual([...w].map((x) => Math.round(x * 1e12) / 1e12), [0, 1, 0, 0]);
  cubicWeights(0.5, w);
  // hand-computed: c0 = c3 = A·(1.5³ − 5·1.5² + 8·1.5 − 4) = −0.75·0.125 = −0.09375, c1 = c2 = 0.59375
  assert.ok(Math.abs(w[0] + 0.09375) < 1e-12 && Math.abs(w[1] - 0.59375) < 1e-12 && Math.abs(w[2] - 0.59375) < 1e-12 && Math.abs(w[3] + 0.09375) < 1e-12);
});

test('resizeLinear: pixel-centre alignment and replicated borders (cv::resize INTER_LINEAR)', () => {
  // 4 → 2 pixels: dst x=0 samples src 0.5 → mean of src[0], src[1]
  const src = new Float32Array([0, 10, 20, 30]);
  const dst = new Float32Array(2);
  resizeLinear(src, 4, 1, dst, 2, 1);
  assert.deepEqual([...dst], [5, 25]);
  // 2 → 4: x = −0.25 clamps to src[0]; 0.25 → 2.5; 0.75 → 7.5; 1.25 clamps to src[1]
  const up = new Float32Array(4);
  resizeLinear(new Float32Array([0, 10]), 2, 1, up, 4, 1);
  assert.deepEqual([...up], [0, 2.5, 7.5, 10]);
  assert.equal(scaledSize(314, 0.8), 251);
});

test('remapCubic3: zero flow is the identity, an integer shift moves pixels, outside is 0', () => {
  const w = 8, h = 6, n = w * h;
  const a = new Float32Array(n).map((_, i) => (i * 7) % 11);
  const zero = new Float32Array(n);
  const out = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  remapCubic3(w, h, zero, zero, a, a, a, out[0], out[1], out[2]);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(out[0][i] - a[i]) < 1e-5);
  const u = new Float32Array(n).fill(2);
  remapCubic3(w, h, u, zero, a, a, a, out[0], out[1], out[2]);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const want = x + 2 < w ? a[y * w + x + 2] : 0;
    assert.ok(Math.abs(out[0][y * w + x] - want) < 1e-5, `(${x},${y})`);
  }
});

test('remapCubic3 on a ramp at sub-pixel shifts: the A = −0.75 kernel values', () => {
  const w = 16, h = 4, n = w * h;
  const ramp = new Float32Array(n).map((_, i) => i % w);
  const zero = new Float32Array(n);
  const o = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  // at ½ the kernel is symmetric → exact; at ¼ it is not linear-exact:
  // −c0 + c2 + 2·c3 = 0.10546875 + 0.26171875 − 0.0703125 = 0.296875 (hand-computed)
  for (const [shift, want] of [[0.5, 0.5], [0.25, 0.296875]]) {
    remapCubic3(w, h, new Float32Array(n).fill(shift), zero, ramp, ramp, ramp, o[0], o[1], o[2]);
    for (let x = 2; x < w - 3; x++) assert.ok(Math.abs(o[0][x] - (x + want)) < 1e-5, `shift ${shift} at ${x}: ${o[0][x]}`);
  }
});

test('remapCubic3 (wasm SIMD interior + JS borders) is bit-identical to the JavaScript remap', () => {
  assert.equal(wasmRemapAvailable(), true, 'Node 20 has wasm SIMD: the fast kernel must load');
  const rng = new Rng(3);
  for (const [w, h, amp] of [[37, 23, 3], [16, 16, 1.5], [5, 4, 6], [4, 4, 0.5]] as const) {
    const n = w * h;
    const plane = () => new Float32Array(n).map(() => rng.next() * 255);
    const a = plane(), b = plane(), c = plane();
    const u = new Float32Array(n).map(() => (rng.next() - 0.5) * 2 * amp);
    const v = new Float32Array(n).map(() => (rng.next() - 0.5) * 2 * amp);
    // far outside, exact 1/32 steps (rounding ties), negative ties
    u[0] = 1e9; v[1] = -1e9; u[2] = 0.015625; v[3] = -0.046875;
    const fast = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    const js = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    remapCubic3(w, h, u, v, a, b, c, fast[0], fast[1], fast[2]);
    remapCubic3Js(w, h, u, v, a, b, c, js[0], js[1], js[2]);
    for (let p = 0; p < 3; p++) assert.deepEqual(fast[p], js[p], `plane ${p}, ${w}×${h}`);
    assert.ok(js[0].some((x) => x > 1), 'the warp produced non-trivial values');
  }
});
