/**
 * The distributed executor: the same tasks as the local pool (tasks.ts), run
 * by `merkit worker` processes through BullMQ queues on Redis.
 *
 * - Queues: QUEUES.extract (one job per clip: decode, face, flow, features),
 *   QUEUES.fold (one job per fold: fit on training rows, predict test rows),
 *   QUEUES.experiment (one parent job per experiment: a FlowProducer flow whose
 *   children are the fold jobs; it fans their results in).
 * - Job ids are content hashes of the (packed) task, so adding a job that
 *   exists is a no-op and the client simply waits for it.
 * - Redis holds small payloads only: arrays go through the shared cache
 *   (pack.ts); extract results come back as cache references.
 * - Retries: DEFAULT_ATTEMPTS with exponential back-off; a MerError (bad
 *   input) fails at once (UnrecoverableError) and is rebuilt on the client.
 * - Processors run in worker threads (bullmqProcessor.ts) so locks keep being
 *   renewed during long CPU work; a worker that dies (kill -9) leaves its job
 *   without a lock: after lockDuration another worker's stalled check puts it
 *   back in the queue (up to maxStalledCount times).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ConnectionOptions, Job, JobsOptions, Queue, QueueEvents } from 'bullmq';
import { MerError, type MerErrorCode } from '../core/errors.ts';
import { importOptionalGroup } from '../core/optional.ts';
import { workerEntry, workerExecArgv } from '../core/runtime.ts';
import { ArrayCache, stableStringify } from './cache.ts';
import { MERERROR_PREFIX, WORKER_CACHE_ENV } from './bullmqProcessor.ts';
import { packArrays, unpackArrays } from './pack.ts';
import type { Executor } from './pool.ts';
import type { FoldResult, FoldTask, Task } from './tasks.ts';

/**
 * bullmq, loaded with the first queue or worker. It and ioredis (bullmq's
 * Redis driver, which bullmq 6 requires itself and declares an optional peer)
 * are optional dependencies: either missing is one line naming both.
 */
async function loadBullmq(): Promise<typeof import('bullmq')> {
  const [bullmq] = await importOptionalGroup<[typeof import('bullmq'), unknown]>('bullmq ioredis', 'the Redis queue (--executor bullmq, merkit worker)', [
    () => import('bullmq'),
    () => import('ioredis'),
  ]);
  return bullmq;
}

/** the prefix marking a failed job's reason as a MerError (exported for tests) */
export const MERERROR_PREFIX_FOR_TESTS = MERERROR_PREFIX;

export const QUEUES = { extract: 'merkit-extract', fold: 'merkit-fold', experiment: 'merkit-experiment' } as const;

/** attempts per job for transient failures (a crashed/killed worker is handled by stall recovery instead) */
export const DEFAULT_ATTEMPTS = 3;
/** first retry delay; doubles per attempt (exponential back-off) */
export const DEFAULT_BACKOFF_MS = 2000;
/** BullMQ's default lock: a job whose worker stops renewing for this long is stalled */
export const DEFAULT_LOCK_MS = 30_000;
/** a job may stall (its worker died) this many times before it fails */
export const DEFAULT_MAX_STALLED = 3;
/** keep finished jobs this long so re-adding a finished task is a no-op that returns its result */
const KEEP_FINISHED_S = 7 * 24 * 3600;

/**
 * Redis connection options from a URL: redis://[user:pass@]host:port[/db],
 * rediss://… (TLS), or a unix socket as unix:///path/redis.sock or a plain /path.
 */
