/**
 * `npm run bench:net-steps` — wall time of one training step (forward,
 * backward, Adam update) of each network merkit trains, at its recipe's batch
 * size, on random inputs of the recipe's shape, on the wasm backend; plus the
 * implied seconds per epoch of one CDE fold (≈ 300 training clips of the
 * megc2019-cde-dev set) and per 40-fold CDE run at the recipe's epochs.
 * Needs no data: it is the budget behind `bench:cde-dev`.
 *
 *   node --import tsx bench/net-steps.ts [--steps 5] [--nets fr,emr] [--tfjs-adam]
 */
import * as tf from '../src/nets/tf.ts';
import { initBackend } from '../src/nets/backend.ts';
import { offApexNet } from '../src/nets/offApexNet.ts';
import { dualInception } from '../src/nets/dualInception.ts';
import { fr } from '../src/nets/fr.ts';
import { emr } from '../src/nets/emr.ts';
import { tlcnn } from '../src/nets/tlcnn.ts';
import { ststnetNetwork } from '../src/nets/ststnet.ts';
import { Rng } from '../src/core/rng.ts';
import { getRecipe } from '../src/recipes/index.ts';
import type { NetworkFactory } from '../src/nets/types.ts';
import { FusedAdamOptimizer } from '../src/nets/fusedAdam.ts';

/** training clips of one CDE fold on the dev set (309 clips, 40 subjects) */
const FOLD_CLIPS = 300;
const FOLDS = 40;

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const steps = Number(arg('--steps') ?? 5);

interface Case {
  name: string;
  recipe: string;
  factory: NetworkFactory;
  shape: [number, number, number];
  build?: Record<string, unknown>;
  /** samples per step beyond the batch (EMR's adversarial source batch doubles it) */
  batchFactor?: number;
}
const CASES: Case[] = [
  { name: 'ststnet', recipe: 'ststnet', factory: ststnetNetwork, shape: [28, 28, 3] },
  { name: 'off-apexnet', recipe: 'off-apexnet', factory: offApexNet, shape: [28, 28, 3] },
  { name: 'dual-inception', recipe: 'dual-inception', factory: dualInception, shape: [28, 28, 3] },
  { name: 'fr', recipe: 'fr', factory: fr, shape: [28, 28, 3] },
  { name: 'emr (width 64 = ResNet-18)', recipe: 'emr', factory: emr, shape: [28, 28, 3], build: { width: 64 }, batchFactor: 2 },
  { name: 'emr (width 16)', recipe: 'emr', factory: emr, shape: [28, 28, 3], build: { width: 16 }, batchFactor: 2 },
  { name: 'tlcnn frame CNN (fine-tuning)', recipe: 'tlcnn', factory: tlcnn, shape: [48, 48, 1] },
];
const only = arg('--nets')?.split(',');
/** `--tfjs-adam`: tfjs's AdamOptimizer instead of the fused one training uses (to measure the difference) */
const tfjsAdam = process.argv.includes('--tfjs-adam');

await initBackend({ backend: 'wasm' });
console.log(`training step on wasm (${tfjsAdam ? "tfjs's Adam" : 'fused SIMD Adam'}), ${steps} timed steps after 2 warm-up steps; epoch = ${FOLD_CLIPS} clips, CDE = ${FOLDS} folds`);
console.log('network                          batch  ms/step  s/epoch  recipe epochs  CDE worker-hours');
for (const c of CASES) {
  if (only && !only.some((o) => c.name.startsWith(o))) continue;
  const params = (await getRecipe(c.recipe)).params as Record<string, unknown>;
  const batch = Number(params['batchSize'] ?? params['finetuneBatch'] ?? 32);
  const epochs = Number(params['epochs'] ?? params['finetuneEpochs'] ?? 1);
  const net = c.factory({ classes: 3, seed: 1, ...(c.build ?? {}) });
  const rng = new Rng(`net-steps/${c.name}`);
  const n = batch * (c.batchFactor ?? 1);
  const [h, w, ch] = c.shape;
  const x = tf.tensor4d(Float32Array.from({ length: n * h * w * ch }, () => rng.uniform(0, 1)), [n, h, w, ch]);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32');
  const opt = tfjsAdam ? tf.train.adam(1e-4) : new FusedAdamOptimizer(1e-4, 0.9, 0.999, 1e-8);
  const vars = net.trainableVariables();
  const step = (k: number) => tf.tidy(() => opt.minimize(() => net.trainLoss(x, y, { epoch: 0, step: k, rng: rng.fork(`step${k}`) }), true, vars)!.dataSync());
  step(0);
  step(1);
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) step(k + 2);
  const ms = (performance.now() - t0) / steps;
  const perEpoch = (Math.ceil(FOLD_CLIPS / batch) * ms) / 1000;
  const hours = (perEpoch * epochs * FOLDS) / 3600;
  console.log(`${c.name.padEnd(32)} ${String(batch).padStart(5)}  ${ms.toFixed(1).padStart(7)}  ${perEpoch.toFixed(2).padStart(7)}  ${String(epochs).padStart(13)}  ${hours.toFixed(1).padStart(16)}`);
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
}
