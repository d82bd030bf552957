/**
 * Run folders (src/run/runStore.ts): a run keeps each finished fold as a JSON
 * file; the same run continues from them with identical numbers; a run of
 * other parameters, data or code is refused with the difference named;
 * `--from-runs` recomputes the metrics from the files alone; the README's
 * table is generated from bench/runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../../src/run/evaluate.ts';
import { resultsFromRunDir } from '../../src/run/runResults.ts';
import { foldFileName, portableParams, readRun } from '../../src/run/runStore.ts';
import { behaviourFingerprint, probeParams, type FingerprintRow } from '../../src/run/fingerprint.ts';
import { registerRecipe, recipeNames } from '../../src/recipes/index.ts';
import { featureSvm } from '../../src/recipes/featureSvm.ts';
import { Rng } from '../../src/core/rng.ts';
import { MerError } from '../../src/core/errors.ts';
import { expectedRunId, runIdFor, runsTable, TABLE_BEGIN, TABLE_END, withTable } from '../../bench/lib/runs.ts';
import { listRuns } from '../../src/run/runStore.ts';
import { writeLearnableTable } from './fixtures/table.ts';
import { merkit } from './helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-runs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const foldFilesIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'run.json');

test('a run folder keeps every fold; the same run continues from it with identical numbers', async (t) => {
  const dir = tmp(t);
  const table = writeLearnableTable(dir, 6, 4);
  const runDir = join(dir, 'runs', 'svm-linear', 'r1-s1');
  const plain = await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false });
  const first = await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, runDir });
  assert.deepEqual(first.metrics, plain.metrics);
  assert.equal(foldFilesIn(runDir).length, 6);
  const manifest = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  assert.equal(manifest.format, 'merkit-run/1');
  assert.equal(manifest.folds.length, 6);
  assert.match(manifest.behaviourHash, /^[0-9a-f]{64}$/);
  const stored = JSON.parse(readFileSync(join(runDir, foldFileName(manifest.folds[0].name)), 'utf8'));
  assert.equal(stored.predictions.length, manifest.folds[0].test.length);
  assert.ok(['happiness', 'surprise', 'disgust'].includes(stored.predictions[0].label));

  // all folds read back: nothing trained, same numbers
  const again = await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, runDir });
  assert.equal(again.timing.cachedFolds, 6);
  assert.deepEqual(again.metrics, plain.metrics);
  assert.deepEqual(again.predictions, plain.predictions);

  // two folds lost (a run stopped early): only those are trained, same numbers
  for (const f of foldFilesIn(runDir).slice(0, 2)) rmSync(join(runDir, f));
  const partial = await resultsFromRunDir(runDir);
  assert.deepEqual([partial.run.done, partial.run.total], [4, 6]);
  const resumed = await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, runDir });
  assert.equal(resumed.timing.cachedFolds, 4);
  assert.deepEqual(resumed.metrics, plain.metrics);

  // --from-runs: metrics from the files alone
  const fromFiles = await resultsFromRunDir(runDir);
  assert.deepEqual([fromFiles.run.done, fromFiles.run.total], [6, 6]);
  assert.deepEqual(fromFiles.metrics, plain.metrics);
  assert.deepEqual(
    fromFiles.predictions.map((p) => [p.dataset, p.subject, p.clip, p.label, p.pred, p.scores]),
    plain.predictions.map((p) => [p.dataset, p.subject, p.clip, p.label, p.pred, p.scores]),
  );
});

test('a run folder refuses another run: parameters, seed, data and code behaviour are each named', async (t) => {
  const dir = tmp(t);
  const table = writeLearnableTable(dir, 5, 3);
  const runDir = join(dir, 'run');
  const base = { dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false as const, runDir };
  await evaluate(base);
  const refused = async (o: Partial<typeof base> & { recipeParams?: Record<string, unknown>; seed?: number }, what: RegExp) => {
    await assert.rejects(evaluate({ ...base, ...o }), (e: unknown) => e instanceof MerError && what.test(e.message) && e.message.includes(runDir));
  };
  await refused({ recipeParams: { C: 10 } }, /parameter C: the run folder has 1, this run has 10/);
  await refused({ seed: 2 }, /seed: the run folder has 1, this run has 2/);
  mkdirSync(join(dir, 'x'));
  const other = writeLearnableTable(join(dir, 'x'), 5, 3, 99);
  await refused({ dataset: `features:${other}` }, /dataset content/);
  const m = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ ...m, behaviourHash: '0'.repeat(64) }));
  await refused({}, /training behaviour/);
});

test('the behavioural fingerprint: deterministic, cut to a few steps, and it moves when the code\'s numbers move', async () => {
  const rng = new Rng(3);
  const rows: FingerprintRow[] = Array.from({ length: 40 }, (_, i) => ({
    key: `d/s${i % 8}/c${i}`,
    subject: `d/s${i % 8}`,
    y: i % 3,
    x: Float32Array.from({ length: 5 }, (_, j) => (j === i % 3 ? 2 : 0) + rng.normal()),
  }));
  const classes = ['a', 'b', 'c'];
  const a = await behaviourFingerprint('svm-linear', { kernel: 'linear', C: 1 }, rows, classes, 1);
  const b = await behaviourFingerprint('svm-linear', { kernel: 'linear', C: 1 }, rows, classes, 1);
  assert.equal(a.hash, b.hash);
  assert.notEqual((await behaviourFingerprint('svm-linear', { kernel: 'linear', C: 0.01 }, rows, classes, 1)).hash, a.hash);
  // the same parameters through code that computes one number differently
  const name = 'test-perturbed-linear';
  if (!recipeNames().includes(name)) {
    registerRecipe(name, (o) => {
      const base = featureSvm('linear', o);
      return {
        ...base,
        name,
        learner() {
          const inner = base.learner();
          return { name: inner.name, fit: (tr) => inner.fit({ ...tr, X: tr.X.map((x) => Float32Array.from(x, (v, j) => (j === 0 ? v * 1.001 : v))) }) };
        },
      };
    });
  }
  assert.notEqual((await behaviourFingerprint(name, { kernel: 'linear', C: 1 }, rows, classes, 1)).hash, a.hash);
  assert.deepEqual(probeParams({ epochs: 800, pretrainMacroEpochs: 0, finetuneEpochs: 20, lr: 0.1 }), { epochs: 1, pretrainMacroEpochs: 0, finetuneEpochs: 1, lr: 0.1 });
});

test('a network recipe\'s fingerprint is reproducible bit for bit', async () => {
  const rng = new Rng(5);
  const rows: FingerprintRow[] = Array.from({ length: 30 }, (_, i) => ({
    key: `d/s${i % 6}/c${i}`,
    subject: `d/s${i % 6}`,
    y: i % 3,
    x: Float32Array.from({ length: 28 * 28 * 3 }, () => rng.uniform(0, 1)),
  }));
  const p = { flowSize: 28, frameSize: 128, epochs: 40, batchSize: 3, optimizer: 'adam', lr: 1e-4, momentum: 0, validationFraction: 0.2 };
  const a = await behaviourFingerprint('dual-inception', p, rows, ['a', 'b', 'c'], 1);
  const b = await behaviourFingerprint('dual-inception', p, rows, ['a', 'b', 'c'], 1);
  assert.equal(a.hash, b.hash);
  assert.match(a.probe, /epochs cut to 1/);
});

test('run.json stores absolute paths relative to the repository', () => {
  assert.deepEqual(portableParams({ macroDir: '/work/x/shared/data/ckplus48', lr: 1, name: 'rel/path' }, '/work/x/main'), { macroDir: '../shared/data/ckplus48', lr: 1, name: 'rel/path' });
});

test('merkit evaluate --from-runs prints the stored run\'s numbers and says when it is partial', async (t) => {
  const dir = tmp(t);
  const table = writeLearnableTable(dir, 5, 3);
  const runDir = join(dir, 'runs', 'svm-linear', 'r-s1');
  await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, runDir });
  rmSync(join(runDir, foldFilesIn(runDir)[0]));
  const p = merkit(['evaluate', '--from-runs', runDir, '--out', join(dir, 'out')]);
  assert.equal(await p.exit, 0, p.out());
  assert.match(p.out(), /PARTIAL: 4 of 5 folds/);
  const res = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  assert.equal(res.folds.length, 4);
  const bad = merkit(['evaluate', '--from-runs', join(dir, 'nowhere')]);
  assert.equal(await bad.exit, 2, bad.out());
  assert.match(bad.out(), /run manifest/);
});

test('the run table: "k of N folds" while a run is in progress, metrics and seeds pooled when done', async (t) => {
  const dir = tmp(t);
  const table = writeLearnableTable(dir, 5, 3);
  const root = join(dir, 'runs');
  for (const seed of [1, 2]) await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, seed, runDir: join(root, 'svm-linear', `t-s${seed}`) });
  const done = await runsTable(root);
  assert.match(done, /\| `svm-linear` \| t-s1 \| recipe defaults \| 5 of 5 \|/);
  assert.match(done, /t, mean ± sd of 2 seeds/);
  const run = await readRun(join(root, 'svm-linear', 't-s2'));
  rmSync(join(run.dir, foldFileName(run.manifest.folds[0].name)));
  const partial = await runsTable(root);
  assert.match(partial, /\| t-s2 \| recipe defaults \| \*\*4 of 5\*\* \|.*\(partial: 4 folds\)/);
  assert.doesNotMatch(partial, /mean ± sd/, 'one complete seed is not a mean ± sd');
  // A third, complete seed: the two complete seeds are pooled, the unfinished one is named and left out.
  await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, seed: 3, runDir: join(root, 'svm-linear', 't-s3') });
  const three = await runsTable(root);
  assert.match(three, /t, mean ± sd of the 2 complete seeds \(t-s2 unfinished, not pooled\) \| recipe defaults \| 2 × 5 \|/);
});

test('a partial run\'s row gives each complete run of other settings (same seed, data, protocol) on the same folds', async (t) => {
  const dir = tmp(t);
  const table = writeLearnableTable(dir, 5, 3);
  const root = join(dir, 'runs');
  const other = join(root, 'svm-linear', 'c-s1');
  await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', workers: 1, cache: false, seed: 1, runDir: join(root, 'svm-linear', 'p-s1') });
  await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', recipeParams: { C: 0.001 }, workers: 1, cache: false, seed: 1, runDir: other });
  await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', recipeParams: { C: 0.001 }, workers: 1, cache: false, seed: 2, runDir: join(root, 'svm-linear', 'c-s2') });
  const complete = await runsTable(root);
  assert.doesNotMatch(complete, /on the same folds/, 'complete runs need no like-for-like line');
  // Two folds of p-s1 lost: its row names c-s1's metrics on the three folds it has, computed from
  // a copy of c-s1 that lacks the same two folds; c-s2 (another seed) is not set beside it.
  const run = await readRun(join(root, 'svm-linear', 'p-s1'));
  const lost = run.manifest.folds.slice(0, 2).map((f) => foldFileName(f.name));
  for (const f of lost) rmSync(join(run.dir, f));
  const cut = join(dir, 'cut', 'c-s1');
  mkdirSync(cut, { recursive: true });
  for (const f of readdirSync(other)) if (!lost.includes(f)) writeFileSync(join(cut, f), readFileSync(join(other, f)));
  const cutResults = await resultsFromRunDir(cut);
  assert.equal(cutResults.run.done, 3);
  const expected = cutResults.metrics;
  const row = (await runsTable(root)).split('\n').find((l) => l.includes('| p-s1 |'));
  assert.ok(row, 'the partial run has a row');
  assert.ok(row.includes(`(partial: 3 folds; on the same folds c-s1: ${expected.uf1.toFixed(4)} / ${expected.uar.toFixed(4)})`), row);
  assert.doesNotMatch(row, /c-s2/);
});

test('the README\'s run table is generated from bench/runs and is current', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes(TABLE_BEGIN) && readme.includes(TABLE_END), 'README lacks the run-table markers');
  assert.equal(withTable(readme, await runsTable(join(ROOT, 'bench', 'runs'))), readme, 'README run table is out of date: run `npm run runs:table`');
});

test('a run folder\'s name says its settings: "paper" for the recipe\'s defaults, else the changes', async (t) => {
  assert.equal(runIdFor({}, {}), 'cde-dev-paper');
  assert.equal(runIdFor({ apexOnly: true }, { apexOnly: true }), 'cde-dev-paper', 'the benchmark\'s fixed settings are not a change');
  assert.equal(runIdFor({ width: 16, epochs: 20 }, {}), runIdFor({ epochs: 20, width: 16 }, {}), 'the order the changes were given in does not matter');
  const dir = tmp(t);
  const table = writeLearnableTable(dir, 4, 3);
  const runDir = join(dir, 'runs', 'svm-linear', 'x-s2');
  await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', recipeParams: { C: 10 }, workers: 1, cache: false, seed: 2, runDir });
  assert.equal(await expectedRunId(await readRun(runDir)), 'cde-dev-C10-s2');
});

test('every stored run in bench/runs is in the folder bench:cde-dev gives its settings today', async () => {
  // A recipe default changed after a run was stored (EMR's adversarial
  // branch) leaves a folder called "paper" holding other settings: the
  // default command then finds it and refuses, and the run table's name
  // misleads. Rename the folder to what this says.
  const dirs = await listRuns(join(ROOT, 'bench', 'runs'));
  assert.ok(dirs.length > 0, 'bench/runs holds stored runs');
  for (const d of dirs) {
    const run = await readRun(d);
    assert.equal(basename(d), await expectedRunId(run), `${d}: the folder's name does not match its settings`);
  }
});

test('run folders are listed in natural order: seed s9 before s10', async (t) => {
  const dir = tmp(t);
  for (const run of ['cde-dev-paper-s10', 'cde-dev-paper-s2', 'cde-dev-paper-s1', 'cde-dev-adversarialfalse-s1']) {
    mkdirSync(join(dir, 'fr', run), { recursive: true });
    writeFileSync(join(dir, 'fr', run, 'run.json'), '{}');
  }
  mkdirSync(join(dir, 'fr', 'no-manifest'), { recursive: true });
  assert.deepEqual((await listRuns(dir)).map((d) => basename(d)), ['cde-dev-adversarialfalse-s1', 'cde-dev-paper-s1', 'cde-dev-paper-s2', 'cde-dev-paper-s10']);
});
