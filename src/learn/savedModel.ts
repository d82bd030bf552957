/**
 * Small helpers for reading and classifying SavedModels (the data form of a
 * fitted step, src/learn/types.ts). Every learner's `load` uses them; they
 * import nothing but the error type, so the loaders table in ./persist.ts
 * can import the learners without an import circle.
 */
import { MerError } from '../core/errors.ts';
import type { FittedModel, FittedTransform, SavedModel } from './types.ts';

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
