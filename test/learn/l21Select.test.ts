import { test } from 'node:test';
import assert from 'node:assert/strict';
import { l21Select, l21Selector } from '../../src/learn/l21Select.ts';
import { Rng } from '../../src/core/rng.ts';

function toy(seed: number, n: number) {
  // 200 non-negative-mean features (like histogram bins: the one-hot targets need a constant
  // component and the model has no bias); features 10, 50, 90, 130, 170 carry the class, the rest is noise
  const rng = new Rng(seed);
  const informative = [10, 50, 90, 130, 170];
  const X: Float32Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const x = Float32Array.from({ length: 200 }, () => 5 + rng.normal());
    informative.forEach((k, j) => (x[k] += 2.5 * Math.cos((2 * Math.PI * (c + j)) / 3)));
    X.push(x);
    y.push(c);
  }
  return { X, y, informative };
}

test('ℓ2,1 selection ranks the 5 informative of 200 features first; the objective decreases', () => {
  const { X, y, informative } = toy(1, 60);
  const r = l21Select(X, y, { gamma: 1, iterations: 40 });
  assert.deepEqual([...r.ranking.slice(0, 5)].sort((a, b) => a - b), informative);
  assert.equal(r.weights.length, 200);
  assert.equal(r.weights[0].length, 3);
  for (let i = 1; i < r.objective.length; i++) assert.ok(r.objective[i] <= r.objective[i - 1] + 1e-9, `iteration ${i}`);
});

test('l21Selector fits on the training rows and keeps n columns in rank order', () => {
  const { X, y } = toy(2, 45);
  const sel = l21Selector({ n: 5 });
  const fitted = sel.fit({ X, y, ids: X.map((_, i) => `d/s/${i}`), subjects: X.map(() => 'd/s'), classes: ['a', 'b', 'c'], rng: new Rng(0) });
  const Z = (fitted as { transform(X: readonly Float32Array[]): Float32Array[] }).transform([X[0]]);
  assert.equal(Z[0].length, 5);
  const kept = l21Select(X, y).ranking.slice(0, 5);
  assert.deepEqual([...Z[0]], [...kept].map((k) => X[0][k]));
  assert.throws(() => l21Selector({ n: 0 }), /positive integer/);
});
