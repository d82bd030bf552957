/** `merkit train`: fit a recipe on ALL clips of a dataset and write a model folder. */
import type { Command } from 'commander';
import { intOption } from '../options.ts';

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a recipe on all clips of a dataset; writes a model folder for `predict` and `analyze`')
    .requiredOption('--recipe <name>', 'recipe (see `merkit recipes`)')
    .requiredOption('--dataset <kind:path>', 'training dataset, e.g. synthetic:out/synth')
    .option('--labels <scheme>', 'label scheme: megc3, casme2-5, 4class, smic3, samm5, original', 'original')
    .requiredOption('--out <dir>', 'model folder to write')
    .option('--seed <n>', 'random seed of the fit', intOption('--seed'), 1)
    .option('--workers <n>', 'worker threads for feature extraction (1 = in-process)', intOption('--workers', 1), 1)
    .action(async (o) => {
      const [{ trainModel }, { terminalProgress }] = await Promise.all([import('../../run/modelFolder.ts'), import('../progressBar.ts')]);
      const progress = terminalProgress();
      const { meta, skipped } = await trainModel({
        recipe: o.recipe,
        dataset: o.dataset,
        labels: o.labels,
        out: o.out,
        seed: o.seed,
        workers: o.workers,
        progress,
      });
      for (const p of skipped) process.stderr.write(`skipped ${p.clip ?? p.file ?? ''}: ${p.message}\n`);
      const m = meta.trainingMetrics as unknown as { acc: number; uf1: number };
      process.stdout.write(
        `trained ${meta.recipe} on ${meta.trainedOn.clips} clips (${meta.trainedOn.subjects} subjects), classes ${meta.classes.join('/')}\n` +
          `training-set (resubstitution, optimistic) acc ${m.acc.toFixed(3)} uf1 ${m.uf1.toFixed(3)}\n` +
          `wrote ${o.out}\n`,
      );
    });
}
