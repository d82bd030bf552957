/**
 * `npm run bench:fr-sgd` — why FR at its paper's CDE optimiser (plain SGD,
 * lr 0.001, batch 32, no momentum; Zhou et al. 2022 §6.1.1) stays at the
 * class prior, measured on ../shared/data/megc2019-cde-dev.
 *
 * 1. Scale at initialisation. FR's attention (eq. 2–3, a_k = softmax(W_k z),
 *    z_k* = a_k ⊙ z, z' = Σ_k z_k*) is a softmax over z's 1024 dimensions, so
 *    each a_k is ≈ 1/1024 per dimension and z' ≈ (K/1024)·z. The bench prints,
 *    for a few seeds, the spread (sd over 32 real clips) of the first logit of
 *    FR and of Dual-Inception, which has the same two-stream backbone and FC
 *    1024 but no attention. Adam rescales every gradient and does not see this;
 *    plain SGD moves the backbone in proportion to it.
 * 2. `--epochs N` (0: skip): FR trained at the paper's optimiser on the
 *    training subjects of the first CDE fold only. The recipe's validation
 *    split (FR_VALIDATION_FRACTION of those training subjects, by subject)
 *    gives the curve; the fold's test subject is never loaded. Prints every
 *    `--every` epochs: training loss (λ·L_prop + L_cls), validation L_cls and
 *    validation accuracy; then, from the split the training report names, the
 *    validation set's majority-class share (what a network that outputs the
 *    prior scores).
 *
 *   node --import tsx bench/fr-sgd.ts [--epochs 1000] [--every 25] [--seed 1] [--net-seed S] [--fold casme2/sub01]
 */
import * as tf from '@tensorflow/tfjs';
import { openDataset } from '../src/datasets/index.ts';
import { applyLabels, getLabelScheme } from '../src/datasets/labelSchemes.ts';
import { subjectKey } from '../src/core/clip.ts';
import { cdeFolds } from '../src/eval/protocols.ts';
import { getRecipe } from '../src/recipes/index.ts';
import { FR_DEFAULTS, FR_VALIDATION_FRACTION } from '../src/recipes/fr.ts';
import { initBackend } from '../src/nets/backend.ts';
import { fr } from '../src/nets/fr.ts';
import { dualInception } from '../src/nets/dualInception.ts';
import { trainNetwork } from '../src/nets/train.ts';
import { argValue as arg, devSetOrSkip } from './lib/args.ts';

const data = devSetOrSkip();
const epochs = Number(arg('--epochs') ?? 0);
const every = Number(arg('--every') ?? 25);
const seed = Number(arg('--seed') ?? 1);
/** the network's initialisation seed (default: --seed); the training stream (batches, dropout, validation split) uses --seed */
const netSeed = Number(arg('--net-seed') ?? seed);
const foldName = arg('--fold') ?? 'casme2/sub01';
/** clips and seeds for the scale check: one recipe batch, three initialisations */
const SCALE_CLIPS = 32;
const SCALE_SEEDS = [1, 2, 3];

await initBackend();
const ds = applyLabels(await openDataset(`flowdir:${data}`), getLabelScheme('megc3'));
const recipe = await getRecipe('fr');
const fold = cdeFolds(ds.clips).find((f) => f.name === foldName);
if (!fold) {
  console.error(`--fold ${foldName}: no such CDE fold (names look like casme2/sub01, smic/s1)`);
  process.exit(2);
}
const rows = await Promise.all(fold.train.map(async (i) => ({ x: (await recipe.extract(ds.clips[i])) as Float32Array, y: ds.clips[i].y, s: subjectKey(ds.clips[i]) })));
const dim = rows[0].x.length;
const [h, w, c] = [28, 28, dim / (28 * 28)];
const pack = (rs: typeof rows) => {
  const x = new Float32Array(rs.length * dim);
  rs.forEach((r, i) => x.set(r.x, i * dim));
  return x;
};

// 1. scale at initialisation (the first SCALE_CLIPS training clips of the fold)
const probe = tf.tensor4d(pack(rows.slice(0, SCALE_CLIPS)), [SCALE_CLIPS, h, w, c]);
const spread = async (net: { forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D }) => {
  const l = (await net.forward(probe, false).array()).map((r) => r[0]);
  const m = l.reduce((a, v) => a + v, 0) / l.length;
  return Math.sqrt(l.reduce((a, v) => a + (v - m) ** 2, 0) / l.length);
};
console.log(`logit spread at initialisation (sd of logit 0 over ${SCALE_CLIPS} clips of fold ${foldName}'s training set)`);
console.log('| seed | FR | Dual-Inception (same backbone, no attention) | ratio |\n|---|---|---|---|');
for (const s of SCALE_SEEDS) {
  const a = await spread(fr({ classes: 3, seed: s }) as never);
  const b = await spread(dualInception({ classes: 3, seed: s }) as never);
  console.log(`| ${s} | ${a.toExponential(2)} | ${b.toExponential(2)} | 1 : ${(b / a).toFixed(0)} |`);
}

// 2. the paper's optimiser on the fold's training subjects, validation by subject
if (epochs > 0) {
  console.log(`\nFR, plain SGD lr ${FR_DEFAULTS.lr}, batch ${FR_DEFAULTS.batchSize}, momentum ${FR_DEFAULTS.momentum}; ${FR_VALIDATION_FRACTION} of the training subjects held out for validation; test subject ${foldName} not loaded`);
  console.log('| epoch | training loss | validation L_cls | validation accuracy | s/epoch |\n|---|---|---|---|---|');
  const net = fr({ classes: 3, seed: netSeed });
  const report = await trainNetwork(
    net,
    { x: pack(rows), y: Int32Array.from(rows.map((r) => r.y)), subjects: rows.map((r) => r.s) },
    {
      epochs,
      batchSize: FR_DEFAULTS.batchSize,
      optimizer: { kind: 'sgd', lr: FR_DEFAULTS.lr, momentum: FR_DEFAULTS.momentum },
      seed,
      validation: { fraction: FR_VALIDATION_FRACTION, bySubject: true, patience: Number.POSITIVE_INFINITY },
      onEpoch: (e) => {
        if ((e.epoch + 1) % every === 0 || e.epoch === 0) console.log(`| ${e.epoch + 1} | ${e.loss.toFixed(4)} | ${e.valLoss?.toFixed(4)} | ${e.valAccuracy?.toFixed(3)} | ${e.seconds.toFixed(1)} |`);
      },
    },
  );
  // the split trainNetwork made (its report), counted to give the score of a network that outputs the prior
  const vs = new Set(report.validationSubjects);
  const counts = [0, 0, 0];
  for (const r of rows) if (vs.has(r.s)) counts[r.y]++;
  const nVal = counts.reduce((a, v) => a + v, 0);
  console.log(`\n${rows.length - nVal} training clips, ${nVal} validation clips of ${vs.size} held-out training subjects; the validation set's majority share ${(Math.max(...counts) / nVal).toFixed(3)} is what the class prior scores`);
}
