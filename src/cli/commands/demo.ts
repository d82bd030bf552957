/**
 * `merkit demo` (= `npm run demo`): generate the synthetic set, evaluate every
 * recipe that reads frames under LOSO, print one table, write the reports.
 *
 * The synthetic set is small (it must run in minutes on 2 cores), so the
 * network recipes run with fewer epochs than their papers: DEMO_OVERRIDES says
 * which and why, and the summary marks those rows. The demo never reads
 * ../shared (licensed data): the CK+ macro domain of EMR/TLCNN is off.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { intOption } from '../options.ts';
import { defaultWorkers } from '../../run/pool.ts';
import { MerError } from '../../core/errors.ts';

/**
 * Demo-sized settings: enough epochs for the networks to learn the synthetic
 * classes, few enough that the whole demo runs in minutes. Paper settings are
 * what `merkit evaluate` uses by default.
 */
export const DEMO_OVERRIDES: Readonly<Record<string, Record<string, unknown>>> = {
  ststnet: { epochs: 500, batchSize: 32 },
  'off-apexnet': { epochs: 40 },
  'dual-inception': { epochs: 8 },
  fr: { epochs: 30 },
  emr: { epochs: 10, width: 16, macroDir: null },
  tlcnn: { pretrainEpochs: 0, finetuneEpochs: 6, seqEpochs: 6, macroDir: null },
  mmfl: { tMax: 2, stiefelIter: 3 },
};

/** the recipes run by `--quick`: one per family */
export const DEMO_QUICK = ['flow-svm', 'lbptop-svm', 'ststnet'];

/**
 * Recipes left out of the default demo and run with `--all`: on 2 CPU cores
 * each needs 10+ minutes even at demo epochs (millions of weights, per-fold
 * training), which would turn the demo into an hour-long job.
 */
export const DEMO_HEAVY = ['off-apexnet', 'dual-inception', 'fr', 'emr', 'tlcnn'];

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate the synthetic dataset and evaluate the frame-based recipes under LOSO (--all: every one)')
    .option('--out <dir>', 'output folder', 'demo-out')
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .option('--subjects <n>', 'synthetic subjects', intOption('--subjects', 2), 12)
    .option('--clips-per-class <k>', 'synthetic clips per class and subject', intOption('--clips-per-class', 1), 2)
    .option('--recipes <list>', 'comma-separated recipes (default: every recipe that reads frames)')
    .option('--quick', `only ${DEMO_QUICK.join(', ')}`)
    .option('--all', `also the heavy networks (${DEMO_HEAVY.join(', ')}); takes an hour or more on 2 cores`)
    .option('--workers <n>', 'worker threads', intOption('--workers', 1), defaultWorkers())
    .action(async (o) => {
      const [{ writeSyntheticDataset }, { evaluate }, { writeReport }, { getRecipe, listRecipes }, { terminalProgress }, { writeFileAtomic }] = await Promise.all([
        import('../../datasets/synthetic/generate.ts'),
        import('../../run/evaluate.ts'),
        import('../../eval/report.ts'),
        import('../../recipes/index.ts'),
        import('../progressBar.ts'),
        import('../../io/atomic.ts'),
      ]);
      const progress = terminalProgress();
      const dataDir = join(o.out, 'data');
      const names: string[] = o.recipes
        ? String(o.recipes).split(',').map((s) => s.trim()).filter(Boolean)
        : o.quick
          ? DEMO_QUICK
          : (await listRecipes())
              .filter((r) => r.accepts.includes('frames') && (o.all || !DEMO_HEAVY.includes(r.name)))
              .map((r) => r.name);
      for (const n of names) {
        if (!(await getRecipe(n)).accepts.includes('frames')) throw new MerError('BAD_OPTION', `recipe '${n}' does not read frame clips`, { expected: 'a frame-based recipe' });
      }
      progress.info(`generating ${o.subjects} subjects × 5 classes × ${o.clipsPerClass} synthetic micro-expressions in ${dataDir} …`);
      await writeSyntheticDataset(dataDir, { seed: o.seed, subjects: o.subjects, clipsPerClass: o.clipsPerClass });
      const lines = ['| recipe | Acc | UF1 | UAR | clips | folds | seconds | settings |', '|---|---|---|---|---|---|---|---|'];
      const notesShown = new Set<string>();
      for (const name of names) {
        const overrides = DEMO_OVERRIDES[name] ?? {};
        const r = await getRecipe(name, overrides);
        progress.info(`\n== ${r.name}: ${r.title}`);
        const res = await evaluate({
          dataset: `synthetic:${dataDir}`,
          labels: 'casme2-5',
          recipe: name,
          recipeParams: overrides,
          protocol: 'loso',
          seed: o.seed,
          workers: o.workers,
          cache: join(o.out, 'cache'),
          progress,
        });
        for (const note of (await writeReport(join(o.out, name), res)).notes) {
          if (!notesShown.has(note)) process.stderr.write(`merkit: note: ${note}\n`);
          notesShown.add(note);
        }
        const m = res.metrics;
        const settings = Object.keys(overrides).length ? `demo: ${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(', ')}` : 'paper/default';
        lines.push(`| ${name} | ${m.acc.toFixed(4)} | ${m.uf1.toFixed(4)} | ${m.uar.toFixed(4)} | ${res.predictions.length} | ${res.folds.length} | ${res.timing.totalSeconds.toFixed(1)} | ${settings} |`);
        process.stdout.write(`${name}: Acc ${m.acc.toFixed(4)} UF1 ${m.uf1.toFixed(4)} UAR ${m.uar.toFixed(4)}\n`);
      }
      const table = lines.join('\n');
      const chance = (1 / 5).toFixed(2);
      await writeFileAtomic(
        join(o.out, 'summary.md'),
        `# merkit demo\n\nSynthetic casme2-5 micro-expressions (${o.subjects} subjects × 5 classes × ${o.clipsPerClass}), LOSO, seed ${o.seed}; chance = ${chance}.\n\n${table}\n`,
      );
      process.stdout.write(`\n${table}\n\nchance level ${chance}; reports: ${join(o.out, '<recipe>', 'report.html')}, summary: ${join(o.out, 'summary.md')}\n`);
    });
}
