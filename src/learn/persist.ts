/**
 * Loading fitted models back from their SavedModel form (the inverse of
 * `FittedModel.save()` / `FittedTransform.save()`).
 *
 * A registry maps `SavedModel.kind` to a loader. The classical learners
 * (standardize/min-max affine maps, PCA, LDA, SVM, pipeline) register
 * themselves here; other modules (networks: 'network:<name>') call
 * `registerSavedModelLoader` when they are imported. Loading never fits
 * anything: it rebuilds exactly the predictor that was saved.
 */
import { MerError } from '../core/errors.ts';
import type { FittedModel, FittedTransform, SavedModel } from './types.ts';

export type SavedModelLoader = (saved: SavedModel) => FittedModel | FittedTransform | Promise<FittedModel | FittedTransform>;

const LOADERS = new Map<string, SavedModelLoader>();

/** Register the loader for one kind (a second registration of the same kind replaces the first). */
export function registerSavedModelLoader(kind: string, loader: SavedModelLoader): void {
  if (!kind) throw new MerError('INTERNAL', 'registerSavedModelLoader: empty kind');
  LOADERS.set(kind, loader);
}

export function savedModelKinds(): string[] {
  return [...LOADERS.keys()].sort();
}

let builtinsLoaded: Promise<void> | undefined;

/**
 * The built-in learners register their loaders on import; importing them
 * lazily here keeps persist.ts free of import cycles (they import this file).
 */
function loadBuiltins(): Promise<void> {
  builtinsLoaded ??= Promise.all([import('./standardize.ts'), import('./pca.ts'), import('./lda.ts'), import('./svm.ts'), import('./types.ts')]).then(() => undefined);
  return builtinsLoaded;
}

/** Rebuild a fitted model or transform from its SavedModel (see the module comment). */
export async function loadSavedModel(saved: SavedModel): Promise<FittedModel | FittedTransform> {
  if (!saved || typeof saved.kind !== 'string') {
    throw new MerError('BAD_INPUT', 'saved model has no kind', { expected: 'an object { kind, json, arrays?, children? }' });
  }
  await loadBuiltins();
  if (saved.kind.startsWith('network:') && !LOADERS.has(saved.kind)) {
    // networks register their loaders when src/nets is imported
    await import('../nets/index.ts' as string).catch(() => undefined);
  }
  const loader = LOADERS.get(saved.kind);
  if (!loader) {
    throw new MerError('UNSUPPORTED', `no loader for saved model kind '${saved.kind}'`, {
      expected: `one of ${savedModelKinds().join(', ') || '(none registered)'}`,
    });
  }
  return loader(saved);
}

/* ------------------------------------------------------------ small helpers */

/** A named array of a saved model, checked for presence, type and length. */
export function savedArray<T extends Float32Array | Float64Array | Int32Array>(
  saved: SavedModel,
  name: string,
  ctor: { new (n: number): T; readonly name: string },
  length?: number,
): T {
  const a = saved.arrays?.[name];
  if (!a) throw new MerError('BAD_INPUT', `saved model '${saved.kind}' lacks array '${name}'`);
  if (!(a instanceof ctor)) throw new MerError('BAD_INPUT', `saved model '${saved.kind}': array '${name}' is ${a.constructor.name}`, { expected: ctor.name });
  if (length !== undefined && a.length !== length) {
    throw new MerError('BAD_INPUT', `saved model '${saved.kind}': array '${name}' has ${a.length} values`, { expected: String(length) });
  }
  return a as T;
}

/** The saved model's json as an object (throws when it is not one). */
export function savedJson<T extends object>(saved: SavedModel): T {
  const j = saved.json;
  if (!j || typeof j !== 'object') throw new MerError('BAD_INPUT', `saved model '${saved.kind}' has no json state`);
  return j as T;
}

/** Whether a fitted step can be saved. */
export function canSave(m: FittedModel | FittedTransform): boolean {
  return typeof m.save === 'function';
}

export function isFittedModel(m: FittedModel | FittedTransform): m is FittedModel {
  return typeof (m as FittedModel).predict === 'function';
}

export function isFittedTransform(m: FittedModel | FittedTransform): m is FittedTransform {
  return typeof (m as FittedTransform).transform === 'function';
}
