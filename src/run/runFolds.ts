/**
 * Running a list of fold tasks with resume: a fold whose result is in the
 * fold cache (foldCache.ts) is not recomputed; every other fold goes to the
 * executor (as one fan-in flow when the executor offers `runFolds`, as with
 * BullMQ) and its result is cached the moment it arrives, so a run killed
 * half way loses only the folds in flight.
 */
import type { Executor } from './pool.ts';
import type { ProgressSink } from './progress.ts';
import { FoldCache, foldKey } from './foldCache.ts';
import type { FoldResult, FoldTask } from './tasks.ts';

/** an executor that can run many folds as one experiment (bullmq.ts) */
interface FanInExecutor extends Executor {
  runFolds(tasks: FoldTask[], onDone: (index: number) => void): Promise<FoldResult[]>;
}

function hasFanIn(e: Executor): e is FanInExecutor {
  return typeof (e as Partial<FanInExecutor>).runFolds === 'function';
}

/** A store of finished folds by task index (a run folder, runStore.ts), consulted before the cache and written as folds finish. */
export interface IndexedFoldStore {
  get(index: number): Promise<FoldResult | undefined>;
  put(index: number, r: FoldResult): Promise<void>;
}

export interface FoldRunStats {
  /** folds taken from the cache */
  cached: number;
  /** folds computed by the executor */
  computed: number;
}

export async function runFoldsResumable(
  tasks: FoldTask[],
  executor: Executor,
  cache: FoldCache | undefined,
  progress: ProgressSink,
  runStore?: IndexedFoldStore,
): Promise<{ results: FoldResult[]; stats: FoldRunStats }> {
  const results: (FoldResult | undefined)[] = new Array(tasks.length);
  const keys = cache ? tasks.map(foldKey) : [];
  if (cache || runStore) {
    await Promise.all(
      tasks.map(async (t, i) => {
        if (cache) t.resultKey = keys[i];
        // an audited task needs the stored audit (its cache key already differs; this guards hand-edited files)
        const usable = (r: FoldResult | undefined) => (r && (!t.audit || r.audit) ? r : undefined);
        results[i] = usable(await runStore?.get(i));
        if (!results[i] && cache) {
          results[i] = usable(await cache.get(keys[i]));
          if (results[i] && runStore) await runStore.put(i, results[i] as FoldResult);
        }
        if (results[i]) progress.tick();
      }),
    );
  }
  const todo = tasks.map((_, i) => i).filter((i) => !results[i]);
  const stats = { cached: tasks.length - todo.length, computed: todo.length };
  if (stats.cached > 0) progress.info(`folds: ${stats.cached} of ${tasks.length} from ${runStore ? 'the run folder' : 'the cache'}, ${stats.computed} to compute`);
  const store = async (i: number, r: FoldResult) => {
    results[i] = r;
    if (cache) await cache.put(keys[i], r);
    if (runStore) await runStore.put(i, r);
  };
  if (hasFanIn(executor) && todo.length > 0) {
    const out = await executor.runFolds(todo.map((i) => tasks[i]), () => progress.tick());
    await Promise.all(out.map((r, j) => store(todo[j], r)));
  } else if (executor.workers <= 1) {
    // in-process: one fold at a time, so each result is cached before the next
    // (CPU-bound) fold starts and a killed run loses at most one fold
    for (const i of todo) {
      await store(i, await executor.run(tasks[i] as FoldTask & { type: 'fold' }));
      progress.tick();
    }
  } else {
    await Promise.all(
      todo.map(async (i) => {
        await store(i, await executor.run(tasks[i] as FoldTask & { type: 'fold' }));
        progress.tick();
      }),
    );
  }
  return { results: results as FoldResult[], stats };
}
