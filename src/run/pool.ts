/**
 * The local executor: tasks run in worker threads (piscina), one wasm/libsvm
 * instance per thread, or in-process when workers = 1. Both run the same job
 * code (tasks.ts), and every task's randomness is derived from the task
 * itself, so results are identical whatever the worker count or order.
 */
import { availableParallelism } from 'node:os';
import { MerError, type MerErrorCode } from '../core/errors.ts';
import { workerEntry, workerExecArgv } from '../core/runtime.ts';
import type { Task, FoldResult } from './tasks.ts';

export interface Executor {
  run(task: Task & { type: 'extract' }): Promise<Float32Array>;
  run(task: Task & { type: 'fold' }): Promise<FoldResult>;
  close(): Promise<void>;
  readonly workers: number;
}

type WorkerReply =
  | { ok: true; value: Float32Array | FoldResult }
  | { ok: false; merError?: { code: MerErrorCode; message: string; file?: string; row?: number; clip?: string; expected?: string }; error?: string; stack?: string };

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export function createLocalExecutor(workers = defaultWorkers()): Executor {
  if (workers <= 1) {
    return {
      workers: 1,
      // the job code (recipes, learners) is loaded with the first task, not with this module
      run: (async (task: Task) => (await import('./tasks.ts')).runTask(task)) as Executor['run'],
      async close() {},
    };
  }
  // piscina and its threads start with the first task: creating an executor costs nothing
  let pool: Promise<import('piscina').Piscina> | undefined;
  const startPool = async () => {
    const { Piscina } = await import('piscina');
    return new Piscina({
      // from source worker.mjs (registers tsx, then runs worker.ts), from dist/ worker.js (plain Node)
      filename: workerEntry(import.meta.url, 'worker').href,
      minThreads: workers,
      maxThreads: workers,
      execArgv: workerExecArgv(import.meta.url),
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
  };
  return {
    workers,
    run: (async (task: Task) => {
      const r = (await (await (pool ??= startPool())).run(task)) as WorkerReply;
      if (r.ok) return r.value;
      if (r.merError) {
        const m = r.merError;
        throw new MerError(m.code, m.message, { file: m.file, row: m.row, clip: m.clip, expected: m.expected });
      }
      const err = new Error(r.error);
      if (r.stack) err.stack = r.stack;
      throw err;
    }) as Executor['run'],
    async close() {
      if (pool) await (await pool).destroy();
    },
  };
}
