/**
 * TLCNN: frame-CNN and CNN+LSTM views (shapes, parameter counts), transfer of
 * the CNN weights between the views, and seeded training steps on wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { tlcnn, TlcnnNetwork } from '../../src/nets/tlcnn.ts';
import { Rng } from '../../src/core/rng.ts';

await initBackend({ backend: 'wasm' });

const CNN = 5 * 5 * 16 + 16 + (25 * 16 * 32 + 32) + (9 * 32 * 48 + 48) + (9 * 48 * 48 + 48) + (9 * 48 * 32 + 32) + (1152 * 256 + 256);

test('TLCNN frame view: [N,48,48,1] → [N,K]; CNN + FC7 + FC8 parameters', () => {
  const net = tlcnn({ classes: 3, seed: 1 }) as TlcnnNetwork;
  assert.deepEqual(net.inputShape, [48, 48, 1]);
  assert.equal(net.countParams(), CNN + (256 * 256 + 256) + (256 * 3 + 3));
  const y = net.predictLogits(tf.zeros([2, 48, 48, 1]));
  assert.deepEqual(y.shape, [2, 3]);
  tf.dispose(y);
  net.dispose();
});

test('TLCNN sequence view: [N,48,48,T] → LSTM(128) → [N,K]; transferFrom copies the CNN', () => {
  const frame = tlcnn({ classes: 3, seed: 1 }) as TlcnnNetwork;
  const seq = tlcnn({ classes: 3, seed: 2, frames: 4 }) as TlcnnNetwork;
  assert.equal(seq.countParams(), CNN + (256 * 512 + 128 * 512 + 512) + (128 * 3 + 3));
  assert.equal(seq.transferFrom(frame), 12);
  assert.deepEqual(Array.from(seq.getWeights().get('cnn_conv3/kernel')!.dataSync()), Array.from(frame.getWeights().get('cnn_conv3/kernel')!.dataSync()));
  const y = seq.predictLogits(tf.zeros([2, 48, 48, 4]));
  assert.deepEqual(y.shape, [2, 3]);
  tf.dispose(y);
  frame.dispose();
  seq.dispose();
});

function steps(seed: number) {
  const rng = new Rng(seed);
  const net = tlcnn({ classes: 3, seed, frames: 3 });
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 48 * 48 * 3 }, () => rng.uniform(0, 1)), [2, 48, 48, 3]);
  const y = tf.tensor1d([1, 2], 'int32');
  const ce = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), net.predictLogits(x)).dataSync()[0]);
  const before = ce();
  const opt = tf.train.adam(1e-3);
  for (let s = 0; s < 3; s++) tf.tidy(() => void opt.minimize(() => net.trainLoss(x, y, { epoch: 0, step: s, rng: rng.fork(s) }), false, net.trainableVariables()));
  const after = ce();
  const logits = Array.from(tf.tidy(() => net.predictLogits(x).dataSync()));
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { before, after, logits };
}

test('TLCNN CNN+LSTM: joint Adam steps on wasm lower the loss and are reproducible', () => {
  const a = steps(3);
  const b = steps(3);
  assert.ok(a.after < a.before, `loss ${a.before} → ${a.after}`);
  assert.deepEqual(a.logits, b.logits);
});
