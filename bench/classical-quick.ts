/**
 * `node --import tsx bench/classical-quick.ts` — quick real-data check of the classical learners: CASME II block-wise
 * LBP-TOP (../shared/data/casme2-lbptop-5x5/features.csv), 5-class
 * (happiness, surprise, disgust, repression, others; fear/sadness dropped →
 * 246 clips), leave-one-subject-out. Prints Acc / UF1 / time per learner.
 *
 *   npx tsx bench/classical-quick.ts [--only linear,rbf,lda,...]
 *
 * Reference: an external linear SVM on these features gets about Acc 0.38 / UF1 0.34.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../src/io/csv.ts';
import { Rng } from '../src/core/rng.ts';
import type { Learner, TrainingSet } from '../src/learn/types.ts';
import { pipeline } from '../src/learn/pipeline.ts';
import { standardize } from '../src/learn/standardize.ts';
import { svm } from '../src/learn/svm.ts';
import { lda } from '../src/learn/lda.ts';
import { pca } from '../src/learn/pca.ts';
import { uf1 } from '../src/learn/gridSearch.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(process.env.MERKIT_SHARED_DATA ?? join(ROOT, '..', 'shared', 'data'), 'casme2-lbptop-5x5', 'features.csv');
const CLASSES = ['happiness', 'surprise', 'disgust', 'repression', 'others'];

export interface Casme2Features {
  X: Float32Array[];
  y: number[];
  subjects: string[];
  ids: string[];
}

export function loadCasme2(path = DATA): Casme2Features {
  const rows = parseCsv(readFileSync(path, 'utf8'), path);
  const header = rows[0];
  const first = header.findIndex((h) => h.startsWith('b0_'));
  const iSub = header.indexOf('subject');
  const iClip = header.indexOf('clip');
  const iEmo = header.indexOf('emotion');
  const out: Casme2Features = { X: [], y: [], subjects: [], ids: [] };
  for (const r of rows.slice(1)) {
    const c = CLASSES.indexOf(r[iEmo].trim().toLowerCase());
    if (c < 0) continue;
    out.X.push(Float32Array.from(r.slice(first), Number));
    out.y.push(c);
    out.subjects.push(`casme2/${r[iSub]}`);
    out.ids.push(`casme2/${r[iSub]}/${r[iClip]}`);
  }
  return out;
}

/** LOSO over all subjects, or only holding out the subjects in `only` (the score is then over their clips). */
export async function loso(data: Casme2Features, learner: Learner, seed = 1, only?: ReadonlySet<string>): Promise<{ acc: number; uf1: number; seconds: number; n: number }> {
  const t0 = performance.now();
  const subjects = [...new Set(data.subjects)].sort().filter((s) => !only || only.has(s));
  const pred = new Array<number>(data.y.length).fill(-1);
  const rng = new Rng(seed);
  for (const s of subjects) {
    const tr = data.y.map((_, i) => i).filter((i) => data.subjects[i] !== s);
    const te = data.y.map((_, i) => i).filter((i) => data.subjects[i] === s);
    const train: TrainingSet = {
      X: tr.map((i) => data.X[i]),
      y: tr.map((i) => data.y[i]),
      ids: tr.map((i) => data.ids[i]),
      subjects: tr.map((i) => data.subjects[i]),
      classes: CLASSES,
      rng: rng.fork(s),
    };
    const model = await learner.fit(train);
    model.predict(te.map((i) => data.X[i])).forEach((p, k) => (pred[te[k]] = p.pred));
  }
  const scored = pred.map((_, i) => i).filter((i) => pred[i] >= 0);
  const yt = scored.map((i) => data.y[i]);
  const yp = scored.map((i) => pred[i]);
  const acc = yp.filter((p, i) => p === yt[i]).length / yp.length;
  return { acc, uf1: uf1(yt, yp, CLASSES.length), seconds: (performance.now() - t0) / 1000, n: yp.length };
}

async function main() {
  if (!existsSync(DATA)) {
    console.log(`skipped: ${DATA} is absent (licensed data is read from ../shared/data)`);
    return;
  }
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : undefined;
  const data = loadCasme2();
  console.log(`CASME II LBP-TOP 5x5: ${data.X.length} clips, ${data.X[0].length} features, ${new Set(data.subjects).size} subjects`);
  const learners: Record<string, Learner> = {
    linear: pipeline('std+svm-linear', [standardize()], svm({ kernel: 'linear', C: 1 })),
    'linear-raw': svm({ kernel: 'linear', C: 1 }),
    'linear-balanced': pipeline('std+svm-linear-bal', [standardize()], svm({ kernel: 'linear', C: 1, classWeight: 'balanced' })),
    rbf: pipeline('std+svm-rbf', [standardize()], svm({ kernel: 'rbf', C: 10 })),
    chi2: svm({ kernel: 'chi2', C: 10 }),
    lda: pipeline('std+lda', [standardize()], lda()),
    'pca-lda': pipeline('std+pca+lda', [standardize(), pca({ varianceKept: 0.95 })], lda()),
    'linear-grid': pipeline('std+svm-linear-grid', [standardize()], svm({ kernel: 'linear', grid: { C: [0.001, 0.01, 0.1, 1], folds: 5 } })),
  };
  for (const [name, l] of Object.entries(learners)) {
    if (only && !only.includes(name)) continue;
    const r = await loso(data, l);
    console.log(`${name.padEnd(16)} Acc ${r.acc.toFixed(4)}  UF1 ${r.uf1.toFixed(4)}  (${r.seconds.toFixed(1)} s)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
