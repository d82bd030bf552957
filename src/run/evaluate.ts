/**
 * The evaluation runner: dataset → labels → per-clip features (cached,
 * parallel) → protocol folds → per-fold fit on TRAINING rows only → pooled
 * predictions → metrics → results (+ report files).
 *
 * No leakage by construction: the only data a learner ever receives is the
 * fold's training rows (FoldTask.trainX/…); extraction is label-free and
 * per-clip; `checkFolds` asserts train/test disjointness (and subject
 * disjointness where the protocol promises it) on every run.
 */
import type { LabelledClip, LabelledDataset } from '../core/clip.ts';
import { clipKey, subjectKey } from '../core/clip.ts';
import { MerError, problemFromError, type Problem } from '../core/errors.ts';
import { openDataset } from '../datasets/index.ts';
import { applyLabels, getLabelScheme } from '../datasets/labelSchemes.ts';
import { checkFolds, makeFolds, parseProtocol } from '../eval/protocols.ts';
import type { Fold } from '../eval/types.ts';
import { getRecipe } from '../recipes/index.ts';
import type { AuditSpec } from '../eval/audit.ts';
import { ArrayCache, cacheKey, defaultCacheDir } from './cache.ts';
import { clipContentHash } from './clipHash.ts';
import { createLocalExecutor, type Executor } from './pool.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import type { FoldResult, FoldTask } from './tasks.ts';
import { FoldCache } from './foldCache.ts';
import { loadPlugins } from './plugins.ts';
import { runFoldsResumable } from './runFolds.ts';
import { assembleResults, type Results } from './results.ts';
import { RunStore, portableParams, RUN_FORMAT, type RunManifest } from './runStore.ts';
import { behaviourFingerprint, dataFingerprint, type FingerprintRow } from './fingerprint.ts';
import { MERKIT_VERSION } from '../version.ts';

export interface EvaluateOptions {
  /** '<kind>:<path>' */
  dataset: string;
  /** for the cross-dataset protocol: '<kind>:<path>' of the test database */
  testDataset?: string;
  /** label scheme name; default 'original' (the database's own emotions) */
  labels?: string;
  recipe: string;
  recipeParams?: Record<string, unknown>;
  /** protocol spec ('loso', 'kfold:5', 'cde', 'cross', 'holdout'); default: the recipe's */
  protocol?: string;
  seed?: number;
  /** worker threads; 1 = in-process */
  workers?: number;
  /** cache folder, or false to disable */
  cache?: string | false;
  progress?: ProgressSink;
  /** an executor to use instead of a fresh local pool (closed by the caller) */
  executor?: Executor;
  /**
   * A run folder (runStore.ts): every finished fold is written there as it
   * finishes, and folds already there are read back instead of trained, after
   * checking that the folder belongs to this very run (parameters, seed, data,
   * behavioural fingerprint of the code).
   */
  runDir?: string;
  /** absolute paths among the recipe parameters are stored relative to this folder in run.json (default: the working directory) */
  runRoot?: string;
  /** `--audit-selection [--audit-every K]`: store test predictions during training (eval/audit.ts) */
  audit?: AuditSpec;
}

export const DEFAULT_SEED = 1;

async function labelled(spec: string, labels: string | undefined): Promise<LabelledDataset> {
  const ds = await openDataset(spec);
  return applyLabels(ds, getLabelScheme(labels ?? 'original'));
}

interface Row {
  clip: LabelledClip;
  x: Float32Array;
  /** from the test database (cross protocol) */
  isTest: boolean;
}

