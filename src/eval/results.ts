/**
 * The result of one `merkit evaluate` run, as written to results.json
 * (issue 2): what ran (recipe, protocol, dataset, labels, seed), the pooled
 * MEGC metrics (overall, per dataset part, per subject), every test
 * prediction, every skipped clip, the folds, timing, and the paper.
 *
 * `buildResults` is pure: it turns the runner's raw per-clip predictions
 * (class indices) into this document.
 */
import { MerError, type Problem } from '../core/errors.ts';
import { subjectKey } from '../core/clip.ts';
import type { PaperRef } from '../recipes/types.ts';
import type { AuditBlock } from './audit.ts';
import { computeMetrics, metricsByGroup } from './metrics.ts';
import type { ClassMetrics, Fold, Metrics } from './types.ts';

import { MERKIT_VERSION } from '../version.ts';

/** merkit's version, written into every results.json (src/version.ts). */
export { MERKIT_VERSION };

/** Acc/UF1/UAR of a subset (a dataset part or a subject); UF1/UAR over the classes present in it. */
export interface SummaryMetrics {
  readonly n: number;
  readonly acc: number;
  readonly uf1: number;
  readonly uar: number;
}

export interface ResultMetrics extends SummaryMetrics {
  readonly perClass: Record<string, ClassMetrics>;
  /** confusion[true][pred], rows/columns in `classes` order */
  readonly confusion: number[][];
  readonly classes: readonly string[];
  /** classes present in the ground truth: the ones UF1/UAR average over */
  readonly averagedOver: readonly string[];
  /** per dataset part (clip.dataset), e.g. casme2 / samm / smic for the MEGC composite */
  readonly perPart: Record<string, SummaryMetrics>;
  /** per subject key ('casme2/sub01') */
  readonly perSubject: Record<string, SummaryMetrics>;
}

export interface PredictionResult {
  readonly dataset: string;
  readonly subject: string;
  readonly clip: string;
  /** true class name */
  readonly label: string;
  /** predicted class name */
  readonly pred: string;
  /** one score per class, in `metrics.classes` order */
  readonly scores: readonly number[];
  /** the fold that tested this clip */
  readonly fold?: string;
}

export interface SkippedClip {
  readonly clip?: string;
  readonly file?: string;
  readonly row?: number;
  readonly kind: string;
  readonly message: string;
}

export interface FoldSummary {
  readonly name: string;
  readonly nTrain: number;
  readonly nTest: number;
}

