/**
 * `npm run bench:emr-macro` — does EMR's CK+ macro domain (the adversarial
 * branch with CK+ rows in the training set) help on the dev set? Decided on
 * TRAINING subjects only: in each CDE fold of ../shared/data/megc2019-cde-dev
 * the fold's training subjects are split (VALIDATION_FRACTION of them held
 * out, by the fold's own seeded stream), EMR is trained on the rest with the
 * macro branch on and off, and both are scored on the held-out training
 * subjects. The fold's test subject is never trained on, predicted or
 * looked at. Prints validation UF1 / UAR per setting pooled over the folds
 * run, and which is better; the recipe's default follows it.
 *
 *   node --import tsx bench/emr-macro.ts [--folds 8] [--set width=16,epochs=12] [--seed 1]
 *       [--out bench/runs/emr-macro/<name>.jsonl] [--shard k/n] [--report]
 *
 * `--folds K` runs every (40/K)-th fold (spread over both parts); `--set`
 * shortens EMR for the CPU (said in the output: the choice is then made at
 * those settings). With `--out`, each (fold, setting) result is appended as
 * one JSON line as soon as it is trained and the ones already there are
 * read back, not retrained: a full-width comparison continues across
 * sittings. `--shard k/n` trains only this process's share (k = 0…n−1; on
 * and off of one fold go to different shards), so n processes share the
 * work. `--report` trains nothing and prints the comparison stored in `--out`.
 * Only folds with both settings done are compared.
 */
import { openDataset } from '../src/datasets/index.ts';
import { applyLabels, getLabelScheme } from '../src/datasets/labelSchemes.ts';
import { clipKey, subjectKey } from '../src/core/clip.ts';
import { cdeFolds } from '../src/eval/protocols.ts';
import { computeMetrics } from '../src/eval/metrics.ts';
import { getRecipe } from '../src/recipes/index.ts';
import { splitSubjects } from '../src/nets/train.ts';
import { foldRng, sharedRunRng } from '../src/run/tasks.ts';
import { argValue as arg, devSetOrSkip } from './lib/args.ts';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { compareMacro, MACRO_SETTINGS, readMacroRecords, settingsKey, shardOf, type MacroRecord } from './lib/macroCompare.ts';

const data = devSetOrSkip();
/** share of a fold's training subjects held out to compare the two settings */
const VALIDATION_FRACTION = 0.2;
const seed = Number(arg('--seed') ?? 1);
const sets: Record<string, unknown> = {};
for (const kv of (arg('--set') ?? '').split(',').filter(Boolean)) {
  const [k, v] = kv.split('=');
  sets[k] = v === 'true' ? true : v === 'false' ? false : Number(v);
}

const out = arg('--out');
const report = process.argv.includes('--report');
const [shard, shards] = (arg('--shard') ?? '0/1').split('/').map(Number);
if (!(Number.isInteger(shard) && Number.isInteger(shards) && shards >= 1 && shard >= 0 && shard < shards)) {
  console.error(`--shard ${arg('--shard')}: expected k/n with 0 ≤ k < n`);
  process.exit(2);
}
if (report && !out) {
  console.error('--report reads the results stored by --out <file.jsonl>: give --out');
  process.exit(2);
}
const key = settingsKey({ sets, seed });

