/**
 * Model folders (`merkit train --out model/`, read by `predict` / `analyze`).
 *
 * Layout:
 *   merkit-model.json   { format: 'merkit-model/1', recipe, recipeParams,
 *                         labels, classes, trainedOn, preprocessing,
 *                         trainingMetrics, createdWith, model }
 *   arrays/<n>.bin      one file per numeric array of the SavedModel tree:
 *                       raw little-endian values; dtype and shape are in the
 *                       json node that references the file.
 * `model` is the SavedModel tree with every array replaced by
 * { file, dtype, shape }. Files are written atomically, arrays first and the
 * json last, so a folder with a json is complete.
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
import { isFittedModel, loadSavedModel } from '../learn/persist.ts';
import { getRecipe, type Recipe } from '../recipes/index.ts';
import { createLocalExecutor, type Executor } from './pool.ts';
import { silentProgress, type ProgressSink } from './progress.ts';

export const MODEL_FORMAT = 'merkit-model/1';
export const MODEL_JSON = 'merkit-model.json';

type Dtype = 'float32' | 'float64' | 'int32';

export interface ArrayRef {
  readonly file: string;
  readonly dtype: Dtype;
  readonly shape: number[];
}

export interface SavedModelJson {
  readonly kind: string;
  readonly json: unknown;
  readonly arrays?: Record<string, ArrayRef>;
  readonly children?: SavedModelJson[];
}

export interface ModelMeta {
  readonly recipe: string;
  readonly recipeParams: Record<string, unknown>;
  /** label scheme name, e.g. 'megc3' */
  readonly labels: string;
  readonly classes: readonly string[];
  readonly trainedOn: { dataset: string; clips: number; subjects: number; perClass?: Record<string, number> };
  /** what the input must go through before `extract` (face crop size, frame size, …) */
  readonly preprocessing: Record<string, unknown>;
  /** metrics on the TRAINING set itself (resubstitution): an optimistic sanity check, not an estimate */
  readonly trainingMetrics: { kind: 'resubstitution'; note: string; [k: string]: unknown };
}

export interface ModelFile extends ModelMeta {
  readonly format: string;
  readonly createdWith: string;
  readonly createdAt?: string;
  readonly model: SavedModelJson;
}

function dtypeOf(a: Float32Array | Float64Array | Int32Array): Dtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Little-endian bytes of a typed array (copies on a big-endian host). */
export function toLittleEndian(a: Float32Array | Float64Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let b = 0; b < w; b++) out[i + b] = bytes[i + w - 1 - b];
  return out;
}

export function fromLittleEndian(buf: Uint8Array, dtype: Dtype, file: string): Float32Array | Float64Array | Int32Array {
  const w = dtype === 'float64' ? 8 : 4;
  if (buf.length % w !== 0) throw new MerError('BAD_INPUT', `array file has ${buf.length} bytes`, { file, expected: `a multiple of ${w} (${dtype})` });
  const copy = new Uint8Array(buf.length);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (little) copy.set(buf);
  else for (let i = 0; i < buf.length; i += w) for (let b = 0; b < w; b++) copy[i + b] = buf[i + w - 1 - b];
  return dtype === 'float32' ? new Float32Array(copy.buffer) : dtype === 'float64' ? new Float64Array(copy.buffer) : new Int32Array(copy.buffer);
}

/** Write a model folder; returns the json written. */
export async function writeModelFolder(dir: string, meta: ModelMeta, saved: SavedModel): Promise<ModelFile> {
  let counter = 0;
  const walk = async (node: SavedModel): Promise<SavedModelJson> => {
    let arrays: Record<string, ArrayRef> | undefined;
    if (node.arrays) {
      arrays = {};
      for (const [name, a] of Object.entries(node.arrays)) {
        const file = `arrays/${String(counter++).padStart(3, '0')}-${node.kind.replace(/[^a-zA-Z0-9_-]/g, '_')}-${name.replace(/[^a-zA-Z0-9_-]/g, '_')}.bin`;
        await writeFileAtomic(join(dir, file), toLittleEndian(a));
        arrays[name] = { file, dtype: dtypeOf(a), shape: [a.length] };
      }
    }
    const children = node.children ? await Promise.all(node.children.map(walk)) : undefined;
    return { kind: node.kind, json: node.json ?? null, ...(arrays ? { arrays } : {}), ...(children ? { children } : {}) };
  };
  const model = await walk(saved);
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
  if (meta.format !== MODEL_FORMAT) {
    throw new MerError('UNSUPPORTED', `model format '${String(meta.format)}'`, { file: path, expected: MODEL_FORMAT });
  }
  if (!meta.model || !Array.isArray(meta.classes)) throw new MerError('BAD_INPUT', 'model json lacks model/classes', { file: path });
  const walk = async (node: SavedModelJson): Promise<SavedModel> => {
    let arrays: Record<string, Float32Array | Float64Array | Int32Array> | undefined;
    if (node.arrays) {
      arrays = {};
      for (const [name, ref] of Object.entries(node.arrays)) {
        const f = join(dir, ref.file);
        let buf: Uint8Array;
        try {
          buf = await readFile(f);
        } catch (e) {
          throw new MerError('NOT_FOUND', `model array file missing`, { file: f, expected: `the array '${name}' of '${node.kind}'`, cause: e });
        }
        const a = fromLittleEndian(buf, ref.dtype, f);
        const n = ref.shape.reduce((p, q) => p * q, 1);
        if (a.length !== n) throw new MerError('BAD_INPUT', `array has ${a.length} values`, { file: f, expected: `shape [${ref.shape.join(', ')}] = ${n}` });
        arrays[name] = a;
      }
    }
    const children = node.children ? await Promise.all(node.children.map(walk)) : undefined;
    return { kind: node.kind, json: node.json, ...(arrays ? { arrays } : {}), ...(children ? { children } : {}) };
  };
  return { meta, saved: await walk(meta.model) };
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
  const recipe = await getRecipe(opts.recipe, opts.recipeParams ?? {});
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

/** Read a model folder and rebuild its recipe (same parameters) and fitted model. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const { meta, saved } = await readModelFolder(dir);
  const recipe = await getRecipe(meta.recipe, meta.recipeParams ?? {});
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
