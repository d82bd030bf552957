/**
 * OFF-ApexNet and Dual-Inception: output shapes, the hand-computed parameter
 * counts of the published architectures, stable weight names, weight
 * round-trip, and seeded Adam steps on wasm (loss goes down, same seed → same
 * numbers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { offApexNet } from '../../src/nets/offApexNet.ts';
import { dualInception } from '../../src/nets/dualInception.ts';
import type { Network, NetworkFactory } from '../../src/nets/types.ts';
import type { StoreNetwork } from '../../src/nets/blocks.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';

await initBackend({ backend: 'wasm' });

/** inference cross-entropy before and after `steps` Adam steps on a fixed random batch */
function train(factory: NetworkFactory, seed: number, steps = 2, lr = 1e-3): { before: number; after: number; logits: number[] } {
  const rng = new Rng(seed);
  const n = 4;
  const net: Network = factory({ classes: 3, seed });
  const [h, w, c] = net.inputShape;
  const x = tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => rng.uniform(0, 1)), [n, h, w, c]);
  const y = tf.tensor1d([0, 1, 2, 0], 'int32');
  const ce = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), net.predictLogits(x)).dataSync()[0]);
  const before = ce();
  const opt = tf.train.adam(lr);
  for (let s = 0; s < steps; s++) tf.tidy(() => void opt.minimize(() => net.trainLoss(x, y, { epoch: 0, step: s, rng: rng.fork(s) }), false, net.trainableVariables()));
  const after = ce();
  const logits = Array.from(tf.tidy(() => net.predictLogits(x).dataSync()));
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { before, after, logits };
}

test('OFF-ApexNet: [N,28,28,3] → [N,classes]; 2 664 475 trainable parameters (3 classes)', () => {
  const net = offApexNet({ classes: 3, seed: 1 }) as StoreNetwork;
  assert.deepEqual(net.inputShape, [28, 28, 3]);
  const out = net.predictLogits(tf.zeros([2, 28, 28, 3]));
  assert.deepEqual(out.shape, [2, 3]);
  // streams 2·((25·6+6) + (25·6·16+16)) = 5144; fc 1568·1024+1024; 1024·1024+1024; 1024·3+3
  assert.equal(net.countParams(), 5144 + 1606656 + 1049600 + 3075);
  assert.ok(net.getWeights().has('u_conv1/kernel') && net.getWeights().has('v_conv2/bias') && net.getWeights().has('fc_out/kernel'));
  tf.dispose(out);
  net.dispose();
});

test('Dual-Inception: 6 449 867 trainable parameters (3 classes), inception branch shapes', () => {
  const net = dualInception({ classes: 3, seed: 1 }) as StoreNetwork;
  // per stream: block 1 (1 → 4×6): 12 + (12+330) + (12+906) + 12 = 1284; block 2 (24 → 4×16): 400 + (400+2320) + (400+6416) + 400 = 10336
  assert.equal(net.countParams(), 2 * (1284 + 10336) + (6272 * 1024 + 1024) + (1024 * 3 + 3));
  assert.deepEqual(net.getWeights().get('v_inc2_b5x5/kernel')!.shape, [5, 5, 16, 16]);
  const out = net.predictLogits(tf.zeros([1, 28, 28, 3]));
  assert.deepEqual(out.shape, [1, 3]);
  tf.dispose(out);
  net.dispose();
});

test('weights round-trip by name; a misshapen or missing weight is a MerError naming it', () => {
  const a = offApexNet({ classes: 3, seed: 1 });
  const b = offApexNet({ classes: 3, seed: 2 });
  const x = tf.randomUniform([2, 28, 28, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const plain = new Map([...a.getWeights()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
  assert.notDeepEqual(Array.from(a.predictLogits(x).dataSync()), Array.from(b.predictLogits(x).dataSync()));
  b.setWeights(plain);
  assert.deepEqual(Array.from(a.predictLogits(x).dataSync()), Array.from(b.predictLogits(x).dataSync()));
  plain.set('fc1/kernel', { shape: [3, 3], data: new Float32Array(9) });
  assert.throws(() => b.setWeights(plain), (e: unknown) => e instanceof MerError && /fc1\/kernel/.test(e.message));
  plain.delete('fc1/kernel');
  assert.throws(() => b.setWeights(plain), (e: unknown) => e instanceof MerError && /fc1\/kernel.*missing/.test(e.message));
  assert.throws(() => a.predictLogits(tf.zeros([1, 28, 28, 1])), MerError);
  a.dispose();
  b.dispose();
});

// lr: OFF-ApexNet 1e-3; Dual-Inception its authors' 1e-4 (6.4 M weights overshoot at 1e-3 on a random batch)
for (const [name, factory, lr] of [['OFF-ApexNet', offApexNet, 1e-3], ['Dual-Inception', dualInception, 1e-4]] as const) {
  test(`${name}: seeded Adam steps on wasm lower the loss and are reproducible`, () => {
    const r1 = train(factory, 3, 2, lr);
    const r2 = train(factory, 3, 2, lr);
    assert.ok(r1.after < r1.before, `loss ${r1.before} → ${r1.after}`);
    assert.deepEqual(r1.logits, r2.logits);
  });
}
