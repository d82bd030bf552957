import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkFolds,
  crossFolds,
  formatProtocol,
  holdoutFolds,
  kfoldFolds,
  losoFolds,
  cdeFolds,
  makeFolds,
  parseProtocol,
  type FoldItem,
} from '../../src/eval/protocols.ts';
import type { Fold } from '../../src/eval/types.ts';
import { Rng } from '../../src/core/rng.ts';
import { MerError } from '../../src/core/errors.ts';
import { subjectKey } from '../../src/core/clip.ts';

/** clips per (dataset, subject): class labels listed */
function makeClips(spec: Record<string, number[]>): FoldItem[] {
  const out: FoldItem[] = [];
  for (const [key, ys] of Object.entries(spec)) {
    const [dataset, subject] = key.split('/');
    ys.forEach((y, i) => out.push({ dataset, subject, clip: `c${i}`, y }));
  }
  return out;
}

// 'casme2/sub01' and 'samm/sub01' share the subject id: they must stay distinct subjects
const CLIPS = makeClips({
  'samm/sub01': [0, 1, 1, 2],
  'casme2/sub02': [0, 0, 2],
  'casme2/sub01': [1, 2, 2, 2, 0],
  'smic/s3': [0, 1],
  'casme2/sub10': [2, 2, 1],
  'samm/007': [0, 0, 0, 1, 2, 1],
});

const isMer = (code: string, re?: RegExp) => (e: unknown) => e instanceof MerError && e.code === code && (!re || re.test(e.message));

function testCounts(folds: readonly Fold[], n: number): number[] {
  const c = new Array(n).fill(0);
  for (const f of folds) for (const i of f.test) c[i]++;
  return c;
}

test('LOSO: one fold per subject key in sorted order, every clip tested once, subjects disjoint', () => {
  const folds = losoFolds(CLIPS);
  assert.deepEqual(
    folds.map((f) => f.name),
    ['casme2/sub01', 'casme2/sub02', 'casme2/sub10', 'samm/007', 'samm/sub01', 'smic/s3'],
  );
  assert.deepEqual(testCounts(folds, CLIPS.length), new Array(CLIPS.length).fill(1));
  for (const f of folds) {
    assert.equal(f.train.length + f.test.length, CLIPS.length);
    assert.ok(f.test.every((i) => subjectKey(CLIPS[i]) === f.name));
    assert.ok(f.train.every((i) => subjectKey(CLIPS[i]) !== f.name));
  }
  // casme2/sub01 has 5 clips, samm/sub01 has 4: not merged
  assert.equal(folds[0].test.length, 5);
  assert.equal(folds[4].test.length, 4);
  checkFolds(folds, CLIPS, { subjectDisjoint: true, exhaustive: true });
  assert.deepEqual(cdeFolds(CLIPS), folds);
});

test('LOSO needs two subjects', () => {
  assert.throws(() => losoFolds(makeClips({ 'a/s1': [0, 1] })), isMer('BAD_INPUT'));
  assert.throws(() => losoFolds([]), isMer('BAD_INPUT'));
});

// 13, 7, 22, 4, 9 clips of classes 0..4, over 10 subjects
const BIG: FoldItem[] = (() => {
  const counts = [13, 7, 22, 4, 9];
  const out: FoldItem[] = [];
  let j = 0;
  counts.forEach((n, y) => {
    for (let i = 0; i < n; i++, j++) out.push({ dataset: j % 3 ? 'casme2' : 'samm', subject: `s${(j * 7) % 10}`, clip: `c${j}`, y });
  });
  return out;
})();

