/**
 * The job code shared by every executor (in-process, worker threads, and
 * later BullMQ): pure functions of a serialisable task description.
 */
import type { ClipRef } from '../core/clip.ts';
import { Rng } from '../core/rng.ts';
import type { Prediction } from '../learn/types.ts';
import { getRecipe } from '../recipes/index.ts';
import { MerError } from '../core/errors.ts';
import type { AuditSpec } from '../eval/audit.ts';
import { createAuditProbe, type FoldAudit } from './audit.ts';
import { loadPlugins } from './plugins.ts';

export interface ExtractTask {
  type: 'extract';
  recipe: string;
  recipeParams: Record<string, unknown>;
  clip: ClipRef;
}

export interface FoldTask {
  type: 'fold';
  recipe: string;
  recipeParams: Record<string, unknown>;
  foldName: string;
  seed: number;
  classes: string[];
  trainX: Float32Array[];
  trainY: number[];
  trainIds: string[];
  trainSubjects: string[];
  testX: Float32Array[];
  /** subject keys of the fold's test clips (names only, see TrainingSet.testSubjects) */
  testSubjects?: string[];
  /** `--audit-selection`: store the test predictions during training (src/run/audit.ts) */
  audit?: AuditSpec;
  /** fold-result cache key (foldCache.ts): a BullMQ worker stores its result there itself */
  resultKey?: string;
}

export interface FoldResult {
  foldName: string;
  predictions: Prediction[];
  /** optional facts the learner reports (chosen C, gamma, …) */
  info?: Record<string, unknown>;
  seconds: number;
  /** the audited runs' stored test predictions per epoch (never used by the fold itself) */
  audit?: FoldAudit;
}

export type Task = ExtractTask | FoldTask;

/** The fold's own random stream: depends only on (seed, fold name), never on scheduling. */
export function foldRng(seed: number, foldName: string): Rng {
  return new Rng(`${seed}/fold/${foldName}`);
}

/** The run's shared stream (TrainingSet.sharedRng): the same in every fold, it depends only on the seed. */
export function sharedRunRng(seed: number): Rng {
  return new Rng(`${seed}/shared`);
}

export async function runExtractTask(t: ExtractTask): Promise<Float32Array> {
  const recipe = await getRecipe(t.recipe, t.recipeParams);
  return recipe.extract(t.clip);
}

export async function runFoldTask(t: FoldTask): Promise<FoldResult> {
  const t0 = performance.now();
  const recipe = await getRecipe(t.recipe, t.recipeParams);
  const learner = recipe.learner();
  const audit = t.audit ? createAuditProbe(t.testX, t.audit) : undefined;
  const model = await learner.fit({
    X: t.trainX,
    y: t.trainY,
    ids: t.trainIds,
    subjects: t.trainSubjects,
    classes: t.classes,
    rng: foldRng(t.seed, t.foldName),
    sharedRng: sharedRunRng(t.seed),
    testSubjects: t.testSubjects,
    ...(audit ? { audit: audit.probe } : {}),
  });
  let predictions: FoldResult['predictions'];
  try {
    predictions = model.predict(t.testX).map((p) => ({ pred: p.pred, scores: Array.from(p.scores) }));
  } finally {
    // a worker runs many folds: free this fold's network before the next one
    model.dispose?.();
  }
  const info = (model as { info?: Record<string, unknown> }).info;
  const result: FoldResult = { foldName: t.foldName, predictions, info, seconds: (performance.now() - t0) / 1000 };
  if (audit) {
    result.audit = audit.stored();
    if (result.audit.epochs.length === 0) {
      throw new MerError('BAD_OPTION', `recipe ${t.recipe} stored no audited epoch in fold ${t.foldName}`, { expected: '--audit-selection with a network recipe that trains (ststnet, off-apexnet, dual-inception, fr, emr, tlcnn)' });
    }
  }
  return result;
}

export async function runTask(t: Task): Promise<Float32Array | FoldResult> {
  await loadPlugins();
  return t.type === 'extract' ? runExtractTask(t) : runFoldTask(t);
}
