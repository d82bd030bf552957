import type { Command } from 'commander';
import { intOption, numberPairOption, unitFractionOption } from '../options.ts';

export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description('generate synthetic micro-expression clips (CASME II layout + coding sheet + ground-truth flow)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--subjects <n>', 'number of subjects (one face each)', intOption('--subjects', 1))
    .option('--clips-per-class <k>', 'clips per class and subject', intOption('--clips-per-class', 1))
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .option('--amplitude <min,max>', 'apex magnitude of the action-unit motion in pixels, drawn per clip (default 0.3,1.5: micro-expression size)', numberPairOption('--amplitude'))
    .option('--wrinkles <depth>', 'darken the skin in fold lines where an action unit compresses it, by up to this fraction of the intensity (0..1; default 0: the AUs are pure warps)', unitFractionOption('--wrinkles'))
    .action(async (o) => {
      const { writeSyntheticDataset } = await import('../../datasets/synthetic/generate.ts');
      const t0 = performance.now();
      const m = await writeSyntheticDataset(o.out, { seed: o.seed, subjects: o.subjects, clipsPerClass: o.clipsPerClass, ...(o.amplitude ? { amplitude: o.amplitude } : {}), ...(o.wrinkles !== undefined ? { wrinkles: o.wrinkles } : {}) });
      const n = (m as { clips?: unknown[] }).clips?.length ?? '?';
      process.stdout.write(`wrote ${n} clips to ${o.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`evaluate with: merkit evaluate --dataset synthetic:${o.out} --labels casme2-5 --recipe flow-svm --protocol loso\n`);
    });
}