test('stratified k-fold: each class within ±1 across folds, fold sizes within ±1, every clip once', () => {
  for (const k of [2, 3, 5]) {
    const folds = kfoldFolds(BIG, k, { rng: new Rng(11) });
    assert.deepEqual(
      folds.map((f) => f.name),
      Array.from({ length: k }, (_, i) => `fold-${i + 1}`),
    );
    assert.deepEqual(testCounts(folds, BIG.length), new Array(BIG.length).fill(1));
    for (let y = 0; y < 5; y++) {
      const per = folds.map((f) => f.test.filter((i) => BIG[i].y === y).length);
      assert.ok(Math.max(...per) - Math.min(...per) <= 1, `k=${k} class ${y}: ${per}`);
    }
    const sizes = folds.map((f) => f.test.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
    checkFolds(folds, BIG, { subjectDisjoint: false, exhaustive: true });
  }
});

test('unstratified k-fold: sizes within ±1', () => {
  const folds = kfoldFolds(BIG, 4, { rng: new Rng(2), stratified: false });
  const sizes = folds.map((f) => f.test.length).sort();
  assert.deepEqual(sizes, [13, 14, 14, 14]);
  checkFolds(folds, BIG, { subjectDisjoint: false, exhaustive: true });
});

test('group k-fold keeps subjects whole, fills every fold, tests every clip once', () => {
  for (const stratified of [true, false]) {
    for (const k of [2, 3, 6]) {
      const folds = kfoldFolds(CLIPS, k, { rng: new Rng(5), groupBySubject: true, stratified });
      assert.equal(folds.length, k);
      for (const f of folds) assert.ok(f.test.length > 0);
      const foldOf = new Map<string, string>();
      for (const f of folds) {
        for (const i of f.test) {
          const s = subjectKey(CLIPS[i]);
          assert.ok(!foldOf.has(s) || foldOf.get(s) === f.name, `subject ${s} split across folds`);
          foldOf.set(s, f.name);
        }
      }
      checkFolds(folds, CLIPS, { subjectDisjoint: true, exhaustive: true });
    }
  }
  // 10 equal subjects, 2 classes each 50/50 inside one subject → stratified greedy gives equal folds
  const even = makeClips(Object.fromEntries(Array.from({ length: 10 }, (_, s) => [`d/s${s}`, [0, 1, 0, 1]])));
  const folds = kfoldFolds(even, 5, { rng: new Rng(9), groupBySubject: true });
  assert.deepEqual(
    folds.map((f) => f.test.length),
    [8, 8, 8, 8, 8],
  );
});

test('k-fold rejects k < 2 and k > groups', () => {
  assert.throws(() => kfoldFolds(CLIPS, 1, { rng: new Rng(1) }), isMer('BAD_OPTION'));
  assert.throws(() => kfoldFolds(CLIPS, 7, { rng: new Rng(1), groupBySubject: true }), isMer('BAD_OPTION', /6 subjects/));
  assert.throws(() => kfoldFolds(CLIPS, CLIPS.length + 1, { rng: new Rng(1) }), isMer('BAD_OPTION'));
  assert.throws(() => kfoldFolds(CLIPS, 2.5, { rng: new Rng(1) }), isMer('BAD_OPTION'));
});

test('same seed → identical folds; another seed → different folds', () => {
  const a = kfoldFolds(BIG, 5, { rng: new Rng(42) });
  const b = kfoldFolds(BIG, 5, { rng: new Rng(42) });
  const c = kfoldFolds(BIG, 5, { rng: new Rng(43) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const g1 = kfoldFolds(CLIPS, 3, { rng: new Rng(7), groupBySubject: true });
  assert.deepEqual(g1, kfoldFolds(CLIPS, 3, { rng: new Rng(7), groupBySubject: true }));
  assert.deepEqual(holdoutFolds(BIG, { rng: new Rng(3) }), holdoutFolds(BIG, { rng: new Rng(3) }));
  // makeFolds with a numeric seed is the same as with new Rng(seed)
  assert.deepEqual(makeFolds('kfold:5', BIG, 42), a);
});

test('cross: one fold, train = the training set, test = the test set, indices into the concatenation', () => {
  const train = makeClips({ 'casme2/sub01': [0, 1], 'casme2/sub02': [2] });
  const test_ = makeClips({ 'samm/006': [0, 0, 1, 2] });
  const folds = crossFolds(train, test_);
  assert.deepEqual(folds, [{ name: 'cross', train: [0, 1, 2], test: [3, 4, 5, 6] }]);
  checkFolds(folds, [...train, ...test_], parseProtocol('cross'));
  assert.deepEqual(makeFolds('cross', train, new Rng(1), test_), folds);
  assert.throws(() => crossFolds(train, []), isMer('BAD_INPUT'));
  assert.throws(() => makeFolds('cross', train, 1), isMer('BAD_OPTION', /test dataset/));
  assert.throws(() => makeFolds('loso', train, 1, test_), isMer('BAD_OPTION', /only used by protocol cross/));
});

test('holdout sizes: by clip exactly round(f·n); by subject whole subjects, at least the target', () => {
  const n = BIG.length; // 55
  const byClip = holdoutFolds(BIG, { rng: new Rng(1), bySubject: false });
  assert.equal(byClip.length, 1);
  assert.equal(byClip[0].name, 'holdout');
  assert.equal(byClip[0].test.length, Math.round(0.2 * n));
  assert.equal(byClip[0].train.length, n - Math.round(0.2 * n));
  checkFolds(byClip, BIG, { subjectDisjoint: false });
  const f3 = holdoutFolds(BIG, { rng: new Rng(1), bySubject: false, testFraction: 0.3 });
  assert.equal(f3[0].test.length, Math.round(0.3 * n));

  const bySubj = holdoutFolds(CLIPS, { rng: new Rng(4), testFraction: 0.3 });
  const target = Math.round(0.3 * CLIPS.length); // 7
  const t = bySubj[0].test.length;
  assert.ok(t >= target && t < target + 6, `test size ${t}`); // overshoot < largest subject (6)
  checkFolds(bySubj, CLIPS, { subjectDisjoint: true });
  // a huge fraction still leaves one subject for training
  const big = holdoutFolds(CLIPS, { rng: new Rng(4), testFraction: 0.99 });
  assert.ok(big[0].train.length > 0);
  checkFolds(big, CLIPS, { subjectDisjoint: true });
  assert.throws(() => holdoutFolds(CLIPS, { rng: new Rng(1), testFraction: 1.2 }), isMer('BAD_OPTION'));
  assert.throws(() => holdoutFolds(CLIPS, { rng: new Rng(1), testFraction: 0 }), isMer('BAD_OPTION'));
});

test('checkFolds throws on leaky fold lists', () => {
  const ok = losoFolds(CLIPS);
  const opts = { subjectDisjoint: true, exhaustive: true };
  const leaky = (folds: Fold[], re: RegExp, o: { subjectDisjoint: boolean; exhaustive?: boolean } = opts) =>
    assert.throws(() => checkFolds(folds, CLIPS, o), isMer('INTERNAL', re));
  const loose = { subjectDisjoint: false, exhaustive: false };
  // a test clip also in train
  leaky([{ ...ok[0], train: [...ok[0].train, ok[0].test[0]] }, ...ok.slice(1)], /both train and test/);
  // another clip of the test subject in train (subject on both sides), clip sets still disjoint
  const moved = ok[0].test[1];
  const split = [{ name: ok[0].name, train: [...ok[0].train, moved], test: ok[0].test.filter((i) => i !== moved) }, ...ok.slice(1)];
  leaky(split, /subject casme2\/sub01 is in both/);
  checkFolds(split, CLIPS, loose); // the clip sets themselves are disjoint
  // a clip tested in two folds
  const twice = [ok[0], { ...ok[1], test: [...ok[1].test, ok[0].test[0]], train: ok[1].train.filter((i) => i !== ok[0].test[0]) }];
  leaky(twice, /tested in folds casme2\/sub01 and casme2\/sub02/, loose);
  // a clip never tested (exhaustive) — fine when not exhaustive
  leaky(ok.slice(1), /never tested/);
  checkFolds(ok.slice(1), CLIPS, { subjectDisjoint: true });
  // out of range, duplicates, empty sides, no folds
  leaky([{ ...ok[0], test: [...ok[0].test, CLIPS.length] }, ...ok.slice(1)], /outside/);
  leaky([{ ...ok[0], train: [...ok[0].train, ok[0].train[0]] }, ...ok.slice(1)], /twice in train/);
  leaky([{ name: 'x', train: [], test: [0] }], /no training clips/, loose);
  leaky([], /no folds/);
  // the subject check only applies when the protocol promises it
  const clipFolds = kfoldFolds(BIG, 5, { rng: new Rng(1) });
  assert.throws(() => checkFolds(clipFolds, BIG, { subjectDisjoint: true }), isMer('INTERNAL', /subject/));
  checkFolds(clipFolds, BIG, { subjectDisjoint: false, exhaustive: true });
});

test('parseProtocol: valid forms', () => {
  assert.deepEqual(parseProtocol('loso'), { kind: 'loso', subjectDisjoint: true, exhaustive: true });
  assert.deepEqual(parseProtocol('cde'), { kind: 'cde', subjectDisjoint: true, exhaustive: true });
  assert.deepEqual(parseProtocol('cross'), { kind: 'cross', subjectDisjoint: true, exhaustive: false });
  assert.deepEqual(parseProtocol('kfold:5'), { kind: 'kfold', k: 5, groupBySubject: false, subjectDisjoint: false, exhaustive: true });
  assert.deepEqual(parseProtocol('KFold:10:subject'), { kind: 'kfold', k: 10, groupBySubject: true, subjectDisjoint: true, exhaustive: true });
  assert.deepEqual(parseProtocol('holdout'), { kind: 'holdout', testFraction: 0.2, bySubject: true, subjectDisjoint: true, exhaustive: false });
  assert.deepEqual(parseProtocol('holdout:0.3'), { kind: 'holdout', testFraction: 0.3, bySubject: true, subjectDisjoint: true, exhaustive: false });
  assert.deepEqual(parseProtocol('holdout:.25:clip'), { kind: 'holdout', testFraction: 0.25, bySubject: false, subjectDisjoint: false, exhaustive: false });
  for (const s of ['loso', 'cde', 'cross', 'kfold:5', 'kfold:3:subject', 'holdout:0.3', 'holdout:0.3:clip']) {
    assert.deepEqual(parseProtocol(formatProtocol(parseProtocol(s))), parseProtocol(s));
  }
});

test('parseProtocol: unknown or malformed specs are BAD_OPTION listing the valid forms', () => {
  for (const bad of ['losso', '', 'kfold', 'kfold:1', 'kfold:x', 'kfold:5:foo', 'kfold:5:subject:1', 'holdout:1.5', 'holdout:0', 'holdout:abc', 'loso:3', 'cross:samm']) {
    assert.throws(
      () => parseProtocol(bad),
      (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION' && /kfold:K/.test(e.expected ?? '') && /holdout/.test(e.expected ?? ''),
      `'${bad}' should be rejected`,
    );
  }
});
