import type { Command } from 'commander';
import { join } from 'node:path';
import { evaluate } from '../../run/evaluate.ts';
import { writeReport, formatSummaryTable } from '../../eval/report.ts';
import { terminalProgress } from '../progressBar.ts';
import { intOption } from '../options.ts';
import { defaultWorkers } from '../../run/pool.ts';

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate a recipe on a dataset under a protocol; writes results.json, report.md and report.html')
    .requiredOption('--dataset <kind:path>', 'dataset, e.g. flowdir:../shared/data/megc2019-cde-dev')
    .option('--test-dataset <kind:path>', 'test dataset for --protocol cross (CDMER)')
    .option('--labels <scheme>', 'label scheme: megc3, casme2-5, 4class, smic3, samm5, original', 'original')
    .requiredOption('--recipe <name>', 'recipe (see `merkit recipes`)')
    .option('--protocol <p>', 'loso | kfold:K[:subject] | cde | cross | holdout[:fraction] (default: the recipe\'s)')
    .option('--out <dir>', 'output folder (default: out/<recipe>-<protocol>)')
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .option('--workers <n>', 'worker threads (1 = in-process)', intOption('--workers', 1), defaultWorkers())
    .option('--cache <dir>', 'feature cache folder (default ~/.cache/merkit or $MERKIT_CACHE)')
    .option('--no-cache', 'do not read or write the feature cache')
    .action(async (o) => {
      const progress = terminalProgress();
      const results = await evaluate({
        dataset: o.dataset,
        testDataset: o.testDataset,
        labels: o.labels,
        recipe: o.recipe,
        protocol: o.protocol,
        seed: o.seed,
        workers: o.workers,
        cache: o.cache === false ? false : typeof o.cache === 'string' ? o.cache : undefined,
        progress,
      });
      const out = o.out ?? join('out', `${o.recipe}-${results.protocol.replace(/[^A-Za-z0-9.-]/g, '_')}`);
      const files = await writeReport(out, results);
      process.stdout.write(`${formatSummaryTable(results)}\n`);
      process.stdout.write(`\nwrote ${files.json}\n      ${files.md}\n      ${files.html}\n`);
    });
}
