/**
 * FR: parameter count of the architecture, the loss λ·L_prop + L_cls checked
 * against a hand computation from the network's own outputs, and seeded
 * training steps on wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { fr, FrNetwork, FR_CLASSIFIER_HIDDEN, FR_DETECTOR_HIDDEN, FR_LAMBDA } from '../../src/nets/fr.ts';
import { dualInception } from '../../src/nets/dualInception.ts';
import { frRecipe, type FrParams } from '../../src/recipes/fr.ts';
import { flowNetTraining } from '../../src/recipes/offApexNet.ts';
import { Rng } from '../../src/core/rng.ts';

await initBackend({ backend: 'wasm' });

test('FR: [N,28,28,3] → [N,K]; parameters = backbone + K·(attention + detector) + classifier', () => {
  const net = fr({ classes: 3, seed: 1 }) as FrNetwork;
  const backbone = 2 * (1284 + 10336) + (6272 * 1024 + 1024);
  const branch = 1024 * 1024 + 1024 + (1024 * 128 + 128) + (128 + 1);
  const classifier = 1024 * 216 + 216 + (216 * 3 + 3);
  assert.equal(net.countParams(), backbone + 3 * branch + classifier);
  const o = net.outputs(tf.zeros([2, 28, 28, 3]));
  assert.deepEqual(o.logits.shape, [2, 3]);
  assert.deepEqual(o.detectorLogits.shape, [2, 3]);
  tf.dispose([o.logits, o.detectorLogits]);
  net.dispose();
});

test('FR matches the paper\'s parameter counts (Table 7) to within one layer\'s bias', () => {
  // Table 7 (millions): Basic Inception 6.4803 (3 classes) / 6.4813 (4); FR 10.2418 (3) / 11.4231 (4).
  // merkit's backbone is the authors' Dual-Inception layers (0.03 M short of the table's
  // total, for reasons the paper does not give), so the checks are on what FR adds:
  // one class more, and FR over its own backbone.
  const count = (make: () => { countParams(): number; dispose(): void }) => {
    const n = make();
    const c = n.countParams();
    n.dispose();
    return c;
  };
  const fr3 = count(() => fr({ classes: 3, seed: 1 }) as FrNetwork);
  const fr4 = count(() => fr({ classes: 4, seed: 1 }) as FrNetwork);
  const basic3 = count(() => dualInception({ classes: 3, seed: 1 }) as unknown as FrNetwork);
  const oneLayerBias = 1024; // the largest bias of the proposal module (attention FC, shared FC)
  assert.ok(Math.abs(fr4 - fr3 - (11.4231e6 - 10.2418e6)) <= oneLayerBias, `FR(4) − FR(3) = ${fr4 - fr3}, Table 7: 1.1813 M`);
  assert.ok(Math.abs(fr3 - basic3 - (10.2418e6 - 6.4803e6)) <= oneLayerBias, `FR(3) − Basic(3) = ${fr3 - basic3}, Table 7: 3.7615 M`);
  assert.equal(FR_DETECTOR_HIDDEN, 128);
  assert.equal(FR_CLASSIFIER_HIDDEN, 216);
});

test('FR loss = 0.85 · mean_k,i BCE(detector_k, [y=k]) + mean_i CE (hand-computed from the outputs)', () => {
  const net = fr({ classes: 3, seed: 2, dropout: 0 }) as FrNetwork; // no dropout: training and inference forward agree
  const rng = new Rng(4);
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 28 * 28 * 3 }, () => rng.uniform(0, 1)), [2, 28, 28, 3]);
  const yv = [2, 0];
  const y = tf.tensor1d(yv, 'int32');
  const o = net.outputs(x);
  const L = o.logits.arraySync() as number[][];
  const D = o.detectorLogits.arraySync() as number[][];
  let ce = 0;
  let bce = 0;
  for (let i = 0; i < 2; i++) {
    const m = Math.max(...L[i]);
    const lse = m + Math.log(L[i].reduce((s, v) => s + Math.exp(v - m), 0));
    ce += (lse - L[i][yv[i]]) / 2;
    for (let k = 0; k < 3; k++) {
      const p = 1 / (1 + Math.exp(-D[i][k]));
      const t = yv[i] === k ? 1 : 0;
      bce -= (t * Math.log(p) + (1 - t) * Math.log(1 - p)) / 6;
    }
  }
  const loss = net.trainLoss(x, y, { epoch: 0, step: 0, rng: new Rng(0) }).dataSync()[0];
  assert.equal(FR_LAMBDA, 0.85);
  assert.ok(Math.abs(loss - (FR_LAMBDA * bce + ce)) < 1e-5, `${loss} vs ${FR_LAMBDA * bce + ce}`);
  tf.dispose([x, y, o.logits, o.detectorLogits]);
  net.dispose();
});

function steps(seed: number): { before: number; after: number; logits: number[] } {
  const net = fr({ classes: 3, seed });
  const rng = new Rng(seed);
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 28 * 28 * 3 }, () => rng.uniform(0, 1)), [4, 28, 28, 3]);
  const y = tf.tensor1d([0, 1, 2, 1], 'int32');
  const lossNow = () => tf.tidy(() => net.trainLoss(x, y, { epoch: 0, step: 0, rng: new Rng(99) }).dataSync()[0]);
  const before = lossNow();
  // lr 1e-4: the 7.6 M-weight net overshoots at the paper's 1e-3 on a single random batch of 4
  const opt = tf.train.adam(1e-4);
  for (let s = 0; s < 2; s++) tf.tidy(() => void opt.minimize(() => net.trainLoss(x, y, { epoch: 0, step: s, rng: rng.fork(s) }), false, net.trainableVariables()));
  const after = lossNow();
  const logits = Array.from(tf.tidy(() => net.predictLogits(x).dataSync()));
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { before, after, logits };
}

test('FR: seeded Adam steps on wasm lower the joint loss and are reproducible', () => {
  const a = steps(5);
  const b = steps(5);
  assert.ok(a.after < a.before, `loss ${a.before} → ${a.after}`);
  assert.deepEqual(a.logits, b.logits);
});

test('fr recipe: the paper\'s SGD settings (CDE without momentum, CDMER momentum 0.8) and the authors\' validation-loss checkpoint', () => {
  const cde = frRecipe();
  assert.equal(cde.params.optimizer, 'sgd');
  assert.equal(cde.params.momentum, 0);
  assert.equal(cde.params.lr, 0.001);
  assert.equal(cde.params.batchSize, 32);
  assert.equal(cde.params.lambda, 0.85);
  assert.match(cde.paper?.settings ?? '', /optimizer sgd, momentum 0, lr 0\.001, batch 32/);
  const t = flowNetTraining(cde.params as unknown as FrParams);
  assert.deepEqual(t.optimizer, { kind: 'sgd', lr: 0.001, momentum: 0 });
  assert.equal(t.validation?.fraction, 0.2);
  assert.equal(t.validation?.restoreBest, true);
  assert.equal(t.validation?.patience, Number.POSITIVE_INFINITY);
  const cdmer = frRecipe({ setting: 'cdmer' });
  assert.deepEqual(flowNetTraining(cdmer.params as unknown as FrParams).optimizer, { kind: 'sgd', lr: 0.0005, momentum: 0.8 });
  // a user override still wins over the setting's defaults
  assert.equal(frRecipe({ setting: 'cdmer', lr: 0.01 }).params.lr, 0.01);
});
