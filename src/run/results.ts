/** Turning the runner's fold outputs into the Results object (src/eval/results.ts). */
import type { LabelledClip } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import type { Fold } from '../eval/types.ts';
import { buildResults, type RawPrediction, type Results, type Timing } from '../eval/results.ts';
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
  return buildResults({
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
}
