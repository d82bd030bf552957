import { test } from 'node:test';
import assert from 'node:assert/strict';
import { biwoof } from '../../src/features/biwoof.ts';

test('Bi-WOOF of u = a·x: magnitude-weighted orientation votes times the block mean strain', () => {
  const w = 8, h = 8, a = 0.1;
  const u = new Float32Array(w * h), v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) u[y * w + x] = a * (x + 1); // all rightward
  const f = biwoof({ width: w, height: h, u, v }, { grid: 2, bins: 4 });
  assert.equal(f.length, 2 * 2 * 4);
  // strain of u = a·x is |a| everywhere; left blocks: x = 0..3 → Σ magnitudes = 4 rows · a·(1+2+3+4)
  const left = 4 * a * 10 * a, right = 4 * a * (5 + 6 + 7 + 8) * a;
  const want = [left, 0, 0, 0, right, 0, 0, 0, left, 0, 0, 0, right, 0, 0, 0];
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(f[i] - want[i]) < 1e-6, `${i}: ${f[i]} vs ${want[i]}`);
  const n = biwoof({ width: w, height: h, u, v }, { grid: 2, bins: 4, l2: true });
  let s = 0;
  for (const x of n) s += x * x;
  assert.ok(Math.abs(s - 1) < 1e-6);
});

test('Bi-WOOF: a pure translation has zero strain, so zero feature', () => {
  const n = 36;
  const f = biwoof({ width: 6, height: 6, u: new Float32Array(n).fill(1), v: new Float32Array(n).fill(0.5) });
  assert.equal(f.length, 5 * 5 * 8);
  assert.ok(f.every((x) => x === 0));
});