const ds = applyLabels(await openDataset(`flowdir:${data}`), getLabelScheme('megc3'));
const folds = cdeFolds(ds.clips);
const every = Math.max(1, Math.floor(folds.length / Number(arg('--folds') ?? folds.length)));
const chosen = folds.filter((_, i) => i % every === 0);
// stored results at these settings; those of folds this --folds does not choose are left out of the printout and the comparison
const chosenNames = new Set(chosen.map((f) => f.name));
const readStored = (): MacroRecord[] => (out ? readMacroRecords(out).filter((r) => settingsKey(r) === key && chosenNames.has(r.fold)) : []);
const records = readStored();
/** a (fold, setting) job's name in `have` */
const jobKey = (fold: string, setting: string) => `${fold}\0${setting}`;
const have = new Set(records.map((r) => jobKey(r.fold, r.setting)));
console.log(`emr macro domain on/off, validation on ${VALIDATION_FRACTION} of each fold's training subjects; ${chosen.length} of ${folds.length} folds; settings ${JSON.stringify(sets)} (recipe defaults otherwise)${out ? `; results in ${out} (${records.length} stored)` : ''}${shards > 1 ? `; shard ${shard} of ${shards}` : ''}`);
const printRecord = (r: MacroRecord) => {
  const m = computeMetrics(r.y, r.pred, ds.classes);
  console.log(`fold ${r.fold.padEnd(14)} macro ${r.setting.padEnd(3)} validation (${r.valSubjects.length} training subjects, ${r.y.length} clips): UF1 ${m.uf1.toFixed(4)} UAR ${m.uar.toFixed(4)}${have.has(jobKey(r.fold, r.setting)) ? ' (stored)' : ` (${Math.round(r.seconds)} s)`}`);
};
for (const r of records) printRecord(r);
const todo = report ? [] : chosen.flatMap((fold, fi) => MACRO_SETTINGS.filter((s) => shardOf(fi, s, shards) === shard && !have.has(jobKey(fold.name, s))).map((setting) => ({ fold, setting })));
const base = todo.length > 0 ? await getRecipe('emr', sets) : undefined;
const X = base ? await Promise.all(ds.clips.map((c) => base.extract(c))) : [];
for (const { fold, setting } of todo) {
  const trainIdx = fold.train;
  const subjects = trainIdx.map((i) => subjectKey(ds.clips[i]));
  const { val } = splitSubjects(subjects, VALIDATION_FRACTION, foldRng(seed, `${fold.name}/macro-validation`));
  const vs = new Set(val);
  const fit = trainIdx.filter((i) => !vs.has(subjectKey(ds.clips[i])));
  const hold = trainIdx.filter((i) => vs.has(subjectKey(ds.clips[i])));
  const t0 = performance.now();
  const recipe = await getRecipe('emr', { ...sets, adversarial: setting === 'on' });
  const model = await recipe.learner().fit({
    X: fit.map((i) => X[i]),
    y: fit.map((i) => ds.clips[i].y),
    ids: fit.map((i) => clipKey(ds.clips[i])),
    subjects: fit.map((i) => subjectKey(ds.clips[i])),
    classes: ds.classes,
    rng: foldRng(seed, fold.name),
    sharedRng: sharedRunRng(seed),
  });
  const preds = model.predict(hold.map((i) => X[i]));
  model.dispose?.();
  const r: MacroRecord = {
    fold: fold.name, setting, sets, seed, valSubjects: [...val],
    ids: hold.map((i) => clipKey(ds.clips[i])),
    y: hold.map((i) => ds.clips[i].y),
    pred: preds.map((p) => p.pred),
    seconds: (performance.now() - t0) / 1000,
  };
  records.push(r);
  printRecord(r);
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    appendFileSync(out, `${JSON.stringify(r)}\n`);
  }
}
// other shards append to the same file while this one trains: compare over everything stored by now
const cmp = compareMacro(todo.length > 0 && out ? readStored() : records, ds.classes, key);
if (!cmp) {
  console.log('\nno fold has both settings done yet: nothing to compare');
} else {
  console.log(`\npooled validation (training subjects only, the ${cmp.folds.length} fold${cmp.folds.length === 1 ? '' : 's'} with both settings): macro on UF1 ${cmp.on.uf1.toFixed(4)} UAR ${cmp.on.uar.toFixed(4)} | macro off UF1 ${cmp.off.uf1.toFixed(4)} UAR ${cmp.off.uar.toFixed(4)}`);
  console.log(`on better in ${cmp.onWins} of ${cmp.folds.length} folds; better on the training subjects' validation: macro ${cmp.better}`);
}
