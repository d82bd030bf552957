/**
 * Model folders (`merkit train --out model/`, read by `predict` / `analyze`):
 * writing and reading them on disk, training a recipe on a whole dataset,
 * and loading a folder back into a recipe and a fitted model. The format
 * itself (layout, constants, array coding) is ./modelFormat.ts, which the
 * page shares. Files are written atomically, arrays first and the json
 * last, so a folder with a json is complete.
 */
import { namedScores, type NamedScores } from '../learn/scores.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MerError, problemFromError, type Problem } from '../core/errors.ts';
import type { SavedModel } from '../learn/types.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { MERKIT_VERSION } from '../version.ts';
import type { ClipRef, LabelledClip } from '../core/clip.ts';
import { clipKey, subjectKey } from '../core/clip.ts';
import { Rng } from '../core/rng.ts';
import { openDataset } from '../datasets/index.ts';
import { applyLabels, getLabelScheme } from '../datasets/labelSchemes.ts';
import { computeMetrics } from '../eval/metrics.ts';
import type { FittedModel } from '../learn/types.ts';
import { loadSavedModel } from '../learn/persist.ts';
import { isFittedModel } from '../learn/savedModel.ts';
import { getRecipe, type Recipe } from '../recipes/index.ts';
import { buildRecipe } from './tasks.ts';
import { createLocalExecutor, type Executor } from './pool.ts';
import { checkModelFile, decodeSavedModel, encodeSavedModel, MODEL_FORMAT, MODEL_JSON, type ModelFile, type ModelMeta } from './modelFormat.ts';
import { silentProgress, type ProgressSink } from '../core/progress.ts';

export { MODEL_FORMAT, MODEL_JSON, type ModelFile, type ModelMeta } from './modelFormat.ts';

/** Write a model folder; returns the json written. */
export async function writeModelFolder(dir: string, meta: ModelMeta, saved: SavedModel): Promise<ModelFile> {
  const { model, files } = encodeSavedModel(saved);
  for (const f of files) await writeFileAtomic(join(dir, f.file), f.bytes);
  const out: ModelFile = { format: MODEL_FORMAT, ...meta, createdWith: `merkit ${MERKIT_VERSION}`, createdAt: new Date().toISOString(), model };
  await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(out, null, 2) + '\n');
  return out;
}

/** Read a model folder: its metadata and the SavedModel tree with arrays loaded. */
export async function readModelFolder(dir: string): Promise<{ meta: ModelFile; saved: SavedModel }> {
  const path = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new MerError('NOT_FOUND', `no ${MODEL_JSON} in ${dir}`, { file: path, expected: 'a folder written by `merkit train --out`', cause: e });
  }
  let meta: ModelFile;
  try {
    meta = JSON.parse(text) as ModelFile;
  } catch (e) {
    throw new MerError('BAD_INPUT', 'model json is not valid JSON', { file: path, cause: e });
  }
  checkModelFile(meta, path);
  const read = async (file: string, array: string, kind: string): Promise<Uint8Array> => {
    try {
      return await readFile(join(dir, file));
    } catch (e) {
      throw new MerError('NOT_FOUND', `model array file missing`, { file: join(dir, file), expected: `the array '${array}' of '${kind}'`, cause: e });
    }
  };
  return { meta, saved: await decodeSavedModel(meta.model, read, (file) => join(dir, file)) };
}

/* ------------------------------------------------------- train and predict */
export interface TrainOptions {
  /** '<kind>:<path>' */
  dataset: string;
  /** label scheme; default 'original' */
  labels?: string;
  recipe: string;
  recipeParams?: Record<string, unknown>;
  /** output folder */
  out: string;
  /** seed of the fit's random stream; default 1 */
  seed?: number;
  /** worker threads for extraction; 1 = in-process (default) */
  workers?: number;
  executor?: Executor;
  progress?: ProgressSink;
}

export interface TrainResult {
  meta: ModelFile;
  /** clips that could not be used, and why */
  skipped: Problem[];
}

/** Name of the fit's random stream (the whole dataset is one "fold"). */
export const TRAIN_FOLD_NAME = 'all';