export async function evaluate(opts: EvaluateOptions): Promise<Results> {
  const t0 = performance.now();
  const progress = opts.progress ?? silentProgress;
  const seed = opts.seed ?? DEFAULT_SEED;
  await loadPlugins();
  const recipe = await getRecipe(opts.recipe, opts.recipeParams ?? {});
  const protocol = parseProtocol(opts.protocol ?? recipe.defaultProtocol);
  const isCross = protocol.kind === 'cross';
  if (opts.audit && !recipe.auditable) {
    throw new MerError('BAD_OPTION', `recipe '${recipe.name}' does not train in epochs: --audit-selection has nothing to audit`, { expected: 'a network recipe: ststnet, off-apexnet, dual-inception, fr, emr or tlcnn' });
  }
  const audit: AuditSpec | undefined = opts.audit && (opts.audit.every !== undefined ? { every: opts.audit.every } : {});
  if (isCross && !opts.testDataset) {
    throw new MerError('BAD_OPTION', 'the cross protocol needs --test-dataset <kind>:<path>');
  }
  if (!isCross && opts.testDataset) {
    throw new MerError('BAD_OPTION', `--test-dataset is only used by the cross protocol (got --protocol ${protocol.kind})`);
  }

  const train = await labelled(opts.dataset, opts.labels);
  const test = isCross ? await labelled(opts.testDataset as string, opts.labels) : undefined;
  if (test && test.classes.join() !== train.classes.join()) {
    throw new MerError('BAD_OPTION', `training and test datasets have different classes (${train.classes.join('/')} vs ${test.classes.join('/')})`, {
      expected: 'a common --labels scheme such as megc3',
    });
  }
  const classes = [...train.classes];
  const skipped: Problem[] = [...train.problems, ...(test?.problems ?? [])];

  // Clips the recipe cannot read at all are an option error, not a per-clip problem.
  const allClips = [...train.clips, ...(test?.clips ?? [])];
  const unreadable = allClips.filter((c) => !recipe.accepts.includes(c.source.kind));
  if (unreadable.length > 0) {
    throw new MerError('BAD_OPTION', `recipe '${recipe.name}' cannot read '${unreadable[0].source.kind}' clips (${unreadable.length} of ${allClips.length})`, {
      expected: `a dataset of ${recipe.accepts.join(' / ')} clips`,
    });
  }
  const keys = new Set<string>();
  for (const c of allClips) {
    const k = clipKey(c);
    if (keys.has(k)) throw new MerError('DUPLICATE', `clip id ${k} appears twice`, { clip: k });
    keys.add(k);
  }

  const executor = opts.executor ?? createLocalExecutor(opts.workers);
  const cache = opts.cache === false ? undefined : new ArrayCache(opts.cache ?? defaultCacheDir());
  try {
    // 1. Per-clip features (label-free, cached by content).
    const tExtract = performance.now();
    progress.begin('features', allClips.length);
    const features = await Promise.all(
      allClips.map(async (clip) => {
        try {
          let key: string | undefined;
          if (cache) {
            key = cacheKey(`extract:${recipe.name}`, recipe.extractParams ?? recipe.params, await clipContentHash(clip));
            const hit = await cache.get(key);
            if (hit) return hit;
          }
          const x = await executor.run({ type: 'extract', recipe: recipe.name, recipeParams: { ...recipe.params }, clip });
          if (!x.every(Number.isFinite)) throw new MerError('BAD_INPUT', 'features contain NaN or infinite values', { clip: clipKey(clip) });
          if (cache && key) await cache.put(key, x);
          return x;
        } catch (e) {
          if (e instanceof MerError && e.code === 'INTERNAL') throw e;
          if (!(e instanceof MerError)) {
            skipped.push({ kind: 'error', message: `unexpected failure: ${e instanceof Error ? e.message : String(e)}`, clip: clipKey(clip) });
            return undefined;
          }
          skipped.push(problemFromError(e, { clip: clipKey(clip) }));
          return undefined;
        } finally {
          progress.tick();
        }
      }),
    );
    progress.end();
    const extractSeconds = (performance.now() - tExtract) / 1000;

    const rows: Row[] = [];
    allClips.forEach((clip, i) => {
      const x = features[i];
      if (x) rows.push({ clip, x, isTest: i >= train.clips.length });
    });
    const dims = new Set(rows.map((r) => r.x.length));
    if (dims.size > 1) {
      const byKind = new Map<string, Set<number>>();
      for (const r of rows) byKind.set(r.clip.source.kind, (byKind.get(r.clip.source.kind) ?? new Set()).add(r.x.length));
      const kinds = [...byKind].map(([k, ls]) => `${k} clips ${[...ls].join('/')}`).join(', ');
      throw new MerError('BAD_INPUT', `clips gave feature vectors of different lengths (${kinds})`, {
        expected: byKind.size > 1 ? `one input size for every kind of clip: set the recipe's size parameters so they agree (e.g. emr: frameFlowSize = the flow images' side, 28)` : 'clips of one size',
      });
    }
    const trainRows = rows.filter((r) => !r.isTest);
    const testRows = rows.filter((r) => r.isTest);
    if (trainRows.length === 0) {
      const first = skipped.slice(0, 3).map((p) => `${p.clip ?? p.file ?? ''}: ${p.message}`).join('; ');
      throw new MerError('BAD_INPUT', `no usable clips left in ${opts.dataset} (${skipped.length} problems${first ? `, e.g. ${first}` : ''})`, {
        expected: 'see `merkit inspect` for every problem',
      });
    }

    // 2. Folds.
    const items = rows.map((r) => r.clip);
    const folds: Fold[] = makeFolds(protocol, trainRows.map((r) => r.clip), seed, isCross ? testRows.map((r) => r.clip) : undefined);
    checkFolds(folds, items, protocol);

    // 3. Fit per fold on training rows only, predict the fold's test rows.
    const tTrain = performance.now();
    progress.begin('folds', folds.length);
    const foldTasks: FoldTask[] = folds.map(
      (fold): FoldTask => ({
        type: 'fold',
        recipe: recipe.name,
        recipeParams: { ...recipe.params },
        foldName: fold.name,
        seed,
        classes,
        trainX: fold.train.map((i) => rows[i].x),
        trainY: fold.train.map((i) => rows[i].clip.y),
        trainIds: fold.train.map((i) => clipKey(rows[i].clip)),
        trainSubjects: fold.train.map((i) => subjectKey(rows[i].clip)),
        testX: fold.test.map((i) => rows[i].x),
        testSubjects: [...new Set(fold.test.map((i) => subjectKey(rows[i].clip)))],
        ...(audit ? { audit } : {}),
      }),
    );
    const runStore = opts.runDir ? await openRunStore(opts, recipe.name, recipe.params, seed, opts.protocol ?? recipe.defaultProtocol, train.scheme, classes, rows, folds, audit) : undefined;
    const indexedRunStore = runStore && {
      get: (i: number) => runStore.get(i),
      put: (i: number, r: FoldResult) => runStore.put(i, r, folds[i].test.map((j) => rows[j].clip.y)),
    };
    const { results: foldResults, stats: foldStats } = await runFoldsResumable(foldTasks, executor, cache ? new FoldCache(cache.dir) : undefined, progress, indexedRunStore);
    progress.end();
    const trainSeconds = (performance.now() - tTrain) / 1000;

    return assembleResults({
      recipe,
      protocol: opts.protocol ?? recipe.defaultProtocol,
      protocolKind: protocol.kind,
      dataset: opts.dataset,
      testDataset: opts.testDataset,
      labels: train.scheme,
      classes,
      seed,
      items,
      folds,
      foldResults,
      skipped,
      dropped: mergeCounts(train.dropped, test?.dropped ?? {}),
      timing: { extractSeconds, trainSeconds, cachedFolds: foldStats.cached, totalSeconds: (performance.now() - t0) / 1000, workers: executor.workers },
    });
  } finally {
    if (!opts.executor) await executor.close();
  }
}

