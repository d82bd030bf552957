/**
 * The no-leakage property of the protocol runner: in every fold, every fitted
 * step (transform and model) sees only that fold's training clips, train and
 * test subjects are disjoint where the protocol says so, and a learner that
 * could exploit leaked test rows (a memoriser) scores at chance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/run/evaluate.ts';
import { registerRecipe } from '../../src/recipes/index.ts';
import { pipeline, type Learner, type Transformer, type TrainingSet } from '../../src/learn/types.ts';
import { Rng } from '../../src/core/rng.ts';
import type { ClipRef } from '../../src/core/clip.ts';
import { writeRandomFeatureTable } from './randomTable.ts';

interface FitCall { step: string; ids: string[]; subjects: string[] }
const calls: FitCall[] = [];

const spyTransform: Transformer = {
  name: 'spy-standardize',
  fit(train: TrainingSet) {
    calls.push({ step: 'transform', ids: [...train.ids], subjects: [...train.subjects] });
    // a real normaliser: mean/std of what it was given, applied to anything
    const d = train.X[0].length;
    const mean = new Float64Array(d);
    for (const x of train.X) for (let j = 0; j < d; j++) mean[j] += x[j] / train.X.length;
    return { transform: (X) => X.map((x) => Float32Array.from(x, (v, j) => v - mean[j])) };
  },
};

/** Predicts the label of the nearest training vector: perfect if test rows leaked into training. */
const memoriser: Learner = {
  name: 'memoriser',
  fit(train: TrainingSet) {
    calls.push({ step: 'model', ids: [...train.ids], subjects: [...train.subjects] });
    const X = train.X, y = train.y, c = train.classes.length;
    return {
      predict: (T) =>
        T.map((t) => {
          let best = 0, bd = Infinity;
          X.forEach((x, i) => {
            let s = 0;
            for (let j = 0; j < x.length; j++) s += (x[j] - t[j]) ** 2;
            if (s < bd) { bd = s; best = i; }
          });
          const scores = new Array(c).fill(0);
          scores[y[best]] = 1;
          return { pred: y[best], scores };
        }),
    };
  },
};

registerRecipe('test-spy', () => ({
  name: 'test-spy',
  title: 'spy (test only)',
  accepts: ['features'],
  defaultProtocol: 'loso',
  params: {},
  async extract(clip: ClipRef) {
    if (clip.source.kind !== 'features') throw new Error('features only');
    return clip.source.values;
  },
  learner: () => pipeline('spy', [spyTransform], memoriser),
}));

/** Random features and random labels: nothing is learnable, so only leakage could beat chance. */
const writeRandomTable = writeRandomFeatureTable;