/**
 * Train a recipe on ALL clips of a dataset and write a model folder.
 * The training metrics are resubstitution (the model predicting its own
 * training clips) and are labelled so.
 */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const progress = opts.progress ?? silentProgress;
  const recipe = await buildRecipe(opts.recipe, opts.recipeParams ?? {});
  const ds = applyLabels(await openDataset(opts.dataset), getLabelScheme(opts.labels ?? 'original'));
  const skipped: Problem[] = [...ds.problems];
  const unreadable = ds.clips.filter((c) => !recipe.accepts.includes(c.source.kind));
  if (unreadable.length > 0) {
    throw new MerError('BAD_OPTION', `recipe '${recipe.name}' cannot read '${unreadable[0].source.kind}' clips`, { expected: `a dataset of ${recipe.accepts.join(' / ')} clips` });
  }
  const executor = opts.executor ?? createLocalExecutor(opts.workers ?? 1);
  const rows: { clip: LabelledClip; x: Float32Array }[] = [];
  try {
    progress.begin('features', ds.clips.length);
    const xs = await Promise.all(
      ds.clips.map(async (clip) => {
        try {
          const x = await executor.run({ type: 'extract', recipe: recipe.name, recipeParams: { ...recipe.params }, clip });
          if (!x.every(Number.isFinite)) throw new MerError('BAD_INPUT', 'features contain NaN or infinite values', { clip: clipKey(clip) });
          return x;
        } catch (e) {
          if (e instanceof MerError && e.code === 'INTERNAL') throw e;
          skipped.push(problemFromError(e, { clip: clipKey(clip) }));
          return undefined;
        } finally {
          progress.tick();
        }
      }),
    );
    progress.end();
    ds.clips.forEach((clip, i) => {
      const x = xs[i];
      if (x) rows.push({ clip, x });
    });
  } finally {
    if (!opts.executor) await executor.close();
  }
  if (rows.length === 0) throw new MerError('BAD_INPUT', `no usable clips in ${opts.dataset} (${skipped.length} problems)`, { expected: 'see `merkit inspect`' });
  const classes = [...ds.classes];
  const X = rows.map((r) => r.x);
  const y = rows.map((r) => r.clip.y);
  const learner = recipe.learner();
  progress.info(`fitting ${learner.name} on ${rows.length} clips`);
  const model = await learner.fit({
    X,
    y,
    ids: rows.map((r) => clipKey(r.clip)),
    subjects: rows.map((r) => subjectKey(r.clip)),
    classes,
    rng: new Rng(`${opts.seed ?? 1}/fold/${TRAIN_FOLD_NAME}`),
  });
  if (!model.save) {
    throw new MerError('UNSUPPORTED', `the learner '${learner.name}' of recipe '${recipe.name}' cannot be saved`, { expected: 'a recipe whose learner implements save()' });
  }
  const saved = await model.save();
  let pred: number[];
  try {
    pred = model.predict(X).map((p) => p.pred);
  } finally {
    model.dispose?.();
  }
  const m = computeMetrics(y, pred, classes);
  const perClass: Record<string, number> = {};
  for (const r of rows) perClass[r.clip.label] = (perClass[r.clip.label] ?? 0) + 1;
  const meta: ModelMeta = {
    recipe: recipe.name,
    recipeParams: { ...recipe.params },
    labels: ds.scheme,
    classes,
    trainedOn: { dataset: opts.dataset, clips: rows.length, subjects: new Set(rows.map((r) => subjectKey(r.clip))).size, perClass },
    preprocessing: { accepts: [...recipe.accepts], params: { ...recipe.params } },
    trainingMetrics: {
      kind: 'resubstitution',
      note: 'the model predicting its own training clips: optimistic, NOT an estimate of accuracy on new people (use `merkit evaluate`)',
      acc: m.acc,
      uf1: m.uf1,
      uar: m.uar,
      n: m.n,
    },
  };
  return { meta: await writeModelFolder(opts.out, meta, saved), skipped };
}

export interface LoadedModel {
  readonly meta: ModelFile;
  readonly recipe: Recipe;
  readonly model: FittedModel;
}

const holdsNetwork = (s: SavedModel): boolean => s.kind.startsWith('network:') || (s.children ?? []).some(holdsNetwork);

/**
 * The networks' saved-model loaders join learn/persist.ts's table here, by
 * this explicit call, and only for a model that holds a network: their
 * module brings tfjs, which a classical model never needs.
 */
async function addNetworkLoaders(): Promise<void> {
  const { registerNetworkLoaders } = await import('../nets/index.ts');
  registerNetworkLoaders();
}

/** Read a model folder and rebuild its recipe (same parameters) and fitted model. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const { meta, saved } = await readModelFolder(dir);
  const recipe = await getRecipe(meta.recipe, meta.recipeParams ?? {});
  if (holdsNetwork(saved)) await addNetworkLoaders();
  const model = await loadSavedModel(saved);
  if (!isFittedModel(model)) throw new MerError('BAD_INPUT', `the saved model '${saved.kind}' is a transform, not a classifier`, { file: join(dir, MODEL_JSON) });
  return { meta, recipe, model };
}

/** label, index, per-class display scores, and whether they are probabilities */
export type ClassPrediction = NamedScores;

/** Turn a Prediction into named scores (see learn/scores.ts). */
export function namedPrediction(classes: readonly string[], p: { pred: number; scores: readonly number[] }): ClassPrediction {
  return namedScores(classes, p.pred, p.scores);
}

/** Extract a clip with the model's recipe and classify it. */
export async function predictClip(m: LoadedModel, clip: ClipRef): Promise<ClassPrediction> {
  if (!m.recipe.accepts.includes(clip.source.kind)) {
    throw new MerError('BAD_INPUT', `recipe '${m.recipe.name}' cannot read a '${clip.source.kind}' input`, { expected: m.recipe.accepts.join(' / ') });
  }
  const x = await m.recipe.extract(clip);
  const [p] = m.model.predict([x]);
  return namedPrediction(m.meta.classes, p);
}
