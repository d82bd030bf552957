/**
 * MMFL speed (one core, in-process):
 *
 * 1. Cross-database scale, SYNTHETIC: a block-wise table of 85 blocks × 177
 *    LBP-TOP-like values (each plane a normalised 59-bin histogram: a random
 *    block/plane base distribution, class, subject and clip effects on the log
 *    scale) = 15 045 features, 250 training clips (25 subjects, 3 classes as
 *    MEGC's) and 50 test clips: one fit + predict per variant. The real
 *    cross-database tables are not in ../shared/data; only the sizes matter
 *    for the time.
 * 2. One LOSO fold of the real CASME II table
 *    (../shared/data/casme2-lbptop-5x5/features.csv, 5-class, test subject
 *    sub01), per variant; skipped when the table is absent.
 *
 *   npm run bench:mmfl-speed [-- --only cross|casme] [--variants mmfl,nr,original] [--repeats N] [--history] [--blocks N]
 *
 * Prints wall and CPU seconds per run (best of --repeats, default 1), the
 * load average beside them, and with --history the objective L_r of Algorithm 1 per outer
 * iteration for a few blocks (how fast the alternation settles).
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { mmfl, mmflBlock, type MmflOptions, type MmflVariant } from '../src/learn/mmfl.ts';
import type { TrainingSet } from '../src/learn/types.ts';
import { loadCasme2 } from './classical-quick.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TABLE = join(process.env.MERKIT_SHARED_DATA ?? join(ROOT, '..', 'shared', 'data'), 'casme2-lbptop-5x5', 'features.csv');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = arg('--only');
const variants = (arg('--variants') ?? 'mmfl,nr,original').split(',') as MmflVariant[];
const repeats = Number(arg('--repeats') ?? 1);
const history = process.argv.includes('--history');
/** fewer blocks for a quick look (the time of a fit is about linear in the number of blocks) */
const blocksArg = arg('--blocks');

/** the cross-database sizes: 85 pyramid blocks × (3 planes × 59 bins) */
const CROSS = { blocks: blocksArg ? Number(blocksArg) : 85, blockDim: 177, train: 250, test: 50, subjects: 25, classes: 3 };
/** effect sizes on the log-histogram scale (class < subject < clip: a hard problem, as real data) */
const EFFECT = { class: 0.15, subject: 0.3, clip: 0.3 };

function syntheticTable(seed: number): { train: TrainingSet; testX: Float32Array[]; testY: number[] } {
  const { blocks, blockDim, train, test, subjects, classes } = CROSS;
  const planes = blocks * 3;
  const rng = new Rng(seed);
  const base = Array.from({ length: planes }, () => Float64Array.from({ length: 59 }, () => 2 * rng.normal()));
  const cls = Array.from({ length: classes }, () => Array.from({ length: planes }, () => Float64Array.from({ length: 59 }, () => EFFECT.class * rng.normal())));
  const subj = Array.from({ length: subjects }, () => Array.from({ length: planes }, () => Float64Array.from({ length: 59 }, () => EFFECT.subject * rng.normal())));
  const X: Float32Array[] = [], y: number[] = [], sub: string[] = [], ids: string[] = [];
  for (let j = 0; j < train + test; j++) {
    const c = j % classes;
    const s = j % subjects;
    const x = new Float32Array(blocks * blockDim);
    for (let q = 0; q < planes; q++) {
      let tot = 0;
      const h = new Float64Array(59);
      for (let k = 0; k < 59; k++) tot += h[k] = Math.exp(base[q][k] + cls[c][q][k] + subj[s][q][k] + EFFECT.clip * rng.normal());
      for (let k = 0; k < 59; k++) x[q * 59 + k] = h[k] / tot;
    }
    X.push(x);
    y.push(c);
    sub.push(`synth/s${s}`);
    ids.push(`synth/s${s}/c${j}`);
  }
  return {
    train: { X: X.slice(0, train), y: y.slice(0, train), ids: ids.slice(0, train), subjects: sub.slice(0, train), classes: Array.from({ length: classes }, (_, i) => `class${i}`), rng: new Rng(1) },
    testX: X.slice(train),
    testY: y.slice(train),
  };
}

