/**
 * Memory of the networks built on ParamStore (OFF-ApexNet, Dual-Inception,
 * FR, EMR, TLCNN): training keeps the tensor count constant from epoch to
 * epoch, and a fitted model's dispose() returns the engine to where it was.
 *
 * The bug this catches: tf.variable() shares its initial tensor's data and
 * adds a reference, so a network that did not release the initial tensors
 * kept its whole weight size after dispose(), and the fold runner never
 * disposed fitted networks at all. A 2-worker FR CDE run grew the wasm heap
 * past 2 GiB in 19 minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { networkLearner } from '../../src/nets/learner.ts';
import { offApexNet } from '../../src/nets/offApexNet.ts';
import { dualInception } from '../../src/nets/dualInception.ts';
import { fr } from '../../src/nets/fr.ts';
import { emr } from '../../src/nets/emr.ts';
import { trainNetwork } from '../../src/nets/train.ts';
import { emrRecipe, emrTraining, type EmrParams } from '../../src/recipes/emr.ts';
import { tlcnn } from '../../src/nets/tlcnn.ts';
import { Rng } from '../../src/core/rng.ts';
import type { NetworkFactory } from '../../src/nets/types.ts';

await initBackend({ backend: 'wasm' });

const N = 12;
const CLASSES = ['a', 'b', 'c'];

function rows(len: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => Float32Array.from({ length: len }, () => rng.uniform(0, 1)));
}

const CASES: { name: string; factory: NetworkFactory; shape: [number, number, number]; build?: Record<string, unknown> }[] = [
  { name: 'off-apexnet', factory: offApexNet, shape: [28, 28, 3] },
  { name: 'dual-inception', factory: dualInception, shape: [28, 28, 3] },
  { name: 'fr', factory: fr, shape: [28, 28, 3] },
  { name: 'emr', factory: emr, shape: [28, 28, 3], build: { width: 8 } },
  { name: 'tlcnn', factory: tlcnn, shape: [48, 48, 4], build: { frames: 4 } },
];

for (const c of CASES) {
  test(`${c.name}: tensor count constant over epochs; fit → predict → dispose leaves no tensor and no byte behind`, async () => {
    const before = tf.memory();
    const perEpoch: number[] = [];
    const learner = networkLearner(c.factory, {
      name: c.name,
      inputShape: c.shape,
      build: c.build,
      train: { epochs: 3, batchSize: 4, optimizer: { kind: 'adam', lr: 1e-3 }, onEpoch: () => perEpoch.push(tf.memory().numTensors) },
    });
    const X = rows(c.shape[0] * c.shape[1] * c.shape[2], 3);
    const model = await learner.fit({
      X,
      y: Array.from({ length: N }, (_, i) => i % 3),
      ids: X.map((_, i) => `clip${i}`),
      subjects: X.map((_, i) => `s${i % 4}`),
      classes: CLASSES,
      rng: new Rng(`memory/${c.name}`),
    });
    assert.equal(perEpoch.length, 3);
    assert.ok(perEpoch.every((n) => n === perEpoch[0]), `tensors per epoch ${perEpoch.join(', ')}`);
    const p = model.predict(X.slice(0, 5));
    assert.equal(p.length, 5);
    assert.ok(tf.memory().numTensors > before.numTensors, 'the fitted network holds its weights');
    assert.equal(typeof model.dispose, 'function');
    model.dispose!();
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors, 'tensors left after dispose');
    assert.equal(after.numBytes, before.numBytes, 'bytes left after dispose');
  });
}

test('emr with macro rows (gradient reversal), learning-rate groups, clipping, weight decay and augmentation: tensor count constant over epochs, nothing left after dispose', async () => {
  const before = tf.memory();
  const perEpoch: number[] = [];
  const net = emr({ classes: 3, seed: 2, width: 8 });
  const X = rows(28 * 28 * 3, 5);
  const x = new Float32Array(N * 28 * 28 * 3);
  X.forEach((r, i) => x.set(r, i * r.length));
  const p = emrRecipe({ width: 8, epochs: 3, batchSize: 4, macroDir: null }).params as unknown as EmrParams;
  await trainNetwork(
    net,
    { x, y: Int32Array.from({ length: N }, (_, i) => i % 3), subjects: X.map((_, i) => `s${i % 4}`), tags: Int32Array.from({ length: N }, (_, i) => i % 2) },
    { ...emrTraining(p), seed: 4, onEpoch: () => perEpoch.push(tf.memory().numTensors) },
  );
  assert.equal(perEpoch.length, 3);
  assert.ok(perEpoch.every((n) => n === perEpoch[0]), `tensors per epoch ${perEpoch.join(', ')}`);
  net.dispose();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors, 'tensors left after dispose');
  assert.equal(after.numBytes, before.numBytes, 'bytes left after dispose');
});
