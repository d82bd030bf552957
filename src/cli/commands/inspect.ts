import type { Command } from 'commander';
import { openDataset } from '../../datasets/index.ts';
import { getLabelScheme } from '../../datasets/labelSchemes.ts';
import { inspectDataset, formatInspect } from '../../datasets/inspect.ts';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('count clips per class/subject/part and list every problem found in a dataset')
    .argument('<dataset>', 'dataset as <kind>:<path>')
    .option('--labels <scheme>', 'also show the regrouped classes of this scheme')
    .action(async (spec: string, o) => {
      const ds = await openDataset(spec);
      const report = inspectDataset(ds, o.labels ? getLabelScheme(o.labels) : undefined);
      process.stdout.write(`${formatInspect(report)}\n`);
    });
}
