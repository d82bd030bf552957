/**
 * networkLearner (TrainingSet → trained network → softmax scores), saving
 * (SavedModel 'network:ststnet' through src/learn/persist.ts, and the
 * tfjs-native folder through tf.io handlers), and one evaluation of the
 * `ststnet` recipe on a tiny synthetic flow-image folder with 2 worker
 * threads (one wasm instance each) = the same predictions in-process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/nets/tf.ts';
import { PNG } from 'pngjs';
import { initBackend } from '../../src/nets/backend.ts';
import { networkLearner } from '../../src/nets/learner.ts';
import { ststnetNetwork, buildStstnet } from '../../src/nets/ststnet.ts';
import { saveLayersModelFolder, loadLayersModelFolder } from '../../src/nets/modelIo.ts';
import { loadSavedModel } from '../../src/learn/persist.ts';
import type { FittedModel } from '../../src/learn/types.ts';
import { Rng } from '../../src/core/rng.ts';
import { evaluate } from '../../src/run/evaluate.ts';
import { flowPixels, writeSyntheticFlowdir } from '../helpers/flowdir.ts';

/** flow image whose dominant channel is the class (0 → R, 1 → G, 2 → B), plus noise */
test('networkLearner: trains STSTNet on separable flow images, softmax scores, save → loadSavedModel → same predictions', async () => {
  await initBackend({ backend: 'wasm' });
  const rng = new Rng(1);
  const rows = Array.from({ length: 18 }, (_, i) => i % 3);
  const X = rows.map((c) => {
    const p = flowPixels(c, rng);
    const x = new Float32Array(28 * 28 * 3);
    for (let i = 0; i < 28 * 28; i++) for (let k = 0; k < 3; k++) x[3 * i + k] = p[4 * i + 2 - k]; // BGR
    return x;
  });
  const learner = networkLearner(ststnetNetwork, {
    name: 'ststnet',
    inputShape: [28, 28, 3],
    train: { epochs: 30, batchSize: 6, optimizer: { kind: 'adam', lr: 0.01 } },
  });
  const model = (await learner.fit({
    X,
    y: rows,
    ids: rows.map((_, i) => `d/s${i % 6}/c${i}`),
    subjects: rows.map((_, i) => `d/s${i % 6}`),
    classes: ['negative', 'positive', 'surprise'],
    rng: new Rng(7),
  })) as FittedModel & { info: Record<string, unknown> };
  assert.equal(model.info.epochs, 30);
  const preds = model.predict(X);
  for (const p of preds) assert.ok(Math.abs(p.scores.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const acc = preds.filter((p, i) => p.pred === rows[i]).length / rows.length;
  assert.ok(acc >= 0.9, `training accuracy ${acc}`);
  const saved = await model.save!();
  assert.equal(saved.kind, 'network:ststnet');
  assert.deepEqual((saved.json as { classes: string[] }).classes, ['negative', 'positive', 'surprise']);
  assert.ok(saved.arrays!['conv/kernel'] instanceof Float32Array);
  const back = (await loadSavedModel(saved)) as FittedModel;
  assert.deepEqual(back.predict(X), preds);
});

test('tfjs-native model folder (tf.io save handler / fromMemory) round-trips STSTNet with its custom layers', async () => {
  await initBackend({ backend: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'merkit-tfjs-'));
  try {
    const m = buildStstnet({ seed: 3, layout: 'fused' });
    await saveLayersModelFolder(m, dir);
    const m2 = await loadLayersModelFolder(dir);
    const x = tf.randomUniform([2, 28, 28, 3], 0, 255, 'float32', 1);
    assert.deepEqual(Array.from((m2.predict(x) as tf.Tensor).dataSync()), Array.from((m.predict(x) as tf.Tensor).dataSync()));
    m.dispose();
    m2.dispose();
    x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ststnet recipe on a synthetic flowdir: 2 worker threads = in-process, and the classes are learnt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-flowdir-'));
  try {
    writeSyntheticFlowdir(dir, 4, 6, 2);
    const opts = {
      dataset: `flowdir:${dir}`,
      labels: 'megc3',
      recipe: 'ststnet',
      recipeParams: { epochs: 25, batchSize: 9, lr: 0.01 },
      protocol: 'loso',
      cache: false as const,
    };
    const inProcess = await evaluate({ ...opts, workers: 1 });
    const threaded = await evaluate({ ...opts, workers: 2 });
    assert.equal(threaded.predictions.length, 24);
    assert.deepEqual(threaded.predictions, inProcess.predictions);
    assert.ok(threaded.metrics.acc >= 0.9, `LOSO accuracy ${threaded.metrics.acc}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
