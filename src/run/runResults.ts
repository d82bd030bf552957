/**
 * Results recomputed from a run folder (runStore.ts) without training:
 * `merkit evaluate --from-runs bench/runs/<recipe>/<run-id>`. The metrics are
 * those of the stored predictions; a run that has not finished gives the
 * metrics of its finished folds and says how many of how many those are.
 */
import { MerError } from '../core/errors.ts';
import { buildResults, type RawPrediction, type Results } from '../eval/results.ts';
import { getRecipe } from '../recipes/index.ts';
import { readRun, type StoredRun } from './runStore.ts';
import type { PaperRef } from '../recipes/types.ts';
import { loadPlugins } from './plugins.ts';

export interface RunProgress {
  /** folds stored */
  done: number;
  /** folds of the run */
  total: number;
}

export function runProgress(run: StoredRun): RunProgress {
  return { done: run.folds.length, total: run.manifest.folds.length };
}

/** Results of the stored folds of `run` (all of them when the run is complete); `paper` is the recipe's citation, when known. */
export function resultsOfRun(run: StoredRun, paper?: PaperRef): Results & { run: { dir: string } & RunProgress } {
  const m = run.manifest;
  if (run.folds.length === 0) throw new MerError('BAD_INPUT', `run folder ${run.dir} has no finished fold yet (0 of ${m.folds.length})`, { expected: 'at least one <fold>.json beside run.json' });
  const cls = m.classes;
  const index = (name: string, file: string) => {
    const k = cls.indexOf(name);
    if (k < 0) throw new MerError('BAD_INPUT', `fold file of ${file} names class '${name}', not one of ${cls.join(', ')}`);
    return k;
  };
  const predictions: RawPrediction[] = [];
  for (const f of run.folds) {
    for (const p of f.predictions) predictions.push({ dataset: p.dataset, subject: p.subject, clip: p.clip, y: index(p.label, f.fold), pred: index(p.pred, f.fold), scores: p.scores, fold: f.fold });
  }
  const done = new Set(run.folds.map((f) => f.fold));
  const results = buildResults({
    recipe: m.recipe,
    protocol: m.protocol,
    dataset: m.dataset,
    labels: m.labels,
    classes: cls,
    seed: m.seed,
    predictions,
    folds: m.folds.filter((f) => done.has(f.name)).map((f) => ({ name: f.name, nTrain: f.nTrain, nTest: f.test.length })),
    timing: { totalSeconds: run.folds.reduce((s, f) => s + f.seconds, 0), trainSeconds: run.folds.reduce((s, f) => s + f.seconds, 0), cachedFolds: run.folds.length },
    paper,
    params: m.params,
  });
  return { ...results, run: { dir: run.dir, ...runProgress(run) } };
}

export async function resultsFromRunDir(dir: string): Promise<Results & { run: { dir: string } & RunProgress }> {
  await loadPlugins();
  const run = await readRun(dir);
  let paper: PaperRef | undefined;
  try {
    paper = (await getRecipe(run.manifest.recipe)).paper;
  } catch {
    paper = undefined; // a plug-in recipe that is not loaded: the numbers do not need it
  }
  return resultsOfRun(run, paper);
}
