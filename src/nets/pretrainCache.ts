/**
 * Networks pre-trained once per run: work that uses no fold data (CK+
 * pre-training of TLCNN's frame CNN and of EMR's encoder) draws its seeds
 * from the run's shared stream (TrainingSet.sharedRng), so every fold of a
 * run would train the identical network; it is trained once per process and
 * its weights reused, keyed by everything it depends on.
 */
import type { WeightArrays } from './modelIo.ts';

export interface Pretrained {
  weights: WeightArrays;
  /** what was trained, in words (fold info) */
  summary: string;
  secondsPerEpoch: number;
}

/** runs whose pre-trained weights are kept (a worker runs the folds of one run, or of two in a test) */
const KEPT = 2;
const done = new Map<string, Pretrained>();

/** The pre-trained weights of `key`, computing them with `train` the first time (the result says whether they were reused). */
export async function pretrainOnce(key: string, train: () => Promise<Pretrained>): Promise<Pretrained & { reused: boolean }> {
  const hit = done.get(key);
  if (hit) return { ...hit, reused: true };
  const v = await train();
  done.set(key, v);
  while (done.size > KEPT) done.delete(done.keys().next().value as string);
  return { ...v, reused: false };
}

/** Forget every pre-trained network (tests: compare a reused one with a fresh one). */
export function clearPretrainCache(): void {
  done.clear();
}
