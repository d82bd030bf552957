import type { Command } from 'commander';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('count clips per class/subject/part and list every problem found in a dataset')
    .argument('<dataset>', 'dataset as <kind>:<path>')
    .option('--labels <scheme>', 'also show the regrouped classes of this scheme')
    .option('--json', 'print the counts and problems as JSON on stdout')
    .action(async (spec: string, o) => {
      const [{ openDataset }, { getLabelScheme }, { inspectDataset, formatInspect }] = await Promise.all([
        import('../../datasets/index.ts'),
        import('../../datasets/labelSchemes.ts'),
        import('../../datasets/inspect.ts'),
      ]);
      const ds = await openDataset(spec);
      const report = inspectDataset(ds, o.labels ? getLabelScheme(o.labels) : undefined);
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspect(report)}\n`);
    });
}
