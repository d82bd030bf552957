/**
 * Classification metrics, MEGC definitions, computed on POOLED predictions
 * (all folds' test predictions together, one confusion matrix):
 *
 * - Acc = Σ_c TP_c / N
 * - per class c: precision = TP/(TP+FP), recall = TP/(TP+FN),
 *   F1 = 2TP / (2TP + FP + FN)
 * - UF1 = mean of per-class F1, UAR = mean of per-class recall.
 *
 * Empty-class convention (matters for per-subject / per-part metrics, where a
 * class is often missing): UF1 and UAR average ONLY over the classes present
 * in the ground truth (support > 0), the MEGC convention — a class nobody
 * showed cannot be recognised, so it neither helps nor hurts. A class absent
 * from the ground truth but predicted still shows its false positives in the
 * other classes' precision and in Acc. In the per-class table, a ratio whose
 * denominator is 0 is reported as 0 (precision of a never-predicted class,
 * recall of an absent class, F1 when TP+FP+FN = 0); `averagedOver` lists the
 * classes that entered UF1/UAR.
 *
 * (The official MEGC 2019 script skips a class absent from both truth and
 * predictions, and yields NaN UAR when a class is predicted but absent from
 * the truth; merkit's rule agrees with it whenever it gives a number and all
 * classes are present, which is the pooled case.)
 */
import { MerError } from '../core/errors.ts';
import type { ClassMetrics, Metrics } from './types.ts';

/** confusion[true][pred] counts; every label must be an integer in [0, nClasses). */
export function confusionMatrix(y: readonly number[], pred: readonly number[], nClasses: number): number[][] {
  if (y.length !== pred.length) {
    throw new MerError('INTERNAL', `confusion matrix: ${y.length} labels but ${pred.length} predictions`, {
      expected: 'one prediction per label',
    });
  }
  if (!Number.isInteger(nClasses) || nClasses < 1) {
    throw new MerError('INTERNAL', `confusion matrix: nClasses = ${nClasses}`, { expected: 'a positive integer' });
  }
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < y.length; i++) {
    const t = y[i];
    const p = pred[i];
    for (const [v, what] of [
      [t, 'label'],
      [p, 'prediction'],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= nClasses) {
        throw new MerError('INTERNAL', `confusion matrix: ${what} ${v} at position ${i} is not a class index`, {
          expected: `an integer in 0..${nClasses - 1}`,
        });
      }
    }
    m[t][p]++;
  }
  return m;
}

/** a / b, or 0 when b = 0 (see the empty-class convention above) */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Metrics from a confusion matrix (rows = truth, columns = prediction). */
export function metricsFromConfusion(confusion: number[][], classes: readonly string[]): Metrics {
  const k = classes.length;
  if (confusion.length !== k || confusion.some((r) => r.length !== k)) {
    throw new MerError('INTERNAL', `confusion matrix is not ${k}×${k}`, { expected: `one row and column per class` });
  }
  let n = 0;
  let correct = 0;
  const perClass: Record<string, ClassMetrics> = {};
  const averagedOver: string[] = [];
  let sumF1 = 0;
  let sumRecall = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += confusion[c][j];
      predicted += confusion[j][c];
    }
    const fn = support - tp;
    const fp = predicted - tp;
    n += support;
    correct += tp;
    const m: ClassMetrics = {
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, support),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      support,
    };
    perClass[classes[c]] = m;
    if (support > 0) {
      averagedOver.push(classes[c]);
      sumF1 += m.f1;
      sumRecall += m.recall;
    }
  }
  if (n === 0) {
    throw new MerError('INTERNAL', 'metrics of zero predictions', { expected: 'at least one test prediction' });
  }
  return {
    n,
    acc: correct / n,
    uf1: sumF1 / averagedOver.length,
    uar: sumRecall / averagedOver.length,
    perClass,
    confusion,
    classes: [...classes],
    averagedOver,
  };
}

/** MEGC metrics of pooled predictions: y and pred are class indices into `classes`. */
export function computeMetrics(y: readonly number[], pred: readonly number[], classes: readonly string[]): Metrics {
  return metricsFromConfusion(confusionMatrix(y, pred, classes.length), classes);
}

/**
 * Metrics per group (dataset part, subject, fold …), keys in sorted order.
 * Each group's UF1/UAR average over the classes present in THAT group's truth.
 */
export function metricsByGroup(
  items: readonly { group: string; y: number; pred: number }[],
  classes: readonly string[],
): Record<string, Metrics> {
  const groups = new Map<string, { y: number[]; pred: number[] }>();
  for (const it of items) {
    let g = groups.get(it.group);
    if (!g) groups.set(it.group, (g = { y: [], pred: [] }));
    g.y.push(it.y);
    g.pred.push(it.pred);
  }
  const out: Record<string, Metrics> = {};
  for (const key of [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const g = groups.get(key)!;
    out[key] = computeMetrics(g.y, g.pred, classes);
  }
  return out;
}
