/**
 * The job code shared by every executor (in-process, worker threads, and
 * later BullMQ): pure functions of a serialisable task description.
 */
import type { ClipRef } from '../core/clip.ts';
import { Rng } from '../core/rng.ts';
import type { Prediction } from '../learn/types.ts';
import { getRecipe, type Recipe } from '../recipes/index.ts';
import { stableStringify } from '../io/cache.ts';
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

/** recipes this process has built, by name and parameters (a run's tasks all name the same one) */
const BUILT = new Map<string, Promise<Recipe>>();
/** a run builds one recipe; a long-lived worker serving several runs keeps the last few */
const BUILT_KEPT = 4;

const builtKey = (name: string, params: Readonly<Record<string, unknown>>): string => `${name}\0${stableStringify(params)}`;

function keep(key: string, r: Promise<Recipe>): void {
  BUILT.set(key, r);
  while (BUILT.size > BUILT_KEPT) BUILT.delete(BUILT.keys().next().value as string);
}

/** The task's recipe, built once per process for each (name, parameters), not once per task. */
function recipeOf(t: { recipe: string; recipeParams: Record<string, unknown> }): Promise<Recipe> {
  const key = builtKey(t.recipe, t.recipeParams);
  let r = BUILT.get(key);
  if (!r) {
    r = getRecipe(t.recipe, t.recipeParams);
    r.catch(() => BUILT.delete(key));
    keep(key, r);
  }
  return r;
}

/**
 * Build a run's recipe from its overrides (run/evaluate.ts, run/modelFolder.ts).
 * Tasks name it by its full `params` (what a worker rebuilds it from), so it
 * is kept under that key too: the in-process executor's tasks use this very
 * recipe instead of building it again.
 */
export async function buildRecipe(name: string, overrides: Record<string, unknown> = {}): Promise<Recipe> {
  const recipe = await recipeOf({ recipe: name, recipeParams: overrides });
  keep(builtKey(recipe.name, { ...recipe.params }), Promise.resolve(recipe));
  return recipe;
}

export async function runExtractTask(t: ExtractTask): Promise<Float32Array> {
  const recipe = await recipeOf(t);
  return recipe.extract(t.clip);
}

export async function runFoldTask(t: FoldTask): Promise<FoldResult> {
  const t0 = performance.now();
  const recipe = await recipeOf(t);
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