export function redisConnection(url: string): ConnectionOptions {
  const base = { maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
  if (url.startsWith('/')) return { ...base, path: url };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MerError('BAD_OPTION', `--redis '${url}' is not a URL`, { expected: 'redis://host:port, unix:///path/redis.sock or /path/redis.sock' });
  }
  if (u.protocol === 'unix:') return { ...base, path: u.pathname };
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new MerError('BAD_OPTION', `--redis '${url}': unknown scheme ${u.protocol}`, { expected: 'redis://, rediss:// or unix://' });
  }
  return {
    ...base,
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

function hashId(tag: string, v: unknown): string {
  // BullMQ job ids must not contain ':'
  return `${tag}-${createHash('sha256').update(stableStringify(v)).digest('hex').slice(0, 40)}`;
}

/** A failed job's reason back as a MerError when it was one, else a plain Error. */
export function errorFromReason(reason: string | undefined): Error {
  const r = reason ?? 'job failed';
  const at = r.indexOf(MERERROR_PREFIX);
  if (at >= 0) {
    try {
      const m = JSON.parse(r.slice(at + MERERROR_PREFIX.length)) as { code: MerErrorCode; message: string; file?: string; row?: number; clip?: string; expected?: string };
      return new MerError(m.code, m.message, { file: m.file, row: m.row, clip: m.clip, expected: m.expected });
    } catch {
      /* not ours after all */
    }
  }
  return new Error(r);
}

export interface BullmqExecutorOptions {
  /** redis URL (see redisConnection) */
  redis: string;
  /** the cache folder shared with every worker */
  cacheDir: string;
  /** reported as Executor.workers (timing only) */
  workers?: number;
  attempts?: number;
  backoffMs?: number;
}

/** An Executor that hands tasks to `merkit worker` processes. */
export interface BullmqExecutor extends Executor {
  runFolds(tasks: FoldTask[], onDone: (index: number) => void): Promise<FoldResult[]>;
}

export async function createBullmqExecutor(opts: BullmqExecutorOptions): Promise<BullmqExecutor> {
  const { FlowProducer, Job, Queue, QueueEvents } = await loadBullmq();
  const connection = redisConnection(opts.redis);
  const cache = new ArrayCache(opts.cacheDir);
  const jobOpts: JobsOptions = {
    attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? DEFAULT_BACKOFF_MS },
    removeOnComplete: { age: KEEP_FINISHED_S },
    removeOnFail: { age: KEEP_FINISHED_S },
  };
  const extractQ = new Queue(QUEUES.extract, { connection });
  const experimentQ = new Queue(QUEUES.experiment, { connection });
  const extractEvents = new QueueEvents(QUEUES.extract, { connection });
  const foldEvents = new QueueEvents(QUEUES.fold, { connection });
  const experimentEvents = new QueueEvents(QUEUES.experiment, { connection });
  const flow = new FlowProducer({ connection });
  // every job waited on adds a listener to its queue and to the queue's events
  for (const em of [extractQ, experimentQ, extractEvents, foldEvents, experimentEvents]) em.setMaxListeners(0);
  try {
    await Promise.all([extractQ.waitUntilReady(), extractEvents.waitUntilReady(), foldEvents.waitUntilReady(), experimentEvents.waitUntilReady()]);
  } catch (e) {
    await Promise.allSettled([extractQ.close(), experimentQ.close(), extractEvents.close(), foldEvents.close(), experimentEvents.close(), flow.close()]);
    throw new MerError('BAD_OPTION', `cannot reach Redis at ${opts.redis}: ${e instanceof Error ? e.message : String(e)}`, { expected: 'a running redis-server' });
  }

  /** A job that exists in the failed state for a transient reason is retried; bad input stays failed. */
  async function retryIfFailed(q: Queue, id: string): Promise<void> {
    const job = await Job.fromId(q, id);
    if (job && (await job.getState()) === 'failed' && !(job.failedReason ?? '').includes(MERERROR_PREFIX)) await job.retry('failed');
  }

  async function wait<T>(job: Job, events: QueueEvents): Promise<T> {
    try {
      return (await job.waitUntilFinished(events)) as T;
    } catch (e) {
      throw errorFromReason(e instanceof Error ? e.message : String(e));
    }
  }

  async function runExtract(task: Task & { type: 'extract' }): Promise<Float32Array> {
    const data = await packArrays(task, cache);
    const jobId = hashId('x', data);
    const job = await extractQ.add('extract', data, { ...jobOpts, jobId });
    await retryIfFailed(extractQ, jobId);
    const ref = await wait<unknown>(job, extractEvents);
    return (await unpackArrays(typeof ref === 'string' ? JSON.parse(ref) : ref, cache)) as Float32Array;
  }

  const exec: BullmqExecutor = {
    workers: opts.workers ?? 1,
    run: (async (task: Task) => {
      if (task.type === 'extract') return runExtract(task);
      const [r] = await exec.runFolds([task], () => undefined);
      return r;
    }) as Executor['run'],

    async runFolds(tasks, onDone) {
      if (tasks.length === 0) return [];
      const packed = await Promise.all(tasks.map((t) => packArrays(t, cache)));
      const ids = packed.map((p) => hashId('f', p));
      const index = new Map(ids.map((id, i) => [id, i]));
      const done = new Set<number>();
      const tick = (i: number | undefined) => {
        if (i === undefined || done.has(i)) return;
        done.add(i);
        onDone(i);
      };
      const onCompleted = ({ jobId }: { jobId: string }) => tick(index.get(jobId));
      foldEvents.on('completed', onCompleted);
      try {
        const parentId = hashId('e', ids);
        await flow.add({
          name: 'experiment',
          queueName: QUEUES.experiment,
          data: { folds: ids },
          opts: { ...jobOpts, jobId: parentId },
          children: packed.map((data, i) => ({
            name: 'fold',
            queueName: QUEUES.fold,
            data,
            opts: { ...jobOpts, jobId: ids[i], failParentOnFailure: true },
          })),
        });
        const parent = await Job.fromId(experimentQ, parentId);
        if (!parent) throw new MerError('INTERNAL', `experiment job ${parentId} vanished from Redis`);
        const out = await wait<{ results: FoldResult[] } | string>(parent, experimentEvents);
        const { results } = typeof out === 'string' ? (JSON.parse(out) as { results: FoldResult[] }) : out;
        if (!Array.isArray(results) || results.length !== tasks.length) {
          throw new MerError('INTERNAL', `experiment job ${parentId} returned ${Array.isArray(results) ? results.length : 'no'} results for ${tasks.length} folds`);
        }
        results.forEach((_, i) => tick(i));
        return results;
      } finally {
        foldEvents.off('completed', onCompleted);
      }
    },

    async close() {
      await Promise.allSettled([extractQ.close(), experimentQ.close(), extractEvents.close(), foldEvents.close(), experimentEvents.close(), flow.close()]);
    },
  };
  return exec;
}

