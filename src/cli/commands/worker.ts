import type { Command } from 'commander';
import { resolve } from 'node:path';
import { MerError } from '../../core/errors.ts';
import { intOption } from '../options.ts';
// bullmq.ts loads bullmq itself only when a worker starts: its constants cost nothing
import { DEFAULT_LOCK_MS, DEFAULT_MAX_STALLED } from '../../run/bullmq.ts';

/** after a clean stop, give stdout this long to flush before exiting */
const EXIT_GRACE_MS = 200;

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('process merkit jobs (clip extraction, folds) from BullMQ queues on Redis until stopped (Ctrl-C / SIGTERM)')
    .requiredOption('--redis <url>', 'redis://host:port, or a unix socket path')
    .option('--concurrency <n>', 'jobs at once, each in its own worker thread', intOption('--concurrency', 1), 1)
    .option('--cache <dir>', 'the cache folder shared with `merkit evaluate --executor bullmq` (default ~/.cache/merkit or $MERKIT_CACHE)')
    .option('--lock-ms <n>', `job lock duration: a job whose worker dies is retried after this long (default ${DEFAULT_LOCK_MS})`, intOption('--lock-ms', 100))
    .option('--max-stalled <n>', `times a job may lose its worker before it fails (default ${DEFAULT_MAX_STALLED})`, intOption('--max-stalled', 1))
    .action(async (o) => {
      const [{ loadPlugins }, { defaultCacheDir }, { startBullmqWorkers }] = await Promise.all([
        import('../../run/plugins.ts'),
        import('../../run/cache.ts'),
        import('../../run/bullmq.ts'),
      ]);
      await loadPlugins();
      const cacheDir = resolve(typeof o.cache === 'string' ? o.cache : defaultCacheDir());
      const log = (line: string) => process.stdout.write(`[worker ${process.pid}] ${line}\n`);
      let workers;
      try {
        workers = await startBullmqWorkers({
          redis: o.redis,
          cacheDir,
          concurrency: o.concurrency,
          lockMs: o.lockMs,
          maxStalledCount: o.maxStalled,
          log,
        });
      } catch (e) {
        if (e instanceof MerError) throw e;
        throw new MerError('BAD_OPTION', `cannot start the worker on ${o.redis}: ${e instanceof Error ? e.message : String(e)}`, { expected: 'a reachable redis-server' });
      }
      log(`ready: redis ${o.redis}, cache ${cacheDir}, concurrency ${o.concurrency}`);
      await new Promise<void>((done) => {
        const stop = () => {
          log('stopping (finishing jobs in progress; signal again to quit at once)');
          process.once('SIGINT', () => process.exit(130));
          process.once('SIGTERM', () => process.exit(143));
          void workers.close().then(() => {
            done();
            // queues' reconnect timers must not keep a stopped worker alive
            setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_GRACE_MS).unref();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
