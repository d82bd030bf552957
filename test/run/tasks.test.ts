/**
 * The fold runner releases each fold's fitted model (networks hold their
 * weights in the wasm heap; a worker runs many folds), also when predicting
 * fails; and it gives every fold of a run the same shared stream (for work
 * that uses no fold data) next to the fold's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerRecipe } from '../../src/recipes/index.ts';
import { runFoldTask, type FoldTask } from '../../src/run/tasks.ts';

let disposed = 0;
let failPredict = false;
/** first draws of the fit's fold stream and shared stream */
const draws: { fold: number; shared: number | undefined }[] = [];
registerRecipe('test-dispose-spy', () => ({
  name: 'test-dispose-spy',
  title: 'records dispose() calls',
  accepts: ['memory'],
  defaultProtocol: 'loso',
  params: {},
  extract: async () => new Float32Array(1),
  learner: () => ({
    name: 'spy',
    fit: (train) => {
      draws.push({ fold: train.rng.nextUint32(), shared: train.sharedRng?.nextUint32() });
      return {
        predict: (X) => {
          if (failPredict) throw new Error('predict failed');
          return X.map(() => ({ pred: 0, scores: [1, 0] }));
        },
        dispose: () => void disposed++,
      };
    },
  }),
}));

const task: FoldTask = {
  type: 'fold',
  recipe: 'test-dispose-spy',
  recipeParams: {},
  foldName: 's1',
  seed: 1,
  classes: ['a', 'b'],
  trainX: [new Float32Array(1), new Float32Array(1)],
  trainY: [0, 1],
  trainIds: ['c1', 'c2'],
  trainSubjects: ['s2', 's3'],
  testX: [new Float32Array(1)],
};

test('runFoldTask disposes the fitted model after predicting, and when predicting throws', async () => {
  disposed = 0;
  const r = await runFoldTask(task);
  assert.equal(r.predictions.length, 1);
  assert.equal(disposed, 1);
  failPredict = true;
  await assert.rejects(() => runFoldTask(task), /predict failed/);
  assert.equal(disposed, 2);
  failPredict = false;
});

test('runFoldTask: the shared stream is the same in every fold of a run and follows the seed; fold streams differ', async () => {
  draws.length = 0;
  await runFoldTask(task);
  await runFoldTask({ ...task, foldName: 's2' });
  await runFoldTask({ ...task, foldName: 's2', seed: 2 });
  const [a, b, c] = draws;
  assert.ok(a.shared !== undefined);
  assert.equal(a.shared, b.shared);
  assert.notEqual(a.fold, b.fold);
  assert.notEqual(b.shared, c.shared);
});
