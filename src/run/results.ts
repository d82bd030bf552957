/** Turning the runner's fold outputs into the Results object (src/eval/results.ts). */
import type { LabelledClip } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import type { Fold } from '../eval/types.ts';
import { buildResults, type RawPrediction, type Results, type Timing } from '../eval/results.ts';
import { buildAudit, type AuditBlock, type AuditEpoch } from '../eval/audit.ts';
import type { Recipe } from '../recipes/types.ts';
import type { FoldResult } from './tasks.ts';

export type { Results } from '../eval/results.ts';

export interface AssembleInput {
  recipe: Recipe;
  protocol: string;
  protocolKind: string;
  dataset: string;
  testDataset?: string;
  labels: string;
  classes: string[];
  seed: number;
  /** the rows fold indices point into */
  items: LabelledClip[];
  folds: Fold[];
  foldResults: FoldResult[];
  skipped: Problem[];
  dropped: Record<string, number>;
  timing: Timing;
}

export function assembleResults(a: AssembleInput): Results {
  const predictions: RawPrediction[] = [];
  a.folds.forEach((fold, k) => {
    const fr = a.foldResults[k];
    if (fr.predictions.length !== fold.test.length) {
      throw new MerError('INTERNAL', `fold ${fold.name}: ${fr.predictions.length} predictions for ${fold.test.length} test clips`);
    }
    fold.test.forEach((idx, j) => {
      const c = a.items[idx];
      const p = fr.predictions[j];
      predictions.push({ dataset: c.dataset, subject: c.subject, clip: c.clip, y: c.y, pred: p.pred, scores: p.scores, fold: fold.name });
    });
  });
  const results = buildResults({
    recipe: a.recipe.name,
    protocol: a.protocol,
    dataset: a.dataset,
    testDataset: a.testDataset,
    labels: a.labels,
    classes: a.classes,
    seed: a.seed,
    predictions,
    skipped: a.skipped,
    dropped: a.dropped,
    folds: a.folds,
    timing: a.timing,
    paper: a.recipe.paper,
    params: a.recipe.params,
  });
  if (!a.foldResults.some((r) => r.audit)) return results;
  return { ...results, audit: auditBlock(a, results) };
}

/** Honest rule, in words, for the report. */
const HONEST_RULE = "the predictions merkit reports: each fold's network after its last epoch, or, for a recipe that keeps the checkpoint chosen on a validation split of its own training subjects (FR, Dual-Inception), that checkpoint";

/**
 * The audit block: each stored epoch's predictions of every test clip, in the
 * order of results.predictions. Only epochs that every fold stored are kept
 * (they differ only if a fold stopped early).
 */
function auditBlock(a: AssembleInput, results: Results): AuditBlock {
  const audits = a.foldResults.map((r, k) => {
    if (!r.audit) throw new MerError('INTERNAL', `fold ${a.folds[k].name} has no audit while others do`);
    return r.audit;
  });
  const common = audits[0].epochs.filter((e) => audits.every((f) => f.epochs.includes(e)));
  const perEpoch: AuditEpoch[] = common.map((epoch) => ({
    epoch,
    predictions: a.folds.flatMap((fold, k) => {
      const preds = audits[k].preds[audits[k].epochs.indexOf(epoch)];
      if (preds.length !== fold.test.length) throw new MerError('INTERNAL', `fold ${fold.name}: audit epoch ${epoch} has ${preds.length} predictions for ${fold.test.length} test clips`);
      return fold.test.map((idx, j) => {
        const c = a.items[idx];
        return { dataset: c.dataset, subject: c.subject, clip: c.clip, label: a.classes[c.y], pred: a.classes[preds[j]] };
      });
    }),
  }));
  return buildAudit(perEpoch, { uf1: results.metrics.uf1, uar: results.metrics.uar, rule: HONEST_RULE });
}
