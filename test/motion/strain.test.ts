import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowMagnitude, opticalStrain } from '../../src/motion/strain.ts';

test('optical strain of a linear flow field is exact everywhere, borders included', () => {
  const w = 9, h = 7;
  const [a, b, c, d] = [0.02, -0.03, 0.05, 0.01]; // u = a·x + b·y, v = c·x + d·y
  const u = new Float32Array(w * h), v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { u[y * w + x] = a * x + b * y; v[y * w + x] = c * x + d * y; }
  const s = opticalStrain({ width: w, height: h, u, v });
  const want = Math.sqrt(a * a + d * d + 0.5 * (b + c) * (b + c));
  for (const x of s) assert.ok(Math.abs(x - want) < 1e-6, `${x} vs ${want}`);
});

test('a pure translation and a pure rotation have zero strain', () => {
  const w = 6, h = 5, n = w * h;
  const t = opticalStrain({ width: w, height: h, u: new Float32Array(n).fill(1.3), v: new Float32Array(n).fill(-0.4) });
  assert.ok(t.every((x) => x === 0));
  // infinitesimal rotation u = −ω·y, v = ω·x: u_y + v_x = 0, u_x = v_y = 0
  const u = new Float32Array(n), v = new Float32Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { u[y * w + x] = -0.01 * y; v[y * w + x] = 0.01 * x; }
  assert.ok(opticalStrain({ width: w, height: h, u, v }).every((x) => Math.abs(x) < 1e-7));
});

test('flow magnitude', () => {
  const m = flowMagnitude({ width: 2, height: 1, u: new Float32Array([3, 0]), v: new Float32Array([4, -2]) });
  assert.deepEqual([...m], [5, 2]);
});
