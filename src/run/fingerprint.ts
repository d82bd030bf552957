/**
 * Fingerprints of a run (runStore.ts): what has to stay the same for folds
 * computed in different sittings, on different machines, to belong to one run.
 *
 * - `dataFingerprint`: the dataset's content as the learner sees it: every
 *   clip's key, class and feature row, the classes and the folds.
 * - `behaviourFingerprint`: what the code does with it. The recipe, at the
 *   run's parameters but with every epoch count cut to BEHAVIOUR_EPOCHS, is
 *   fitted on a fixed handful of the run's training rows and predicts a few
 *   others; the hash of those scores is the fingerprint. It is behavioural,
 *   not textual: refactors that leave training bit-identical keep it, any
 *   change of initialisation, kernels, optimiser, loss or data handling
 *   changes it. It costs a few training steps.
 */
import { createHash } from 'node:crypto';
import type { Fold } from '../eval/types.ts';
import { getRecipe } from '../recipes/index.ts';
import { foldRng, sharedRunRng } from './tasks.ts';

/** Rows the behavioural probe trains on (spread over the dataset) and rows it predicts. */
export const BEHAVIOUR_TRAIN_ROWS = 24;
export const BEHAVIOUR_TEST_ROWS = 8;
/** Every `…epochs`/`…Epochs` parameter above this is cut to it for the probe: a few steps, the same code path. */
export const BEHAVIOUR_EPOCHS = 1;

export interface FingerprintRow {
  /** clip key dataset/subject/clip */
  key: string;
  subject: string;
  y: number;
  x: Float32Array;
}

function bytes(x: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

export function dataFingerprint(rows: readonly FingerprintRow[], classes: readonly string[], folds: readonly Fold[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(classes));
  for (const r of rows) {
    h.update(`\0${r.key}\0${r.y}\0${r.x.length}\0`);
    h.update(bytes(r.x));
  }
  for (const f of folds) h.update(`\0${f.name}:${f.train.join(',')}|${f.test.join(',')}`);
  return h.digest('hex');
}

/** The recipe parameters the probe runs at: epoch counts cut to BEHAVIOUR_EPOCHS, everything else as given. */
export function probeParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(params)) if (/epochs$/i.test(k) && typeof v === 'number' && v > BEHAVIOUR_EPOCHS) out[k] = BEHAVIOUR_EPOCHS;
  return out;
}

/** Evenly spread indices 0…n−1 (k of them, or all when n ≤ k). */
function spread(n: number, k: number, offset = 0): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => (Math.floor(((i + 0.5) * n) / k) + offset) % n);
}

export interface BehaviourFingerprint {
  hash: string;
  /** what the probe ran, in words (stored in run.json) */
  probe: string;
}

/**
 * Fit the recipe (epochs cut) on BEHAVIOUR_TRAIN_ROWS spread rows and hash its
 * scores on BEHAVIOUR_TEST_ROWS others. Deterministic: the same code, data,
 * parameters and seed give the same hash, bit for bit.
 */
export async function behaviourFingerprint(recipeName: string, params: Readonly<Record<string, unknown>>, rows: readonly FingerprintRow[], classes: readonly string[], seed: number): Promise<BehaviourFingerprint> {
  const p = probeParams(params);
  const recipe = await getRecipe(recipeName, p);
  const trainIdx = spread(rows.length, BEHAVIOUR_TRAIN_ROWS);
  const taken = new Set(trainIdx);
  const testIdx = spread(rows.length, BEHAVIOUR_TEST_ROWS, 1).filter((i) => !taken.has(i));
  const tr = trainIdx.map((i) => rows[i]);
  const model = await recipe.learner().fit({
    X: tr.map((r) => r.x),
    y: tr.map((r) => r.y),
    ids: tr.map((r) => r.key),
    subjects: tr.map((r) => r.subject),
    classes,
    rng: foldRng(seed, 'behaviour-fingerprint'),
    sharedRng: sharedRunRng(seed),
  });
  const h = createHash('sha256');
  try {
    for (const pr of model.predict(testIdx.map((i) => rows[i].x))) {
      h.update(`${pr.pred}\0`);
      h.update(bytes(Float64Array.from(pr.scores)));
    }
  } finally {
    model.dispose?.();
  }
  const cut = Object.keys(p).filter((k) => p[k] !== params[k]);
  return {
    hash: h.digest('hex'),
    probe: `fit on ${tr.length} spread rows, scores of ${testIdx.length} others${cut.length ? `, ${cut.join(', ')} cut to ${BEHAVIOUR_EPOCHS}` : ''}`,
  };
}
