import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdmo, MDMO_ROIS, MDMO_ROI_CENTRES } from '../../src/features/mdmo.ts';
import { MerError } from '../../src/core/errors.ts';

/** a plausible 68-point face in a 100×100 frame: landmarks on a grid-ish layout */
function face(): Float32Array {
  const l = new Float32Array(136);
  for (let k = 0; k < 68; k++) { l[2 * k] = 20 + ((k * 37) % 60); l[2 * k + 1] = 20 + ((k * 53) % 60); }
  // eyes 36–41 around (35, 40), 42–47 around (65, 40)
  for (let k = 0; k < 6; k++) {
    l[2 * (36 + k)] = 35 + Math.cos(k) * 4; l[2 * (36 + k) + 1] = 40 + Math.sin(k) * 2;
    l[2 * (42 + k)] = 65 + Math.cos(k) * 4; l[2 * (42 + k) + 1] = 40 + Math.sin(k) * 2;
  }
  return l;
}

test('MDMO has 36 ROIs; a uniform downward flow gives ρ = 1, θ = −π/2 in every ROI', () => {
  assert.equal(MDMO_ROI_CENTRES.length, MDMO_ROIS);
  const n = 100 * 100;
  const f = mdmo({ width: 100, height: 100, u: new Float32Array(n), v: new Float32Array(n).fill(0.7) }, face());
  assert.equal(f.length, 72);
  for (let r = 0; r < 36; r++) {
    assert.ok(Math.abs(f[2 * r] - 1) < 1e-6);
    assert.ok(Math.abs(f[2 * r + 1] + Math.PI / 2) < 1e-6);
  }
});

test('MDMO takes the main direction (most vectors), not the largest magnitude', () => {
  const w = 100, n = w * w;
  const u = new Float32Array(n).fill(1), v = new Float32Array(n);
  // every third pixel moves left, fast: fewer vectors, larger magnitude
  for (let i = 0; i < n; i += 3) u[i] = -5;
  const f = mdmo({ width: w, height: w, u, v }, face());
  for (let r = 0; r < 36; r++) {
    assert.ok(Math.abs(f[2 * r + 1]) < 1e-6, 'main direction is rightward');
    assert.ok(Math.abs(f[2 * r] - 1) < 1e-6);
  }
});

test('MDMO refuses a wrong landmark count', () => {
  assert.throws(() => mdmo({ width: 4, height: 4, u: new Float32Array(16), v: new Float32Array(16) }, new Float32Array(10)), MerError);
});
