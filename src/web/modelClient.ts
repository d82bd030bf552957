/**
 * Loading a model folder over HTTP (the page fetches /model/… from
 * `merkit serve`) into an IntervalClassifier. Browser-safe: uses `fetch`
 * only, and the one reader of the model-folder format (run/modelFormat.ts)
 * that the CLI's run/modelFolder.ts uses too.
 *
 * Recipes available in the browser: those whose features are the onset→apex
 * flow image (flow-svm). Other recipes load, but `classifierFromModel` says
 * plainly that they run in `merkit analyze` only.
 */
import { namedScores } from '../learn/scores.ts';
import { flowImagePlanar as flowImageToFeatures } from '../motion/flowImage.ts';
import { MerError } from '../core/errors.ts';
import type { Volume } from '../core/image.ts';
import type { FittedModel, SavedModel } from '../learn/types.ts';
import { loadSavedModel } from '../learn/persist.ts';
import { isFittedModel } from '../learn/savedModel.ts';
import { clipFlowImage } from '../stages/clipFlow.ts';
import type { IntervalClass } from '../run/analyze.ts';
import { checkModelFile, decodeSavedModel, MODEL_JSON, type ModelFile } from '../run/modelFormat.ts';

export interface ClassScores {
  /** predicted class */
  readonly label: string;
  /** one score per class name (probabilities when `probabilities`, else a softmax of the decision values for display) */
  readonly scores: Record<string, number>;
  readonly probabilities: boolean;
}

/** A model that classifies an interval from its flow image features (planar RGB in [0, 1]). */
export interface IntervalClassifier {
  readonly recipe: string;
  readonly labels: string;
  readonly classes: readonly string[];
  /** flow image side the model was trained on */
  readonly flowSize: number;
  /** side the recipe resizes frames to before the flow (its frameSize), when it declares one */
  readonly frameSize?: number;
  classify(features: Float32Array): ClassScores;
}

export { namedScores } from '../learn/scores.ts';
export { flowImagePlanar as flowImageToFeatures } from '../motion/flowImage.ts';

/**
 * The `classify` of run/analyze.ts's analyzeFrames for a browser classifier:
 * the interval's onset→apex flow image (stages/clipFlow.ts, as flow-svm's
 * extract computes it) → features → the model. The clip arrives aligned at
 * the analysis face size; flow-svm trains on 128² crops, the default there.
 */
export function intervalClassify(c: IntervalClassifier): (clip: Volume, apex: number) => Promise<IntervalClass> {
  return async (clip, apex) => {
    if (c.frameSize !== undefined && (clip.width !== c.frameSize || clip.height !== c.frameSize)) {
      throw new MerError('BAD_OPTION', `aligned faces of ${clip.width}×${clip.height} for a model trained on ${c.frameSize}² frames`, { expected: `analysis faceSize ${c.frameSize}` });
    }
    const { image } = clipFlowImage(clip, { onset: 0, apex, size: c.flowSize });
    const r = c.classify(flowImageToFeatures(image));
    return { label: r.label, scores: { ...r.scores }, probabilities: r.probabilities };
  };
}

export { decodeArray, MODEL_FORMAT, MODEL_JSON } from '../run/modelFormat.ts';
/** recipes whose `extract` is the flow image of (onset, apex) as planar floats: the page reproduces it exactly */
export const BROWSER_RECIPES = new Set(['flow-svm']);
const DEFAULT_FLOW_SIZE = 28;

/** merkit-model.json as the page reads it */
export type ModelJson = ModelFile;

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Fetch a model folder served at `base` (ending in '/'): its json and the SavedModel tree. */
export async function fetchModel(base: string, fetchFn: Fetch = fetch as unknown as Fetch): Promise<{ meta: ModelJson; saved: SavedModel }> {
  const url = base + MODEL_JSON;
  const res = await fetchFn(url);
  if (!res.ok) throw new MerError('NOT_FOUND', `model json not found (HTTP ${res.status})`, { file: url });
  const meta = checkModelFile((await res.json()) as ModelJson, url);
  const read = async (file: string): Promise<ArrayBuffer> => {
    const r = await fetchFn(base + file);
    if (!r.ok) throw new MerError('NOT_FOUND', `model array file missing (HTTP ${r.status})`, { file: base + file });
    return r.arrayBuffer();
  };
  return { meta, saved: await decodeSavedModel(meta.model, read, (file) => base + file) };
}

/** Build the classifier the page uses from a fetched model; throws UNSUPPORTED for recipes the page cannot reproduce. */
export async function classifierFromModel(meta: ModelJson, saved: SavedModel): Promise<IntervalClassifier> {
  if (!BROWSER_RECIPES.has(meta.recipe)) {
    throw new MerError('UNSUPPORTED', `the model's recipe '${meta.recipe}' runs in \`merkit analyze\` only; the page shows spotting without classes`, {
      expected: `a model of ${[...BROWSER_RECIPES].join(', ')}`,
    });
  }
  const m = await loadSavedModel(saved);
  if (!isFittedModel(m)) throw new MerError('BAD_INPUT', `saved model '${saved.kind}' is a transform, not a classifier`);
  const model: FittedModel = m;
  const flowSize = Number(meta.recipeParams?.flowSize ?? DEFAULT_FLOW_SIZE);
  const fs = Number(meta.recipeParams?.frameSize);
  const classes = meta.classes;
  return {
    recipe: meta.recipe,
    labels: meta.labels,
    classes,
    flowSize,
    ...(fs > 0 ? { frameSize: fs } : {}),
    classify(x: Float32Array) {
      if (x.length !== 3 * flowSize * flowSize) throw new MerError('BAD_INPUT', `features have ${x.length} values`, { expected: String(3 * flowSize * flowSize) });
      const [p] = model.predict([x]);
      return namedScores(classes, p.pred, p.scores);
    },
  };
}
