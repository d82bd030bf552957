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
 *
 * `--folds K` runs every (40/K)-th fold (spread over both parts); `--set`
 * shortens EMR for the CPU (said in the output: the choice is then made at
 * those settings).
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

const data = devSetOrSkip();
/** share of a fold's training subjects held out to compare the two settings */
const VALIDATION_FRACTION = 0.2;
const seed = Number(arg('--seed') ?? 1);
const sets: Record<string, unknown> = {};
for (const kv of (arg('--set') ?? '').split(',').filter(Boolean)) {
  const [k, v] = kv.split('=');
  sets[k] = v === 'true' ? true : v === 'false' ? false : Number(v);
}

const ds = applyLabels(await openDataset(`flowdir:${data}`), getLabelScheme('megc3'));
const base = await getRecipe('emr', sets);
const X = await Promise.all(ds.clips.map((c) => base.extract(c)));
const folds = cdeFolds(ds.clips);
const every = Math.max(1, Math.floor(folds.length / Number(arg('--folds') ?? folds.length)));
const chosen = folds.filter((_, i) => i % every === 0);
console.log(`emr macro domain on/off, validation on ${VALIDATION_FRACTION} of each fold's training subjects; ${chosen.length} of ${folds.length} folds; settings ${JSON.stringify(sets)} (recipe defaults otherwise)`);

const pooled: Record<'on' | 'off', { y: number[]; pred: number[] }> = { on: { y: [], pred: [] }, off: { y: [], pred: [] } };
for (const fold of chosen) {
  const trainIdx = fold.train;
  const subjects = trainIdx.map((i) => subjectKey(ds.clips[i]));
  const { val } = splitSubjects(subjects, VALIDATION_FRACTION, foldRng(seed, `${fold.name}/macro-validation`));
  const vs = new Set(val);
  const fit = trainIdx.filter((i) => !vs.has(subjectKey(ds.clips[i])));
  const hold = trainIdx.filter((i) => vs.has(subjectKey(ds.clips[i])));
  for (const setting of ['on', 'off'] as const) {
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
    pooled[setting].y.push(...hold.map((i) => ds.clips[i].y));
    pooled[setting].pred.push(...preds.map((p) => p.pred));
    const m = computeMetrics(hold.map((i) => ds.clips[i].y), preds.map((p) => p.pred), ds.classes);
    console.log(`fold ${fold.name.padEnd(14)} macro ${setting.padEnd(3)} validation (${val.length} training subjects, ${hold.length} clips): UF1 ${m.uf1.toFixed(4)} UAR ${m.uar.toFixed(4)}`);
  }
}
const on = computeMetrics(pooled.on.y, pooled.on.pred, ds.classes);
const off = computeMetrics(pooled.off.y, pooled.off.pred, ds.classes);
console.log(`\npooled validation (training subjects only): macro on UF1 ${on.uf1.toFixed(4)} UAR ${on.uar.toFixed(4)} | macro off UF1 ${off.uf1.toFixed(4)} UAR ${off.uar.toFixed(4)}`);
console.log(`better on the training subjects' validation: macro ${on.uf1 >= off.uf1 ? 'on' : 'off'}`);