export interface BullmqWorkerOptions {
  redis: string;
  cacheDir: string;
  /** jobs processed at once (each in its own worker thread) */
  concurrency?: number;
  /** job lock duration, ms (BullMQ default 30 s) */
  lockMs?: number;
  /** how often to look for stalled jobs, ms (default: lockMs) */
  stalledMs?: number;
  maxStalledCount?: number;
  /** one line per job event (started, done, failed) */
  log?: (line: string) => void;
}

export interface BullmqWorkers {
  close(): Promise<void>;
}

/** Start processing merkit's queues in this process (what `merkit worker` runs). */
export async function startBullmqWorkers(opts: BullmqWorkerOptions): Promise<BullmqWorkers> {
  const { Worker } = await loadBullmq();
  const connection = redisConnection(opts.redis);
  const lockDuration = opts.lockMs ?? DEFAULT_LOCK_MS;
  const common = {
    connection,
    lockDuration,
    stalledInterval: opts.stalledMs ?? lockDuration,
    maxStalledCount: opts.maxStalledCount ?? DEFAULT_MAX_STALLED,
  };
  // from source bullmqProcessor.mjs (registers tsx in the thread, then loads bullmqProcessor.ts); from dist/ the compiled processor
  const processorFile = fileURLToPath(workerEntry(import.meta.url, 'bullmqProcessor'));
  const sandbox = {
    ...common,
    concurrency: Math.max(1, opts.concurrency ?? 1),
    useWorkerThreads: true,
    workerThreadsOptions: { execArgv: workerExecArgv(import.meta.url), env: { ...process.env, [WORKER_CACHE_ENV]: opts.cacheDir } },
  };
  const log = opts.log ?? (() => undefined);
  const extract = new Worker(QUEUES.extract, processorFile, sandbox);
  const fold = new Worker(QUEUES.fold, processorFile, sandbox);
  // the fan-in is light: it runs in this thread and returns the fold results in the experiment's order
  const experiment = new Worker(
    QUEUES.experiment,
    async (job: Job) => {
      const values = await job.getChildrenValues<FoldResult>();
      const byId = new Map(Object.entries(values).map(([k, v]) => [k.slice(k.lastIndexOf(':') + 1), v]));
      const ids = (job.data as { folds: string[] }).folds;
      const results = ids.map((id) => byId.get(id));
      const missing = ids.filter((_, i) => results[i] === undefined);
      if (missing.length > 0) throw new Error(`experiment ${job.id}: no result for fold job(s) ${missing.join(', ')}`);
      return { results };
    },
    { ...common, concurrency: 1 },
  );
  for (const w of [extract, fold, experiment]) {
    w.on('active', (job: Job) => {
      const d = job.data as { foldName?: string; clip?: { dataset: string; subject: string; clip: string } };
      const what = d.foldName !== undefined ? `fold ${d.foldName}` : d.clip ? `clip ${d.clip.dataset}/${d.clip.subject}/${d.clip.clip}` : job.name;
      log(`started ${w.name} ${what} (job ${job.id})`);
    });
    w.on('completed', (job: Job) => log(`done ${w.name} job ${job.id}`));
    w.on('failed', (job: Job | undefined, err: Error) => log(`failed ${w.name} job ${job?.id ?? '?'}: ${err.message.split('\n')[0]}`));
    w.on('error', (err: Error) => log(`error ${w.name}: ${err.message.split('\n')[0]}`));
  }
  await Promise.all([extract.waitUntilReady(), fold.waitUntilReady(), experiment.waitUntilReady()]);
  return {
    async close() {
      await Promise.allSettled([extract.close(), fold.close(), experiment.close()]);
    },
  };
}
