/**
 * Hyper-parameter selection by an INNER cross-validation over one training
 * set. Folds are grouped by subject (a subject's clips are never split between
 * inner-train and inner-validation), so the chosen parameters are those that
 * generalise to unseen subjects, as the outer LOSO protocol demands.
 *
 * Nothing here ever sees rows outside the training set it is given: callers
 * pass indices into their own training rows and a `fitPredict` callback.
 *
 * Score: UF1 (MEGC unweighted F1 = mean per-class F1) of the validation
 * predictions pooled over all inner folds. Ties keep the earlier candidate, so
 * callers list candidates in order of preference (the SVM lists smaller C first).
 */
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';

export interface InnerFold {
  readonly train: number[];
  readonly test: number[];
}

/**
 * Group folds over the distinct subjects.
 * - `folds` undefined, or ≥ the number of subjects: leave-one-subject-out
 *   (subjects in sorted order);
 * - otherwise: subjects shuffled by `rng`, then each assigned to the fold with
 *   the fewest rows so far (balanced group k-fold).
 * With a single subject there is nothing to group by: rows are then split
 * into min(folds ?? 5, n) plain folds (shuffled by `rng`).
 */
export function groupFolds(subjects: readonly string[], folds: number | undefined, rng: Rng): InnerFold[] {
  const n = subjects.length;
  if (folds !== undefined && (!Number.isInteger(folds) || folds < 2)) {
    throw new MerError('BAD_OPTION', `grid search: folds = ${folds}`, { expected: 'an integer ≥ 2 (or leave it out for leave-one-subject-out)' });
  }
  const groups = new Map<string, number[]>();
  subjects.forEach((s, i) => {
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  });
  let groupLists: number[][];
  if (groups.size < 2) {
    // one subject: fall back to row folds
    groupLists = rng.shuffle([...Array(n).keys()]).map((i) => [i]);
  } else {
    const keys = [...groups.keys()].sort();
    groupLists = keys.map((k) => groups.get(k)!);
  }
  const k = Math.min(folds ?? (groups.size < 2 ? SINGLE_SUBJECT_FOLDS : groupLists.length), groupLists.length);
  let assignment: number[][];
  if (k === groupLists.length) {
    assignment = groupLists;
  } else {
    assignment = Array.from({ length: k }, () => [] as number[]);
    const sizes = new Array<number>(k).fill(0);
    for (const g of rng.shuffle(groupLists.slice())) {
      let best = 0;
      for (let f = 1; f < k; f++) if (sizes[f] < sizes[best]) best = f;
      assignment[best].push(...g);
      sizes[best] += g.length;
    }
  }
  const out: InnerFold[] = [];
  for (const testRows of assignment) {
    if (testRows.length === 0) continue;
    const inTest = new Uint8Array(n);
    for (const i of testRows) inTest[i] = 1;
    const train: number[] = [];
    for (let i = 0; i < n; i++) if (!inTest[i]) train.push(i);
    out.push({ train, test: testRows.slice().sort((a, b) => a - b) });
  }
  return out;
}

/** Plain folds used when the training set holds a single subject. */
const SINGLE_SUBJECT_FOLDS = 5;

/**
 * UF1 = mean over classes of per-class F1 from the confusion of (yTrue, yPred).
 * Only classes that occur in yTrue are averaged (a class absent from a
 * training set cannot be validated; counting it as F1 = 0 would only add a
 * constant to every candidate).
 */
export function uf1(yTrue: readonly number[], yPred: readonly number[], nClasses: number): number {
  const tp = new Float64Array(nClasses);
  const fp = new Float64Array(nClasses);
  const fn = new Float64Array(nClasses);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (t === p) tp[t]++;
    else {
      fn[t]++;
      if (p >= 0 && p < nClasses) fp[p]++;
    }
  }
  let s = 0;
  let m = 0;
  for (let c = 0; c < nClasses; c++) {
    if (tp[c] + fn[c] === 0) continue;
    const denom = 2 * tp[c] + fp[c] + fn[c];
    s += denom > 0 ? (2 * tp[c]) / denom : 0;
    m++;
  }
  return m > 0 ? s / m : 0;
}

export interface GridSearchArgs<P> {
  /** labels of the training rows */
  readonly y: readonly number[];
  /** subject key of every training row (inner folds group by it) */
  readonly subjects: readonly string[];
  readonly nClasses: number;
  /** candidates in order of preference: on a tie the earlier one wins */
  readonly candidates: readonly P[];
  /** inner folds: undefined = leave-one-subject-out, k = k group folds */
  readonly folds?: number;
  readonly rng: Rng;
  /** fit on rows `trainIdx`, return one predicted class per row of `testIdx` (indices into the training set) */
  fitPredict(trainIdx: readonly number[], testIdx: readonly number[], candidate: P): number[];
}

export interface GridSearchResult<P> {
  readonly best: P;
  readonly bestIndex: number;
  /** pooled inner-CV UF1 of every candidate, in candidate order */
  readonly scores: number[];
  readonly folds: number;
}

/** Pick the candidate with the best pooled inner-CV UF1 (ties → earlier candidate). */
export function gridSearch<P>(args: GridSearchArgs<P>): GridSearchResult<P> {
  const { y, subjects, nClasses, candidates } = args;
  if (candidates.length === 0) throw new MerError('BAD_OPTION', 'grid search: no candidate parameters', { expected: 'at least one value per grid axis' });
  if (subjects.length !== y.length) {
    throw new MerError('BAD_INPUT', `grid search: ${subjects.length} subject keys for ${y.length} rows`, { expected: 'one subject key per training row' });
  }
  if (candidates.length === 1 || y.length < 2) return { best: candidates[0], bestIndex: 0, scores: candidates.map(() => NaN), folds: 0 };
  const folds = groupFolds(subjects, args.folds, args.rng);
  const scores: number[] = [];
  for (const cand of candidates) {
    const pred = new Array<number>(y.length).fill(-1);
    for (const f of folds) {
      const p = args.fitPredict(f.train, f.test, cand);
      if (p.length !== f.test.length) throw new MerError('INTERNAL', `grid search: ${p.length} predictions for ${f.test.length} rows`);
      f.test.forEach((row, k) => (pred[row] = p[k]));
    }
    scores.push(uf1(y, pred, nClasses));
  }
  let bestIndex = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[bestIndex]) bestIndex = i;
  return { best: candidates[bestIndex], bestIndex, scores, folds: folds.length };
}