async function time(label: string, opts: MmflOptions, train: TrainingSet, testX: Float32Array[], testY: number[]): Promise<void> {
  let best = Infinity;
  let bestCpu = Infinity;
  let acc = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const model = await mmfl(opts).fit({ ...train, rng: new Rng(1) });
    const pred = model.predict(testX);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (performance.now() - t0) / 1000);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
    acc = pred.filter((p, i) => p.pred === testY[i]).length / testY.length;
  }
  // CPU time of this process: on a loaded machine wall time also counts the time other jobs held the core
  console.log(`${label.padEnd(44)} ${best.toFixed(2).padStart(7)} s wall, ${bestCpu.toFixed(2).padStart(7)} s CPU   (test acc ${acc.toFixed(3)}, load ${loadavg()[0].toFixed(1)})`);
}

function printHistory(label: string, train: TrainingSet, blocks: number, blockDim: number, opts: Omit<MmflOptions, 'blocks' | 'blockDim'>): void {
  for (const k of [0, Math.floor(blocks / 2), blocks - 1]) {
    // the block's varying dimensions, as the learner uses them
    const dims: number[] = [];
    for (let a = 0; a < blockDim; a++) if (train.X.some((x) => x[k * blockDim + a] !== train.X[0][k * blockDim + a])) dims.push(a);
    const n = train.X.length, s = dims.length;
    const Xk = new Float64Array(n * s);
    train.X.forEach((x, j) => dims.forEach((a, i) => (Xk[j * s + i] = x[k * blockDim + a])));
    const t0 = performance.now();
    const b = mmflBlock(Xk, n, s, train.y, train.classes.length, new Rng(1), opts);
    const L = b.objective;
    const rel = L.slice(1).map((v, i) => Math.abs(v - L[i]) / Math.abs(v));
    console.log(`${label} block ${k} (d ${s}, h ${b.h}): ${((performance.now() - t0) / 1000).toFixed(2)} s, L_r ${L.map((v) => v.toPrecision(9)).join(' ')}; |ΔL|/|L| ${rel.map((v) => v.toExponential(1)).join(' ')}`);
  }
}

async function main(): Promise<void> {
  if (!only || only === 'cross') {
    const { train, testX, testY } = syntheticTable(7);
    console.log(`# cross-database scale, synthetic: ${CROSS.blocks} blocks × ${CROSS.blockDim} = ${CROSS.blocks * CROSS.blockDim} features, ${CROSS.train} training / ${CROSS.test} test clips, ${CROSS.classes} classes`);
    if (history) printHistory('cross', train, CROSS.blocks, CROSS.blockDim, {});
    for (const v of variants) await time(`cross-database fit + predict, ${v}`, { blocks: CROSS.blocks, blockDim: CROSS.blockDim, variant: v }, train, testX, testY);
  }
  if (!only || only === 'casme') {
    if (!existsSync(TABLE)) {
      console.log(`# skipped the CASME II fold: ${TABLE} is absent (licensed data is read from ../shared/data)`);
      return;
    }
    const D = loadCasme2(TABLE);
    const test = 'casme2/sub01';
    const tr = D.X.map((_, i) => i).filter((i) => D.subjects[i] !== test);
    const te = D.X.map((_, i) => i).filter((i) => D.subjects[i] === test);
    const train: TrainingSet = { X: tr.map((i) => D.X[i]), y: tr.map((i) => D.y[i]), ids: tr.map((i) => D.ids[i]), subjects: tr.map((i) => D.subjects[i]), classes: ['happiness', 'surprise', 'disgust', 'repression', 'others'], rng: new Rng(1) };
    console.log(`# CASME II LBP-TOP table (25 blocks × 177), one LOSO fold: ${tr.length} training clips, test subject sub01 (${te.length} clips)`);
    if (history) printHistory('casme', train, 25, 177, {});
    for (const v of variants) await time(`CASME II LOSO fold, ${v}`, { blocks: 25, blockDim: 177, variant: v }, train, te.map((i) => D.X[i]), te.map((i) => D.y[i]));
  }
}

await main();
