import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildResults, MERKIT_VERSION } from '../../src/eval/results.ts';
import { MerError } from '../../src/core/errors.ts';
import { sampleInput } from './sample.ts';

test('buildResults: names, pooled metrics, per part, per subject, folds, skipped', () => {
  const r = buildResults(sampleInput());
  assert.equal(r.recipe, 'flow-svm');
  assert.equal(r.protocol, 'loso');
  assert.equal(r.labels, 'megc3');
  assert.equal(r.seed, 7);
  assert.equal(r.merkitVersion, MERKIT_VERSION);
  // pooled: 6 of 8 correct
  assert.equal(r.metrics.n, 8);
  assert.equal(r.metrics.acc, 6 / 8);
  assert.deepEqual(r.metrics.confusion, [
    [3, 1, 0],
    [0, 2, 0],
    [1, 0, 1],
  ]);
  // negative: TP3 FP1 FN1 → 6/8; positive: TP2 FP1 → 4/5; surprise: TP1 FN1 → 2/3
  assert.ok(Math.abs(r.metrics.uf1 - (6 / 8 + 4 / 5 + 2 / 3) / 3) < 1e-12);
  assert.ok(Math.abs(r.metrics.uar - (3 / 4 + 1 + 1 / 2) / 3) < 1e-12);
  assert.deepEqual(Object.keys(r.metrics.perPart), ['casme2', 'samm']);
  assert.equal(r.metrics.perPart.casme2.n, 5);
  assert.equal(r.metrics.perPart.casme2.acc, 3 / 5);
  assert.equal(r.metrics.perPart.samm.acc, 1);
  // subjects keyed by dataset/subject: casme2/sub01 ≠ samm/sub01
  assert.deepEqual(Object.keys(r.metrics.perSubject), ['casme2/sub01', 'casme2/sub02', 'samm/006', 'samm/sub01']);
  assert.equal(r.metrics.perSubject['casme2/sub01'].acc, 2 / 3);
  assert.equal(r.metrics.perSubject['samm/sub01'].n, 2);
  // casme2/sub02: truth only negative (1 of 2 right) → UAR over {negative} = 1/2
  assert.equal(r.metrics.perSubject['casme2/sub02'].uar, 1 / 2);
  assert.equal(r.predictions[2].label, 'surprise');
  assert.equal(r.predictions[2].pred, 'negative');
  assert.equal(r.predictions[2].fold, 'casme2/sub01');
  assert.deepEqual(r.folds, [
    { name: 'casme2/sub01', nTrain: 5, nTest: 3 },
    { name: 'casme2/sub02', nTrain: 6, nTest: 2 },
  ]);
  assert.deepEqual(r.skipped[0], { kind: 'missing-folder', message: 'folder sub03/EP01 does not exist', file: '/data/coding.xlsx', row: 12 });
  assert.deepEqual(r.skipped[1], { kind: 'corrupt-image', message: 'cannot decode', clip: 'casme2/sub04/EP02' });
  assert.deepEqual(r.dropped, { fear: 2 });
  // JSON-safe: no undefined, NaN or typed arrays lost in a round trip
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('buildResults refuses an empty run and a wrong number of scores', () => {
  const inp = sampleInput();
  assert.throws(() => buildResults({ ...inp, predictions: [] }), (e: unknown) => e instanceof MerError && e.code === 'BAD_INPUT');
  const bad = { ...inp, predictions: [{ ...inp.predictions[0], scores: [1, 0] }] };
  assert.throws(() => buildResults(bad), (e: unknown) => e instanceof MerError && e.code === 'INTERNAL' && /2 scores/.test(e.message));
});
