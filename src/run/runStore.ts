/**
 * Runs that outlive a sitting: each finished fold of an experiment is a small
 * JSON file in a run folder, meant to be committed to the repository
 * (`bench/runs/<recipe>/<run-id>/`), so a paper-length run can be continued
 * on any machine and anyone can recompute its metrics without training.
 *
 *   run.json        the manifest: recipe, its parameters, seed, dataset,
 *                   labels, protocol, classes, the folds, and two
 *                   fingerprints (fingerprint.ts): the dataset's content and
 *                   the training behaviour of the code
 *   <fold>.json     one per finished fold: every test clip's label,
 *                   prediction and scores, the epochs it trained, seconds
 *
 * A run folder is continued only by a run with the same manifest: the same
 * parameters, seed, labels, protocol, dataset content and behavioural
 * fingerprint. Anything else is refused with a message naming what differs,
 * so folds of different code or settings never mix. The fingerprint is
 * behavioural (the scores after a few training steps), so a refactor that
 * leaves training bit-identical keeps a run valid, and any change that moves
 * a number — in the code or in the data — invalidates it.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { MerError } from '../core/errors.ts';
import { naturalCompare } from '../datasets/common.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { MERKIT_VERSION } from '../version.ts';
import { stableStringify } from '../io/cache.ts';
import type { FoldResult } from './tasks.ts';
import type { FoldAudit } from './audit.ts';
import type { AuditSpec } from '../eval/audit.ts';

export const RUN_MANIFEST = 'run.json';
export const RUN_FORMAT = 'merkit-run/1';
export const FOLD_FORMAT = 'merkit-fold/1';

/** One test clip of a fold, with what the fold predicted for it. */
export interface StoredPrediction {
  dataset: string;
  subject: string;
  clip: string;
  /** true class name */
  label: string;
  /** predicted class name */
  pred: string;
  /** one score per class, in the manifest's `classes` order */
  scores: number[];
}

export interface FoldManifestEntry {
  name: string;
  nTrain: number;
  /** clip keys (dataset/subject/clip) of the fold's test clips, in order */
  test: string[];
}

export interface RunManifest {
  format: typeof RUN_FORMAT;
  recipe: string;
  /** the recipe's parameters (absolute paths written relative to the repository root) */
  params: Record<string, unknown>;
  seed: number;
  /** the dataset spec as given (informative: the content is what `dataHash` pins) */
  dataset: string;
  labels: string;
  protocol: string;
  classes: string[];
  folds: FoldManifestEntry[];
  /** sha256 of the clips' ids, labels and feature rows */
  dataHash: string;
  /** sha256 of the scores after a few training steps at these parameters (fingerprint.ts) */
  behaviourHash: string;
  /** what the behavioural fingerprint ran (shortened epochs etc.), for the record */
  behaviourProbe: string;
  /** `--audit-selection` of the run (its folds store per-epoch test predictions); absent when not audited */
  audit?: AuditSpec;
  merkitVersion: string;
  created: string;
}

export interface StoredFold {
  format: typeof FOLD_FORMAT;
  fold: string;
  seed: number;
  /** wall seconds of fitting and predicting */
  seconds: number;
  /** what the learner reported (epochs trained, best epoch, …) */
  info?: Record<string, unknown>;
  predictions: StoredPrediction[];
  /** audited runs: the stored epochs and, per epoch, every test clip's predicted class index */
  audit?: FoldAudit;
  finishedAt: string;
}

