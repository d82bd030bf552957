/**
 * A fitted transform that keeps values [from, from + length) of each row: a
 * recipe whose rows hold several inputs side by side (TLCNN: frame CNN rows,
 * then the sequence) hands each part to its own model. No state is fitted.
 * Saved as kind 'tlcnn-slice' (the name model folders already carry).
 */
import { MerError } from '../core/errors.ts';
import type { FittedTransform, SavedModel } from './types.ts';

export function sliceTransform(from: number, length: number): FittedTransform {
  return {
    transform: (X) =>
      X.map((r, i) => {
        if (r.length < from + length) throw new MerError('BAD_INPUT', `tlcnn input row ${i} has ${r.length} values`, { expected: `at least ${from + length}` });
        return r.subarray(from, from + length);
      }),
    save: (): SavedModel => ({ kind: 'tlcnn-slice', json: { from, length } }),
  };
}

/** Loader of kind 'tlcnn-slice'. */
export function loadSlice(s: SavedModel): FittedTransform {
  const j = s.json as { from?: unknown; length?: unknown };
  if (typeof j?.from !== 'number' || typeof j?.length !== 'number') throw new MerError('BAD_INPUT', 'saved tlcnn-slice lacks from/length');
  return sliceTransform(j.from, j.length);
}
