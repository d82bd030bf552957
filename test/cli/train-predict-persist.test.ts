/**
 * Saved models: every classical learner's save() → (model folder on disk) →
 * loadSavedModel gives a model that predicts EXACTLY the same (pred and
 * scores, bit for bit), and bad folders fail with a MerError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobs, ts } from '../learn/helpers.ts';
import { fitSvm } from '../../src/learn/svm.ts';
import { fitStandardize, fitMinMax, l2Normalize } from '../../src/learn/standardize.ts';
import { fitPca } from '../../src/learn/pca.ts';
import { fitLda, fitLdaAxes } from '../../src/learn/lda.ts';
import type { FittedModel, FittedTransform, SavedModel } from '../../src/learn/types.ts';
import { pipeline } from '../../src/learn/pipeline.ts';
import { standardize } from '../../src/learn/standardize.ts';
import { pca } from '../../src/learn/pca.ts';
import { svm } from '../../src/learn/svm.ts';
import { loadSavedModel, registerSavedModelLoader } from '../../src/learn/persist.ts';
import { readModelFolder, writeModelFolder, MODEL_JSON, type ModelMeta } from '../../src/run/modelFolder.ts';
import { MerError } from '../../src/core/errors.ts';

const { X, y } = blobs([[0, 0, 1], [3, 1, 0], [0, 3, 2]], 8, 0.8, 5);
const train = ts(X, y, 3);
const test3 = ts(blobs([[0, 0, 1], [3, 1, 0], [0, 3, 2]], 3, 1.2, 9).X, [], 3).X;

const META: ModelMeta = {
  recipe: 'test',
  recipeParams: {},
  labels: 'original',
  classes: ['c0', 'c1', 'c2'],
  trainedOn: { dataset: 'mem', clips: X.length, subjects: 4 },
  preprocessing: {},
  trainingMetrics: { kind: 'resubstitution', note: 'test' },
};

async function viaFolder(saved: SavedModel): Promise<SavedModel> {
  const dir = await mkdtemp(join(tmpdir(), 'merkit-model-'));
  try {
    await writeModelFolder(dir, META, saved);
    return (await readModelFolder(dir)).saved;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sameModel(m: FittedModel) {
  assert.ok(m.save, 'model has save()');
  const back = (await loadSavedModel(await viaFolder(await m.save!()))) as FittedModel;
  assert.deepEqual(back.predict(test3), m.predict(test3));
  assert.deepEqual(back.predict(train.X), m.predict(train.X));
}

async function sameTransform(f: FittedTransform) {
  assert.ok(f.save, 'transform has save()');
  const back = (await loadSavedModel(await viaFolder(await f.save!()))) as FittedTransform;
  assert.deepEqual(back.transform(test3), f.transform(test3));
}

test('svm save/load: linear ovo, rbf + Platt probabilities, ovr, chi2 — identical predictions', async () => {
  await sameModel(fitSvm(train, { kernel: 'linear' }));
  await sameModel(fitSvm(train, { kernel: 'rbf', probability: true }));
  await sameModel(fitSvm(train, { kernel: 'poly', multiclass: 'ovr', classWeight: 'balanced' }));
  const pos = ts(X.map((r) => r.map((v) => Math.abs(v))), y, 3);
  const m = fitSvm(pos, { kernel: 'chi2' });
  const back = (await loadSavedModel(await viaFolder(await m.save!()))) as FittedModel;
  assert.deepEqual(back.predict(pos.X), m.predict(pos.X));
});

test('standardize / min-max / l2 / pca / lda-transform save/load: identical transforms', async () => {
  await sameTransform(fitStandardize(train.X));
  await sameTransform(fitMinMax(train.X));
  await sameTransform(await l2Normalize().fit(train));
  await sameTransform(fitPca(train.X, { components: 2, whiten: true }));
  await sameTransform(fitLdaAxes(train));
});

test('lda classifier and a pipeline (standardize → pca → svm) save/load: identical predictions', async () => {
  await sameModel(fitLda(train));
  const p = await pipeline('std+pca+svm', [standardize(), pca({ components: 2 })], svm({ kernel: 'rbf', probability: true })).fit(train);
  await sameModel(p);
  const saved = await p.save!();
  assert.equal(saved.kind, 'pipeline');
  assert.deepEqual(saved.children!.map((c) => c.kind), ['affine', 'pca', 'svm']);
});

test('a pipeline whose learner cannot be saved has no save(); unknown kinds and broken folders are MerErrors', async () => {
  const unsaveable = { name: 'x', fit: () => ({ predict: () => [] }) };
  const p = await pipeline('p', [standardize()], unsaveable).fit(train);
  assert.equal(p.save, undefined);
  await assert.rejects(loadSavedModel({ kind: 'no-such-kind', json: {} }), (e) => e instanceof MerError && e.code === 'UNSUPPORTED' && /svm/.test(e.expected ?? ''));
  // a colleague's loader is found by kind
  registerSavedModelLoader('test:const', () => ({ predict: (Z) => Z.map(() => ({ pred: 1, scores: [0, 1] })) }));
  const m = (await loadSavedModel({ kind: 'test:const', json: null })) as FittedModel;
  assert.deepEqual(m.predict([new Float32Array(1)]), [{ pred: 1, scores: [0, 1] }]);

  const dir = await mkdtemp(join(tmpdir(), 'merkit-model-'));
  try {
    await assert.rejects(readModelFolder(dir), (e) => e instanceof MerError && e.code === 'NOT_FOUND');
    const meta = await writeModelFolder(dir, META, await fitStandardize(train.X).save!());
    // arrays are raw little-endian files referenced with dtype and shape
    const ref = meta.model.arrays!.shift;
    assert.equal(ref.dtype, 'float64');
    assert.deepEqual(ref.shape, [3]);
    const bytes = await readFile(join(dir, ref.file));
    assert.equal(bytes.length, 24);
    const mean = train.X.reduce((a, r) => a + r[0], 0) / train.X.length;
    assert.ok(Math.abs(bytes.readDoubleLE(0) - mean) < 1e-6);
    await writeFile(join(dir, ref.file), bytes.subarray(0, 16));
    await assert.rejects(readModelFolder(dir), (e) => e instanceof MerError && e.code === 'BAD_INPUT' && /shape/.test(e.expected ?? ''));
    const j = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    j.format = 'merkit-model/99';
    await writeFile(join(dir, MODEL_JSON), JSON.stringify(j));
    await assert.rejects(readModelFolder(dir), (e) => e instanceof MerError && e.code === 'UNSUPPORTED');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