/** The run folder of `opts.runDir`, created for this run or checked to belong to it (fingerprints: fingerprint.ts). */
async function openRunStore(
  opts: EvaluateOptions,
  recipeName: string,
  params: Readonly<Record<string, unknown>>,
  seed: number,
  protocol: string,
  labels: string,
  classes: string[],
  rows: readonly Row[],
  folds: readonly Fold[],
  audit: AuditSpec | undefined,
): Promise<RunStore> {
  const fpRows: FingerprintRow[] = rows.map((r) => ({ key: clipKey(r.clip), subject: subjectKey(r.clip), y: r.clip.y, x: r.x }));
  const behaviour = await behaviourFingerprint(recipeName, params, fpRows.filter((_, i) => !rows[i].isTest), classes, seed);
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    recipe: recipeName,
    params: portableParams(params, opts.runRoot ?? process.cwd()),
    seed,
    dataset: opts.testDataset ? `${opts.dataset} → ${opts.testDataset}` : opts.dataset,
    labels,
    protocol,
    classes,
    folds: folds.map((f) => ({ name: f.name, nTrain: f.train.length, test: f.test.map((j) => fpRows[j].key) })),
    dataHash: dataFingerprint(fpRows, classes, folds),
    behaviourHash: behaviour.hash,
    behaviourProbe: behaviour.probe,
    ...(audit ? { audit } : {}),
    merkitVersion: MERKIT_VERSION,
    created: new Date().toISOString(),
  };
  return RunStore.open(opts.runDir as string, manifest);
}

function mergeCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
