/**
 * Loading fitted models back from their SavedModel form (the inverse of
 * `FittedModel.save()` / `FittedTransform.save()`).
 *
 * One static table maps `SavedModel.kind` to its loader: every learner in
 * learn/ exports its `load`, and the table lists them, so what loads never
 * depends on what happened to be imported. Kinds that live above learn/ —
 * the networks ('network:<name>', src/nets/index.ts `networkLoaders`) or a
 * plug-in's — are added by an explicit `registerSavedModelLoader` call: the
 * model-folder code (src/run/modelFolder.ts) makes it for the networks.
 * Loading never fits anything: it rebuilds exactly the predictor that was saved.
 */
import { MerError } from '../core/errors.ts';
import type { FittedModel, FittedTransform, SavedModel } from './types.ts';
import { loadLda, loadLdaTransform } from './lda.ts';
import { loadPca } from './pca.ts';
import { loadPipeline } from './pipeline.ts';
import { loadSlice } from './slice.ts';
import { loadAffine, loadL2Normalize } from './standardize.ts';
import { loadSvm } from './svm.ts';

export type SavedModelLoader = (saved: SavedModel) => FittedModel | FittedTransform | Promise<FittedModel | FittedTransform>;

/** The learners of learn/, by the kind their `save()` writes. */
const BUILTIN: Readonly<Record<string, SavedModelLoader>> = {
  affine: loadAffine,
  l2normalize: loadL2Normalize,
  pca: loadPca,
  'lda-transform': loadLdaTransform,
  lda: loadLda,
  svm: loadSvm,
  pipeline: (saved) => loadPipeline(saved, loadSavedModel),
  'tlcnn-slice': loadSlice,
};

/** kinds added from above learn/ (networks, plug-ins, tests) */
const ADDED = new Map<string, SavedModelLoader>();

/** Add the loader of a kind the table does not hold (a second call for the same kind replaces the first). */
export function registerSavedModelLoader(kind: string, loader: SavedModelLoader): void {
  if (!kind) throw new MerError('INTERNAL', 'registerSavedModelLoader: empty kind');
  if (Object.hasOwn(BUILTIN, kind)) throw new MerError('INTERNAL', `registerSavedModelLoader: '${kind}' is a built-in kind`);
  ADDED.set(kind, loader);
}

export function savedModelKinds(): string[] {
  return [...Object.keys(BUILTIN), ...ADDED.keys()].sort();
}

/** Rebuild a fitted model or transform from its SavedModel (see the module comment). */
export async function loadSavedModel(saved: SavedModel): Promise<FittedModel | FittedTransform> {
  if (!saved || typeof saved.kind !== 'string') {
    throw new MerError('BAD_INPUT', 'saved model has no kind', { expected: 'an object { kind, json, arrays?, children? }' });
  }
  const loader = Object.hasOwn(BUILTIN, saved.kind) ? BUILTIN[saved.kind] : ADDED.get(saved.kind);
  if (!loader) {
    throw new MerError('UNSUPPORTED', `no loader for saved model kind '${saved.kind}'`, {
      expected: `one of ${savedModelKinds().join(', ')}`,
    });
  }
  return loader(saved);
}