export interface Timing {
  /** wall time of the whole run, seconds */
  readonly totalSeconds: number;
  /** feature extraction (all clips), seconds */
  readonly extractSeconds?: number;
  /** fitting + predicting all folds, seconds (folds taken from the cache cost none) */
  readonly trainSeconds?: number;
  /** folds whose results came from the cache of an earlier (killed or finished) run */
  readonly cachedFolds?: number;
  /** worker threads used */
  readonly workers?: number;
  /** ISO-8601 start/end of the run */
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface Results {
  readonly recipe: string;
  /** canonical protocol string, e.g. 'loso', 'kfold:5:subject' */
  readonly protocol: string;
  /** the dataset as given on the CLI, e.g. 'flowdir:../shared/data/megc2019-cde-dev' */
  readonly dataset: string;
  /** the test dataset of protocol cross */
  readonly testDataset?: string;
  /** label scheme name, e.g. 'megc3' */
  readonly labels: string;
  readonly seed: number;
  readonly metrics: ResultMetrics;
  readonly predictions: readonly PredictionResult[];
  readonly skipped: readonly SkippedClip[];
  /** clips outside the label scheme, counted per original emotion */
  readonly dropped?: Readonly<Record<string, number>>;
  readonly folds: readonly FoldSummary[];
  readonly timing: Timing;
  readonly paper?: PaperRef;
  /** the recipe's parameters, when the runner passes them */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly merkitVersion: string;
  /** `--audit-selection` runs only: test predictions stored during training and the oracles (eval/audit.ts) */
  readonly audit?: AuditBlock;
}

/** One test prediction as the runner produces it: class indices into `classes`. */
export interface RawPrediction {
  readonly dataset: string;
  readonly subject: string;
  readonly clip: string;
  /** true class index */
  readonly y: number;
  /** predicted class index */
  readonly pred: number;
  readonly scores: readonly number[];
  readonly fold?: string;
}

export interface BuildResultsInput {
  readonly recipe: string;
  readonly protocol: string;
  readonly dataset: string;
  readonly testDataset?: string;
  readonly labels: string;
  readonly classes: readonly string[];
  readonly seed: number;
  /** every test prediction of every fold (pooled) */
  readonly predictions: readonly RawPrediction[];
  /** dataset problems (skipped clips) and clips that failed during the run */
  readonly skipped?: readonly (Problem | SkippedClip)[];
  /** clips outside the label scheme, counted per original emotion */
  readonly dropped?: Readonly<Record<string, number>>;
  /** the folds (train/test index lists) or their sizes */
  readonly folds: readonly (Fold | FoldSummary)[];
  readonly timing: Timing;
  readonly paper?: PaperRef;
  readonly params?: Readonly<Record<string, unknown>>;
  /** default MERKIT_VERSION */
  readonly merkitVersion?: string;
}

function summary(m: Metrics): SummaryMetrics {
  return { n: m.n, acc: m.acc, uf1: m.uf1, uar: m.uar };
}

function summaries(r: Record<string, Metrics>): Record<string, SummaryMetrics> {
  const out: Record<string, SummaryMetrics> = {};
  for (const [k, m] of Object.entries(r)) out[k] = summary(m);
  return out;
}

function foldSummary(f: Fold | FoldSummary): FoldSummary {
  return 'train' in f ? { name: f.name, nTrain: f.train.length, nTest: f.test.length } : { name: f.name, nTrain: f.nTrain, nTest: f.nTest };
}

function skippedEntry(p: Problem | SkippedClip): SkippedClip {
  const out: { -readonly [K in keyof SkippedClip]: SkippedClip[K] } = { kind: p.kind, message: p.message };
  if (p.clip !== undefined) out.clip = p.clip;
  if (p.file !== undefined) out.file = p.file;
  if (p.row !== undefined) out.row = p.row;
  return out;
}

/** Pools the predictions, computes overall / per-part / per-subject MEGC metrics, and assembles the results document. */
export function buildResults(input: BuildResultsInput): Results {
  const { classes } = input;
  if (input.predictions.length === 0) {
    throw new MerError('BAD_INPUT', `run of recipe ${input.recipe} produced no test predictions`, {
      expected: 'at least one clip that was read, featurised and predicted (see the skipped list)',
    });
  }
  const y = input.predictions.map((p) => p.y);
  const pred = input.predictions.map((p) => p.pred);
  const overall = computeMetrics(y, pred, classes);
  for (const p of input.predictions) {
    if (p.scores.length !== classes.length) {
      throw new MerError('INTERNAL', `prediction for ${p.dataset}/${p.subject}/${p.clip} has ${p.scores.length} scores`, {
        clip: p.clip,
        expected: `${classes.length} scores (one per class)`,
      });
    }
  }
  const perPart = metricsByGroup(
    input.predictions.map((p) => ({ group: p.dataset, y: p.y, pred: p.pred })),
    classes,
  );
  const perSubject = metricsByGroup(
    input.predictions.map((p) => ({ group: subjectKey(p), y: p.y, pred: p.pred })),
    classes,
  );
  const predictions: PredictionResult[] = input.predictions.map((p) => {
    const r: PredictionResult = {
      dataset: p.dataset,
      subject: p.subject,
      clip: p.clip,
      label: classes[p.y],
      pred: classes[p.pred],
      scores: [...p.scores],
    };
    return p.fold !== undefined ? { ...r, fold: p.fold } : r;
  });
  const results: Results = {
    recipe: input.recipe,
    protocol: input.protocol,
    dataset: input.dataset,
    ...(input.testDataset !== undefined ? { testDataset: input.testDataset } : {}),
    labels: input.labels,
    seed: input.seed,
    metrics: {
      ...summary(overall),
      perClass: overall.perClass,
      confusion: overall.confusion,
      classes: [...classes],
      averagedOver: overall.averagedOver ?? [],
      perPart: summaries(perPart),
      perSubject: summaries(perSubject),
    },
    predictions,
    skipped: (input.skipped ?? []).map(skippedEntry),
    ...(input.dropped !== undefined ? { dropped: { ...input.dropped } } : {}),
    folds: input.folds.map(foldSummary),
    timing: { ...input.timing },
    ...(input.paper !== undefined ? { paper: input.paper } : {}),
    ...(input.params !== undefined ? { params: input.params } : {}),
    merkitVersion: input.merkitVersion ?? MERKIT_VERSION,
  };
  return results;
}