for (const protocol of ['loso', 'kfold:4:subject', 'kfold:5', 'holdout']) {
  test(`no fitted step sees a test clip (${protocol})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'merkit-leak-'));
    const file = writeRandomTable(dir, 12, 10, 3);
    calls.length = 0;
    const res = await evaluate({ dataset: `features:${file}`, recipe: 'test-spy', protocol, workers: 1, cache: false, seed: 5 });
    const tested = res.predictions.map((p) => `${p.dataset}/${p.subject}/${p.clip}`);
    assert.ok(tested.length > 0);
    // every fold made exactly one transform fit and one model fit
    assert.equal(calls.length, 2 * res.folds.length);
    // pair fits with folds through their training-set sizes and contents
    const subjectDisjoint = protocol !== 'kfold:5';
    for (const fold of res.folds) {
      const foldTest = new Set(res.predictions.filter((p) => p.fold === fold.name).map((p) => `${p.dataset}/${p.subject}/${p.clip}`));
      assert.equal(foldTest.size, fold.nTest);
      const fits = calls.filter((c) => c.ids.length === fold.nTrain && c.ids.every((id) => !foldTest.has(id)));
      assert.ok(fits.length >= 2, `fold ${fold.name}: its transform and model fits saw only training clips`);
      if (subjectDisjoint) {
        const testSubjects = new Set(res.predictions.filter((p) => p.fold === fold.name).map((p) => `${p.dataset}/${p.subject}`));
        for (const f of fits) for (const s of f.subjects) assert.ok(!testSubjects.has(s), `subject ${s} on both sides of ${fold.name}`);
      }
    }
    for (const c of calls) {
      // no fit ever saw every clip (which would mean the test rows were included)
      assert.ok(c.ids.length < 120);
    }
    // the memoriser cannot beat chance (1/3) by much on random labels; with leakage it would score 1.0
    assert.ok(res.metrics.acc < 0.6, `memoriser accuracy ${res.metrics.acc} suggests leakage`);
  });
}

test('the memoriser does score 1.0 when evaluated on its own training data (the check can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-leak-'));
  const file = writeRandomTable(dir, 4, 10, 3);
  const { readCsvRecords } = await import('../../src/io/csv.ts');
  const { rows } = await readCsvRecords(file);
  const X = rows.map((r) => Float32Array.from([0, 1, 2, 3, 4, 5].map((j) => Number(r[`f${j}`]))));
  const y = rows.map((r) => ['happiness', 'surprise', 'disgust'].indexOf(r.emotion));
  const model = await memoriser.fit({ X, y, ids: rows.map((_, i) => String(i)), subjects: rows.map((r) => r.subject), classes: ['a', 'b', 'c'], rng: new Rng(1) });
  const pred = model.predict(X).map((p) => p.pred);
  assert.deepEqual(pred, y);
});

// ---------------------------------------------------------------- --audit-selection

/** Every Float32Array reachable from `v` (own properties, recursively, functions' properties included). */
function reachableArrays(v: unknown, seen = new Set<unknown>(), out: Float32Array[] = []): Float32Array[] {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return out;
  seen.add(v);
  if (v instanceof Float32Array) {
    out.push(v);
    return out;
  }
  if (v instanceof Map || v instanceof Set) for (const x of v.values()) reachableArrays(x, seen, out);
  for (const k of Reflect.ownKeys(v as object)) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (d && 'value' in d) reachableArrays(d.value, seen, out);
  }
  return out;
}

interface AuditFit { reachable: number[]; recordReturned: unknown[]; probeFrozen: boolean; probeKeys: string[] }
const auditFits: AuditFit[] = [];

/**
 * A learner that tries every way the TrainingSet offers to reach test rows:
 * it walks everything reachable from what it was given (the probe included)
 * and records each array's first value (the table's f0 — unique per clip),
 * then uses the probe as a network would, keeping whatever `record` returns.
 */
registerRecipe('test-audit-spy', () => ({
  name: 'test-audit-spy',
  title: 'audit spy (test only)',
  accepts: ['features'],
  defaultProtocol: 'loso',
  auditable: true,
  params: {},
  async extract(clip: ClipRef) {
    if (clip.source.kind !== 'features') throw new Error('features only');
    return clip.source.values;
  },
  learner: () => ({
    name: 'audit-spy',
    fit(train: TrainingSet) {
      const probe = train.audit;
      if (!probe) return memoriser.fit(train);
      const fit: AuditFit = {
        reachable: reachableArrays(train).map((a) => a[0]),
        recordReturned: [],
        probeFrozen: Object.isFrozen(probe),
        probeKeys: Object.keys(probe).filter((k) => typeof (probe as unknown as Record<string, unknown>)[k] !== 'function'),
      };
      auditFits.push(fit);
      const model = memoriser.fit(train) as { predict: (X: readonly Float32Array[]) => { pred: number; scores: number[] }[] };
      for (const epoch of probe.epochs(3)) fit.recordReturned.push(probe.record(epoch, (X) => model.predict(X)));
      return model;
    },
  }),
}));

test('--audit-selection: nothing reachable from the TrainingSet is a test row; the probe is frozen, holds only functions and gives nothing back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-leak-'));
  const file = writeRandomTable(dir, 8, 6, 4);
  auditFits.length = 0;
  const res = await evaluate({ dataset: `features:${file}`, recipe: 'test-audit-spy', protocol: 'loso', workers: 1, cache: false, seed: 2, audit: {} });
  assert.equal(auditFits.length, res.folds.length);
  const { readCsvRecords } = await import('../../src/io/csv.ts');
  const { rows } = await readCsvRecords(file);
  const f0 = new Map(rows.map((r) => [`${r.subject}/${r.clip}`, Math.fround(Number(r.f0))]));
  res.folds.forEach((fold, k) => {
    const fit = auditFits[k];
    const testF0 = new Set(res.predictions.filter((p) => p.fold === fold.name).map((p) => f0.get(`${p.subject}/${p.clip}`)));
    assert.equal(fit.reachable.length, fold.nTrain, `fold ${fold.name}: the training rows, and nothing else, are reachable`);
    for (const v of fit.reachable) assert.ok(!testF0.has(v), `fold ${fold.name}: a test row is reachable from the TrainingSet`);
    assert.ok(fit.probeFrozen);
    assert.deepEqual(fit.probeKeys, []);
    assert.deepEqual(fit.recordReturned, [undefined, undefined, undefined]);
  });
  // the audit stored what the probe was shown, and the honest predictions are the memoriser's own
  assert.deepEqual(res.audit!.epochs, [1, 2, 3]);
  assert.deepEqual(res.audit!.perEpoch[2].predictions.map((p) => p.pred), res.predictions.map((p) => p.pred));
  assert.ok(res.metrics.acc < 0.6, `memoriser accuracy ${res.metrics.acc} suggests leakage`);
  // the same run without the audit reports the same predictions bit for bit
  const plain = await evaluate({ dataset: `features:${file}`, recipe: 'test-audit-spy', protocol: 'loso', workers: 1, cache: false, seed: 2 });
  assert.deepEqual(plain.predictions, res.predictions);
  assert.equal(plain.audit, undefined);
});

test('the reachability walk can fail: it finds the test rows when they are put in the TrainingSet', () => {
  const test0 = Float32Array.from([42, 1]);
  const found = reachableArrays({ X: [Float32Array.from([1, 2])], audit: Object.freeze({ record: Object.assign(() => undefined, { rows: [test0] }) }) }).map((a) => a[0]);
  assert.ok(found.includes(42));
});

test('--audit-selection with a recipe that does not train in epochs is a one-line option error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-leak-'));
  const file = writeRandomTable(dir, 4, 3, 1);
  await assert.rejects(
    evaluate({ dataset: `features:${file}`, recipe: 'test-spy', protocol: 'loso', workers: 1, cache: false, audit: {} }),
    (e: unknown) => e instanceof Error && 'code' in e && (e as { code: string }).code === 'BAD_OPTION' && /does not train in epochs/.test(e.message),
  );
});
