/**
 * Cached fold results: what makes a killed run resume. A fold's result is a
 * pure function of (recipe, its parameters, fold name, seed, classes, the
 * training rows — features, labels, ids, subjects — and the test features),
 * so the key hashes exactly those (and the audit settings of an audited run,
 * whose result also holds the audit's stored predictions); the value is the FoldResult as JSON
 * (predictions are class indices and float64 scores, which JSON round-trips
 * exactly, so a resumed run gives the same metrics bit for bit).
 *
 * Stored beside the feature arrays of the same content-addressed cache folder,
 * written atomically.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { CODE_VERSION, stableStringify } from './cache.ts';
import type { FoldResult, FoldTask } from './tasks.ts';

/** Stage name in the key; bump the suffix if FoldResult's meaning changes. */
const FOLD_STAGE = 'fold-result-1';

function hashRows(h: ReturnType<typeof createHash>, X: readonly Float32Array[]): void {
  h.update(`${X.length}\0`);
  for (const x of X) {
    h.update(`${x.length}\0`);
    h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  }
}

/** Content key of a fold task (hex sha256). */
export function foldKey(t: FoldTask): string {
  const h = createHash('sha256');
  h.update(CODE_VERSION);
  h.update('\0');
  h.update(FOLD_STAGE);
  h.update('\0');
  // an audited fold's result carries its stored test predictions: its key differs (unaudited keys are unchanged)
  h.update(stableStringify({ recipe: t.recipe, params: t.recipeParams, fold: t.foldName, seed: t.seed, classes: t.classes, ...(t.audit ? { audit: t.audit } : {}) }));
  h.update('\0');
  h.update(stableStringify({ y: t.trainY, ids: t.trainIds, subjects: t.trainSubjects, testSubjects: t.testSubjects }));
  hashRows(h, t.trainX);
  hashRows(h, t.testX);
  return h.digest('hex');
}

export class FoldCache {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.fold.json`);
  }

  /** The cached result, or undefined when absent or unreadable (then the fold is recomputed). */
  async get(key: string): Promise<FoldResult | undefined> {
    try {
      const v = JSON.parse(await readFile(this.path(key), 'utf8')) as FoldResult;
      return Array.isArray(v?.predictions) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, r: FoldResult): Promise<void> {
    await writeFileAtomic(this.path(key), JSON.stringify(r));
  }
}
