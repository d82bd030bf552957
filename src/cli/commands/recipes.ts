import type { Command } from 'commander';

export function registerRecipesCommand(program: Command): void {
  program
    .command('recipes')
    .description('list the recipes with the paper each reproduces')
    .option('--json', 'machine-readable output (with each parameter\'s declaration: type, default, source)')
    .action(async (o) => {
      const { listRecipes } = await import('../../recipes/index.ts');
      const rs = await listRecipes();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rs.map((r) => ({ name: r.name, title: r.title, paper: r.paper, accepts: r.accepts, defaultProtocol: r.defaultProtocol, params: r.params, paramSpecs: r.paramSpecs })), null, 2)}\n`);
        return;
      }
      for (const r of rs) {
        process.stdout.write(`${r.name.padEnd(16)} ${r.title}\n`);
        process.stdout.write(`${''.padEnd(16)} reads: ${r.accepts.join(', ')}; default protocol: ${r.defaultProtocol}\n`);
        if (r.paper) process.stdout.write(`${''.padEnd(16)} paper: ${r.paper.citation}\n`);
        if (r.paper?.settings) process.stdout.write(`${''.padEnd(16)} settings: ${r.paper.settings}\n`);
      }
    });
}