/** A fold name as a file name: 'casme2/sub01' → 'casme2_sub01.json'. */
export function foldFileName(fold: string): string {
  return `${fold.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

/**
 * Parameters as they go into run.json: absolute paths become relative to
 * `root` (the repository), so the same run compares equal on every machine.
 */
export function portableParams(params: Readonly<Record<string, unknown>>, root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'string' && isAbsolute(v) ? relative(root, v) || '.' : v;
  return out;
}

/** The fields of two manifests that must agree for a run to continue, and how they differ. */
export function manifestDifferences(have: RunManifest, want: RunManifest): string[] {
  const diffs: string[] = [];
  const cmp = (what: string, a: unknown, b: unknown) => {
    const sa = stableStringify(a);
    const sb = stableStringify(b);
    if (sa !== sb) diffs.push(`${what}: the run folder has ${sa}, this run has ${sb}`);
  };
  cmp('recipe', have.recipe, want.recipe);
  for (const k of [...new Set([...Object.keys(have.params), ...Object.keys(want.params)])].sort()) cmp(`parameter ${k}`, have.params[k], want.params[k]);
  cmp('seed', have.seed, want.seed);
  cmp('labels', have.labels, want.labels);
  cmp('protocol', have.protocol, want.protocol);
  cmp('classes', have.classes, want.classes);
  cmp('audit (--audit-selection)', have.audit ?? null, want.audit ?? null);
  if (have.dataHash !== want.dataHash) diffs.push(`dataset content: the run folder was made on data ${have.dataHash.slice(0, 12)}, this dataset is ${want.dataHash.slice(0, 12)} (other clips, labels or features)`);
  else cmp('folds', have.folds, want.folds);
  if (have.behaviourHash !== want.behaviourHash) {
    diffs.push(`training behaviour: the code that made the run folder gave fingerprint ${have.behaviourHash.slice(0, 12)}, this code gives ${want.behaviourHash.slice(0, 12)} (a change to the code or its dependencies moves the numbers)`);
  }
  return diffs;
}

export class RunStore {
  private constructor(
    readonly dir: string,
    readonly manifest: RunManifest,
  ) {}

  /**
   * Open `dir` for the run described by `manifest`: create it (writing
   * run.json) when absent; otherwise check that its run.json describes the
   * same run, and refuse with every difference named when it does not.
   */
  static async open(dir: string, manifest: RunManifest): Promise<RunStore> {
    const path = join(dir, RUN_MANIFEST);
    if (existsSync(path)) {
      const have = await readManifest(dir);
      const diffs = manifestDifferences(have, manifest);
      if (diffs.length > 0) {
        throw new MerError('BAD_OPTION', `run folder ${dir} belongs to another run; its folds cannot be continued by this one:\n  - ${diffs.join('\n  - ')}`, {
          file: path,
          expected: 'the same recipe parameters, seed, data and code, or a new run folder (another --run-id)',
        });
      }
      return new RunStore(dir, have);
    }
    await writeFileAtomic(path, `${JSON.stringify(manifest, null, 1)}\n`);
    return new RunStore(dir, manifest);
  }

  /** The stored result of fold `index`, or undefined when it has not finished. Refuses a file that names other test clips. */
  async get(index: number): Promise<FoldResult | undefined> {
    const entry = this.manifest.folds[index];
    const file = join(this.dir, foldFileName(entry.name));
    if (!existsSync(file)) return undefined;
    const f = await readFoldFile(file);
    const keys = f.predictions.map((p) => `${p.dataset}/${p.subject}/${p.clip}`);
    if (f.fold !== entry.name || stableStringify(keys) !== stableStringify(entry.test)) {
      throw new MerError('BAD_INPUT', `fold file ${file} does not hold the test clips of fold ${entry.name}`, { file, expected: `${entry.test.length} predictions for ${entry.test.slice(0, 2).join(', ')}…` });
    }
    const cls = this.manifest.classes;
    return {
      foldName: f.fold,
      predictions: f.predictions.map((p) => ({ pred: cls.indexOf(p.pred), scores: p.scores })),
      ...(f.info !== undefined ? { info: f.info } : {}),
      ...(f.audit !== undefined ? { audit: f.audit } : {}),
      seconds: f.seconds,
    };
  }

  /** Write fold `index`'s result (atomically) with its test clips' identities and labels. */
  async put(index: number, r: FoldResult, labels: readonly number[]): Promise<void> {
    const entry = this.manifest.folds[index];
    const cls = this.manifest.classes;
    if (r.predictions.length !== entry.test.length) throw new MerError('INTERNAL', `fold ${entry.name}: ${r.predictions.length} predictions for ${entry.test.length} test clips`);
    const stored: StoredFold = {
      format: FOLD_FORMAT,
      fold: entry.name,
      seed: this.manifest.seed,
      seconds: r.seconds,
      ...(r.info !== undefined ? { info: jsonSafe(r.info) } : {}),
      predictions: r.predictions.map((p, j) => {
        const [dataset, subject, ...rest] = entry.test[j].split('/');
        return { dataset, subject, clip: rest.join('/'), label: cls[labels[j]], pred: cls[p.pred], scores: Array.from(p.scores) };
      }),
      ...(r.audit !== undefined ? { audit: r.audit } : {}),
      finishedAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(this.dir, foldFileName(entry.name)), `${JSON.stringify(stored)}\n`);
  }
}

function jsonSafe(info: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(info)) as Record<string, unknown>;
}

export async function readManifest(dir: string): Promise<RunManifest> {
  const path = join(dir, RUN_MANIFEST);
  let m: RunManifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as RunManifest;
  } catch (e) {
    throw new MerError('BAD_INPUT', `cannot read the run manifest: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { file: path, expected: `a ${RUN_FORMAT} run.json (written by bench:cde-dev --resume or merkit evaluate --run-dir)` });
  }
  if (m?.format !== RUN_FORMAT || !Array.isArray(m.folds) || !Array.isArray(m.classes)) {
    throw new MerError('BAD_INPUT', `not a merkit run manifest (format ${JSON.stringify(m?.format)})`, { file: path, expected: `format ${RUN_FORMAT}` });
  }
  return m;
}

async function readFoldFile(file: string): Promise<StoredFold> {
  let f: StoredFold;
  try {
    f = JSON.parse(await readFile(file, 'utf8')) as StoredFold;
  } catch (e) {
    throw new MerError('BAD_INPUT', `cannot read fold file: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { file });
  }
  if (f?.format !== FOLD_FORMAT || !Array.isArray(f.predictions)) throw new MerError('BAD_INPUT', `not a merkit fold file (format ${JSON.stringify(f?.format)})`, { file, expected: `format ${FOLD_FORMAT}` });
  return f;
}

/** A run folder as stored: the manifest and the folds that have finished (in manifest order). */
export interface StoredRun {
  dir: string;
  manifest: RunManifest;
  folds: StoredFold[];
}

export async function readRun(dir: string): Promise<StoredRun> {
  const manifest = await readManifest(dir);
  const present = new Set(existsSync(dir) ? await readdir(dir) : []);
  const folds: StoredFold[] = [];
  for (const f of manifest.folds) {
    const name = foldFileName(f.name);
    if (present.has(name)) folds.push(await readFoldFile(join(dir, name)));
  }
  return { dir, manifest, folds };
}

/** Every run folder (a folder holding run.json) under `root`, two levels down (<recipe>/<run-id>), in natural order (s9 before s10). */
export async function listRuns(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const subfolders = async (dir: string) => (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort(naturalCompare);
  for (const recipe of await subfolders(root)) {
    for (const run of await subfolders(join(root, recipe))) {
      if (existsSync(join(root, recipe, run, RUN_MANIFEST))) out.push(join(root, recipe, run));
    }
  }
  return out;
}

