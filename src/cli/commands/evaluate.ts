import { Option, type Command } from 'commander';
import { basename, join, resolve } from 'node:path';
import { intOption, usageError } from '../options.ts';
import { defaultWorkers, type Executor } from '../../run/pool.ts';
import { MerError } from '../../core/errors.ts';

/** undefined = the runner's own local pool */
async function executorFromOptions(o: { executor: string; redis?: string; cache: string | boolean; workers: number }): Promise<Executor | undefined> {
  if (o.executor === 'local') {
    if (o.redis) throw usageError('--redis is only used with --executor bullmq');
    return undefined;
  }
  if (!o.redis) throw usageError('--executor bullmq needs --redis <url> (e.g. --redis redis://127.0.0.1:6379)');
  if (o.cache === false) throw usageError('--executor bullmq passes arrays through the cache folder; --no-cache cannot be used (give --cache DIR shared with the workers)');
  const [{ createBullmqExecutor }, { defaultCacheDir }] = await Promise.all([import('../../run/bullmq.ts'), import('../../run/cache.ts')]);
  return createBullmqExecutor({ redis: o.redis, cacheDir: resolve(typeof o.cache === 'string' ? o.cache : defaultCacheDir()) });
}

/** --pretrained-dir / --epochs as recipe parameters, refused for recipes that have no such parameter */
async function networkOptions(o: { recipe: string; pretrainedDir?: string; epochs?: number }): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (!o.pretrainedDir && o.epochs === undefined) return out;
  const [{ loadPlugins }, { getRecipe }] = await Promise.all([import('../../run/plugins.ts'), import('../../recipes/index.ts')]);
  await loadPlugins(); // a plug-in recipe is only known once its module is loaded
  const params = (await getRecipe(o.recipe)).params;
  if (o.pretrainedDir) {
    if (!('pretrainedDir' in params)) throw new MerError('BAD_OPTION', `recipe '${o.recipe}' does not load pretrained weights`, { expected: '--pretrained-dir with --recipe ststnet' });
    out.pretrainedDir = resolve(o.pretrainedDir);
  }
  if (o.epochs !== undefined) {
    if (!('epochs' in params)) throw new MerError('BAD_OPTION', `recipe '${o.recipe}' has no training epochs`, { expected: '--epochs with a network recipe' });
    out.epochs = o.epochs;
  }
  return out;
}

function auditOption(o: { auditSelection?: boolean; auditEvery?: number }): { every?: number } | undefined {
  if (o.auditEvery !== undefined && !o.auditSelection) throw usageError('--audit-every is only used with --audit-selection');
  return o.auditSelection ? { every: o.auditEvery } : undefined;
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate a recipe on a dataset under a protocol; writes results.json, report.md and report.html')
    .option('--dataset <kind:path>', 'dataset, e.g. flowdir:../shared/data/megc2019-cde-dev (required unless --from-runs)')
    .option('--test-dataset <kind:path>', 'test dataset for --protocol cross (CDMER)')
    .option('--labels <scheme>', 'label scheme: megc3, casme2-5, 4class, smic3, samm5, original', 'original')
    .option('--recipe <name>', 'recipe (see `merkit recipes`; required unless --from-runs)')
    .option('--protocol <p>', 'loso | kfold:K[:subject] | cde | cross | holdout[:fraction] (default: the recipe\'s)')
    .option('--out <dir>', 'output folder (default: out/<recipe>-<protocol>)')
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .option('--workers <n>', 'worker threads (1 = in-process)', intOption('--workers', 1), defaultWorkers())
    .option('--cache <dir>', 'feature cache folder (default ~/.cache/merkit or $MERKIT_CACHE)')
    .option('--no-cache', 'do not read or write the feature cache')
    .addOption(new Option('--executor <kind>', 'local (worker threads) | bullmq (`merkit worker` processes via Redis; needs --redis and a --cache they share)').choices(['local', 'bullmq']).default('local'))
    .option('--redis <url>', 'Redis for --executor bullmq: redis://host:port or a unix socket path')
    .option('--pretrained-dir <dir>', 'network recipes (ststnet): load DIR/<test subject>.pth in each LOSO fold instead of training')
    .option('--epochs <n>', 'network recipes: training epochs per fold (default: the paper\'s)', intOption('--epochs', 1))
    .option('--json', 'print a machine-readable summary (metrics, counts, files written) as JSON on stdout; progress stays on stderr')
    .option('--run-dir <dir>', 'keep every finished fold in DIR (run.json + <fold>.json): a later run with the same settings, data and code continues it')
    .option('--from-runs <dir>', 'no training: metrics and reports from the folds stored in a run folder (e.g. bench/runs/fr/cde-dev-paper-s1)')
    .option('--audit-selection', 'network recipes: also store the test predictions during training and report what choosing an epoch on the test fold would give (results.json "audit"; never used by training)')
    .option('--audit-every <k>', 'with --audit-selection: store every K-th epoch (default: every epoch up to 200, else 100 spread evenly)', intOption('--audit-every', 1))
    .action(async (o) => {
      const [{ evaluate }, { writeReport, formatSummaryTable, summarizeResults }, { terminalProgress }] = await Promise.all([
        import('../../run/evaluate.ts'),
        import('../../eval/report.ts'),
        import('../progressBar.ts'),
      ]);
      if (o.fromRuns) {
        const { resultsFromRunDir } = await import('../../run/runResults.ts');
        const results = await resultsFromRunDir(resolve(o.fromRuns));
        const out = o.out ?? join('out', `from-runs-${basename(resolve(o.fromRuns))}`);
        const { notes, ...files } = await writeReport(out, results);
        for (const note of notes) process.stderr.write(`merkit: note: ${note}\n`);
        const { done, total } = results.run;
        const partial = done < total ? `PARTIAL: ${done} of ${total} folds of this run have finished; the metrics are over those folds only` : undefined;
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ ...summarizeResults(results), run: results.run, ...(partial ? { partial } : {}), files }, null, 2)}\n`);
          return;
        }
        if (partial) process.stdout.write(`${partial}\n`);
        process.stdout.write(`${formatSummaryTable(results)}\n`);
        process.stdout.write(`\nwrote ${files.json}\n      ${files.md}\n      ${files.html}\n`);
        return;
      }
      if (!o.dataset || !o.recipe) throw usageError(`evaluate needs ${!o.dataset ? '--dataset <kind:path>' : '--recipe <name>'} (or --from-runs <run folder>)`);
      const progress = terminalProgress();
      const executor = await executorFromOptions(o);
      const results = await evaluate({
        executor,
        dataset: o.dataset,
        testDataset: o.testDataset,
        labels: o.labels,
        recipe: o.recipe,
        recipeParams: await networkOptions(o),
        protocol: o.protocol,
        seed: o.seed,
        workers: o.workers,
        cache: o.cache === false ? false : typeof o.cache === 'string' ? o.cache : undefined,
        runDir: o.runDir ? resolve(o.runDir) : undefined,
        progress,
        audit: auditOption(o),
      }).finally(() => executor?.close());
      const out = o.out ?? join('out', `${o.recipe}-${results.protocol.replace(/[^A-Za-z0-9.-]/g, '_')}`);
      const { notes, ...files } = await writeReport(out, results);
      for (const note of notes) process.stderr.write(`merkit: note: ${note}\n`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...summarizeResults(results), files }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${formatSummaryTable(results)}\n`);
      process.stdout.write(`\nwrote ${files.json}\n      ${files.md}\n      ${files.html}\n`);
    });
}
