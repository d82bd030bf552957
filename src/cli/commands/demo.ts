/**
 * `merkit demo` (= `npm run demo`): generate the synthetic set, evaluate every
 * recipe that reads frames under LOSO, print one table, write the reports.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { writeSyntheticDataset } from '../../datasets/synthetic/generate.ts';
import { evaluate } from '../../run/evaluate.ts';
import { writeReport } from '../../eval/report.ts';
import { listRecipes } from '../../recipes/index.ts';
import { terminalProgress } from '../progressBar.ts';
import { intOption } from '../options.ts';
import { defaultWorkers } from '../../run/pool.ts';
import { writeFileAtomic } from '../../io/atomic.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate the synthetic dataset and evaluate every frame-based recipe under LOSO')
    .option('--out <dir>', 'output folder', 'demo-out')
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .option('--subjects <n>', 'synthetic subjects', intOption('--subjects', 2))
    .option('--clips-per-class <k>', 'synthetic clips per class and subject', intOption('--clips-per-class', 1))
    .option('--workers <n>', 'worker threads', intOption('--workers', 1), defaultWorkers())
    .action(async (o) => {
      const progress = terminalProgress();
      const dataDir = join(o.out, 'data');
      progress.info(`generating synthetic micro-expressions in ${dataDir} …`);
      await writeSyntheticDataset(dataDir, { seed: o.seed, subjects: o.subjects, clipsPerClass: o.clipsPerClass });
      const recipes = listRecipes().filter((r) => r.accepts.includes('frames'));
      const lines = ['| recipe | Acc | UF1 | UAR | clips | folds | seconds |', '|---|---|---|---|---|---|---|'];
      for (const r of recipes) {
        progress.info(`\n== ${r.name}: ${r.title}`);
        const res = await evaluate({
          dataset: `synthetic:${dataDir}`,
          labels: 'casme2-5',
          recipe: r.name,
          protocol: 'loso',
          seed: o.seed,
          workers: o.workers,
          cache: join(o.out, 'cache'),
          progress,
        });
        await writeReport(join(o.out, r.name), res);
        const m = res.metrics;
        lines.push(`| ${r.name} | ${m.acc.toFixed(4)} | ${m.uf1.toFixed(4)} | ${m.uar.toFixed(4)} | ${res.predictions.length} | ${res.folds.length} | ${res.timing.totalSeconds.toFixed(1)} |`);
      }
      const table = lines.join('\n');
      await writeFileAtomic(join(o.out, 'summary.md'), `# merkit demo (synthetic casme2-5, LOSO, seed ${o.seed})\n\n${table}\n`);
      process.stdout.write(`\n${table}\n\nreports: ${recipes.map((r) => join(o.out, r.name, 'report.html')).join(', ')}\n`);
    });
}
