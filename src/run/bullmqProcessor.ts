/**
 * The BullMQ job processor, run by BullMQ in a worker thread (sandboxed), so
 * the worker's main thread keeps renewing job locks while a fold trains for
 * minutes. It runs exactly the job code of the local executor (tasks.ts
 * runTask) on a task whose arrays come from the shared cache (pack.ts).
 *
 * A MerError (bad input: the same input fails the same way every time) is
 * thrown as an UnrecoverableError so BullMQ does not retry it; the MerError's
 * fields travel in the message (MERERROR_PREFIX + JSON) for the client to rebuild.
 */
import type { SandboxedJob } from 'bullmq';
import { isMerError } from '../core/errors.ts';
import { ArrayCache } from './cache.ts';
import { FoldCache } from './foldCache.ts';
import { packArrays, unpackArrays } from './pack.ts';
import { runTask, type FoldResult, type Task } from './tasks.ts';

/** set by the worker for its threads: the shared cache folder */
export const WORKER_CACHE_ENV = 'MERKIT_WORKER_CACHE';
export const MERERROR_PREFIX = 'MerError:';

export default async function process_(job: SandboxedJob): Promise<unknown> {
  // imported here, not at the top: bullmq.ts imports this module's constants without loading bullmq
  const { UnrecoverableError } = await import('bullmq');
  const dir = process.env[WORKER_CACHE_ENV];
  if (!dir) throw new UnrecoverableError(`worker misconfigured: ${WORKER_CACHE_ENV} is not set`);
  const cache = new ArrayCache(dir);
  try {
    await job.updateProgress({ stage: 'load' });
    const task = (await unpackArrays(job.data, cache)) as Task;
    await job.updateProgress({ stage: task.type });
    const value = await runTask(task);
    await job.updateProgress({ stage: 'store' });
    if (task.type === 'extract') return packArrays(value, cache);
    const r = value as FoldResult;
    if (task.resultKey) await new FoldCache(dir).put(task.resultKey, r);
    return r;
  } catch (e) {
    if (isMerError(e)) {
      throw new UnrecoverableError(
        MERERROR_PREFIX + JSON.stringify({ code: e.code, message: e.message, file: e.file, row: e.row, clip: e.clip, expected: e.expected }),
      );
    }
    throw e;
  }
}
