/**
 * EMR: the ResNet-18 encoder's parameter count equals torchvision's
 * resnet18 without its fc (11 689 512 − 513 000), gradient reversal's
 * hand-computed gradient, output shapes, and seeded training steps on wasm
 * (narrow ResNet, tiny batch) with and without macro-domain rows; the
 * heads, the part split and the reversal ramp of the authors' code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { emr, EmrNetwork, grlCoefficient, topRows } from '../../src/nets/emr.ts';
import { gradientReversal, ParamStore } from '../../src/nets/blocks.ts';
import { resnet18Encoder } from '../../src/nets/resnet.ts';
import { Rng } from '../../src/core/rng.ts';

await initBackend({ backend: 'wasm' });

test('ResNet-18 encoder: 11 176 512 trainable parameters (torchvision resnet18 minus fc)', () => {
  const ps = new ParamStore(0);
  const enc = resnet18Encoder(ps, 3, 64);
  assert.equal(enc.channels, 512);
  assert.equal(ps.countParams(true), 11689512 - (512 * 1000 + 1000));
  ps.dispose();
});

test('gradient reversal: identity forward, −λ·dy backward', () => {
  const x = tf.tensor1d([1, 2, 3]);
  const w = tf.tensor1d([0.5, -1, 2]);
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gradientReversal(a, 0.3), w)))(x);
  assert.deepEqual(Array.from(gradientReversal(x, 0.3).dataSync()), [1, 2, 3]);
  const got = Array.from(g.dataSync());
  [-0.15, 0.3, -0.6].forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-6));
  tf.dispose([x, w, g]);
});

function run(seed: number, withSource: boolean) {
  const rng = new Rng(seed);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(0, 1));
  const tags = withSource ? Int32Array.from([0, 1]) : undefined; // one micro, one macro row
  const net = emr({ classes: 3, seed, width: 4 }) as EmrNetwork;
  const x = tf.tensor4d(rand(2 * 28 * 28 * 3), [2, 28, 28, 3]);
  const y = tf.tensor1d([0, 2], 'int32');
  const out = net.predictLogits(x);
  assert.deepEqual(out.shape, [2, 3]);
  const ce = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), net.predictLogits(x)).dataSync()[0]);
  const opt = tf.train.adam(1e-2);
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) tf.tidy(() => void losses.push(opt.minimize(() => net.trainLoss(x, y, { epoch: 0, step: s, rng: rng.fork(s), tags }), true, net.trainableVariables())!.dataSync()[0]));
  const after = Array.from(tf.tidy(() => net.predictLogits(x).dataSync()));
  const trainCe = ce();
  opt.dispose();
  net.dispose();
  tf.dispose([x, y, out]);
  return { losses, after, trainCe };
}

test('EMR (narrow ResNet, 64×64 inside): training steps on wasm lower L_t+L_b+L_c and are reproducible', () => {
  const a = run(1, false);
  const b = run(1, false);
  assert.ok(a.losses[2] < a.losses[0], `losses ${a.losses}`);
  assert.deepEqual(a.after, b.after);
});

test('EMR with a macro-domain source: adversarial steps run, are finite and reproducible', () => {
  const a = run(2, true);
  const b = run(2, true);
  assert.ok(a.losses.every(Number.isFinite));
  assert.deepEqual(a.after, b.after);
});

test('EMR heads as the authors\' code builds them: FC 512→64 per part, classifiers 64→K and 128→K, discriminator 128→64→32→1', () => {
  const net = emr({ classes: 3, seed: 1 }) as EmrNetwork;
  const resnet = 11689512 - (512 * 1000 + 1000);
  const heads = 2 * (512 * 64 + 64) + 2 * (64 * 3 + 3) + (128 * 3 + 3) + (128 * 64 + 64) + (64 * 32 + 32) + (32 + 1);
  assert.equal(net.countParams(), resnet + heads);
  net.dispose();
});

test('EMR part split and reversal ramp: top = 3 of 7 rows (round(3h/7), one row at least each side); coefficient 2/(1+e^(−10 i/10000)) − 1', () => {
  assert.deepEqual([2, 4, 7].map(topRows), [1, 2, 3]);
  assert.equal(grlCoefficient(0), 0);
  assert.ok(Math.abs(grlCoefficient(10000) - (2 / (1 + Math.exp(-10)) - 1)) < 1e-15);
  assert.ok(Math.abs(grlCoefficient(1000) - 0.46211715726000974) < 1e-12);
  assert.ok(grlCoefficient(10000, 0.5) < 0.5);
});
