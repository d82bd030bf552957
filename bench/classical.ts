/**
 * Classical pipelines through the real runner (src/run/evaluate.ts: folds,
 * per-fold fitting on training rows only, the leakage checks):
 *
 * 1. Real features: ../shared/data/casme2-lbptop-5x5/features.csv (CASME II
 *    block-wise LBP-TOP, 5×5 blocks, R = 1,1,4), casme2-5 labels (246 clips),
 *    LOSO: linear SVM, RBF SVM, LDA, NR, MMFL (w_no), ℓ2,1 + linear SVM, and
 *    NR / MMFL with prior-corrected class-wise scores (learn/mmfl.ts); with
 *    --tune also balanced class weights and C ∈ {1, 10, 100} by a 3-fold
 *    inner CV on the training subjects of every outer fold.
 * 2. Full pipelines from frames on a synthetic CASME II-layout set
 *    (writeSyntheticDataset): lbptop-svm, mmfl, ltogp-rankpool.
 *
 *   npm run bench:classical [-- --quick] [--tune] [--only name,name]
 *
 * --quick: the real-data part without the slow learners (MMFL, ℓ2,1) and a
 * smaller synthetic set without the w_balance run. --tune adds the slow MMFL
 * rows (balanced class weights; C by inner CV). Prints Acc / UF1 / seconds per method and a table.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../src/run/evaluate.ts';
import { registerRecipe } from '../src/recipes/index.ts';
import { featureSvm } from '../src/recipes/featureSvm.ts';
import { pipeline } from '../src/learn/types.ts';
import { standardize } from '../src/learn/standardize.ts';
import { lda } from '../src/learn/lda.ts';
import { writeSyntheticDataset } from '../src/datasets/synthetic/generate.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.MERKIT_SHARED_DATA ?? join(ROOT, '..', 'shared', 'data');
const TABLE = join(SHARED, 'casme2-lbptop-5x5', 'features.csv');
const quick = process.argv.includes('--quick');
const tune = process.argv.includes('--tune');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : undefined;

// plain LDA classifier on standardised features (no recipe of its own): in-process only (workers = 1)
registerRecipe('bench-lda', () => {
  const base = featureSvm('linear');
  return { ...base, name: 'bench-lda', title: 'standardise + LDA', learner: () => pipeline('standardize+lda', [standardize()], lda()) };
});

interface Row { name: string; data: string; acc: number; uf1: number; n: number; seconds: number }
const rows: Row[] = [];

async function run(name: string, data: string, dataset: string, recipe: string, recipeParams: Record<string, unknown>, protocol: string): Promise<void> {
  if (only && !only.has(name)) return;
  const t0 = performance.now();
  const res = await evaluate({ dataset, labels: 'casme2-5', recipe, recipeParams, protocol, workers: 1, cache: false });
  const r = { name, data, acc: res.metrics.acc, uf1: res.metrics.uf1, n: res.metrics.n, seconds: (performance.now() - t0) / 1000 };
  rows.push(r);
  // how often each class is predicted (a collapse onto one class shows here)
  const predicted = new Map<string, number>();
  for (const p of res.predictions) predicted.set(p.pred, (predicted.get(p.pred) ?? 0) + 1);
  const spread = [...predicted].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`${name.padEnd(24)} ${data.padEnd(26)} n ${String(r.n).padStart(3)}  Acc ${r.acc.toFixed(4)}  UF1 ${r.uf1.toFixed(4)}  ${r.seconds.toFixed(1)} s  (predicted: ${spread})`);
}

async function main(): Promise<void> {
  // 1. real CASME II LBP-TOP table
  if (existsSync(TABLE)) {
    const ds = `features:${TABLE}`;
    const proto = 'loso';
    const learners: Array<[string, string, Record<string, unknown>]> = [
      ['linear SVM', 'svm-linear', {}],
      ['RBF SVM', 'svm-rbf', {}],
      ['LDA', 'bench-lda', {}],
      ['NR (α = 0)', 'mmfl', { variant: 'nr' }],
      ['MMFL (w_no)', 'mmfl', {}],
      ['NR + prior-corrected scores', 'mmfl', { variant: 'nr', svmScore: 'prior-corrected' }],
      ['MMFL (w_no) + prior-corrected scores', 'mmfl', { svmScore: 'prior-corrected' }],
      ['l21(450) + linear SVM', 'ltogp-rankpool', { n: 450 }],
    ];
    if (tune) {
      // balanced class weights (Platt re-fits the prior: no help on CASME II) and
      // C ∈ {1, 10, 100} chosen per outer fold by a 3-fold inner CV on the
      // training subjects only (≈ 10 min on 2 shared cores)
      learners.push(['MMFL (w_no) + balanced SVMs', 'mmfl', { svmClassWeight: 'balanced' }]);
      learners.push(['MMFL (w_no) + C by inner CV', 'mmfl', { tuneC: [1, 10, 100], tuneFolds: 3 }]);
    }
    for (const [name, recipe, params] of learners) {
      if (quick && (name.startsWith('MMFL') || name.startsWith('l21'))) continue;
      await run(name, 'CASME II LBP-TOP table', ds, recipe, params, proto);
    }
  } else {
    console.log(`# skipped the real-data part: ${TABLE} is absent (licensed data is read from ../shared/data)`);
  }
  // 2. synthetic frames
  const dir = mkdtempSync(join(tmpdir(), 'merkit-bench-classical-'));
  try {
    const subjects = quick ? 3 : 4;
    await writeSyntheticDataset(dir, { seed: 1, subjects, clipsPerClass: 1, size: 128, frames: [20, 28], amplitude: [1.0, 1.5] });
    const ds = `synthetic:${dir}`;
    // from frames every one of the 177 values per block varies, so each Stiefel
    // step is O(d³) at d = 177: a short schedule (MMFL_FRAMES) keeps the run to minutes
    const MMFL_FRAMES = { tMax: 2, stiefelIter: 3 };
    await run('lbptop-svm', `synthetic ${subjects} subj`, ds, 'lbptop-svm', {}, 'loso');
    await run('mmfl (w_no)', `synthetic ${subjects} subj`, ds, 'mmfl', MMFL_FRAMES, 'loso');
    if (!quick) await run('mmfl (w_balance)', `synthetic ${subjects} subj`, ds, 'mmfl', { ...MMFL_FRAMES, weighting: 'balance' }, 'loso');
    await run('ltogp-rankpool', `synthetic ${subjects} subj`, ds, 'ltogp-rankpool', {}, 'loso');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\n| method | data | n | Acc | UF1 | s |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.data} | ${r.n} | ${r.acc.toFixed(4)} | ${r.uf1.toFixed(4)} | ${r.seconds.toFixed(0)} |`);
}

await main();
