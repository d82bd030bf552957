import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, hashString } from '../../src/core/rng.ts';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 100 }, () => a.next());
  const xb = Array.from({ length: 100 }, () => b.next());
  const xc = Array.from({ length: 100 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  for (const x of xa) assert.ok(x >= 0 && x < 1);
});

test('uniform moments and normal moments are right', () => {
  const r = new Rng(7);
  let s = 0, s2 = 0;
  const n = 200000;
  for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
  assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `var ${s2 / n}`);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < n; i++) counts[r.int(10)]++;
  for (const c of counts) assert.ok(Math.abs(c / n - 0.1) < 0.005);
});

test('shuffle is a permutation and fork gives independent reproducible streams', () => {
  const r = new Rng(1);
  const p = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  const f1 = new Rng(5).fork('fold-1').next();
  const f1b = new Rng(5).fork('fold-1').next();
  const f2 = new Rng(5).fork('fold-2').next();
  assert.equal(f1, f1b);
  assert.notEqual(f1, f2);
  assert.equal(hashString('abc'), 0x1a47e90b);
});
