import { Rng } from '../../src/core/rng.ts';
import type { TrainingSet } from '../../src/learn/types.ts';

/** A TrainingSet from plain arrays; one subject per `perSubject` rows unless given. */
export function ts(X: number[][], y: number[], classes: number | string[], opts: { subjects?: string[]; seed?: number } = {}): TrainingSet {
  const cls = typeof classes === 'number' ? Array.from({ length: classes }, (_, i) => `c${i}`) : classes;
  return {
    X: X.map((r) => Float32Array.from(r)),
    y,
    ids: X.map((_, i) => `d/s/${i}`),
    subjects: opts.subjects ?? X.map((_, i) => `d/s${i % 4}`),
    classes: cls,
    rng: new Rng(opts.seed ?? 7),
  };
}

/** n Gaussian points per centre (2-D unless the centre is longer). */
export function blobs(centres: number[][], n: number, sd: number, seed = 1): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    centres.forEach((c, k) => {
      X.push(c.map((v) => rng.normal(v, sd)));
      y.push(k);
    });
  }
  return { X, y };
}

export const f32 = (rows: number[][]) => rows.map((r) => Float32Array.from(r));
