/**
 * `npm run runs:table` — rewrite the README's table of stored runs from
 * bench/runs (bench/lib/runs.ts). `--check` only says whether it is current
 * (exit 1 when not).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { runsTable, updateReadme, withTable } from './lib/runs.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = join(ROOT, 'README.md');
const runs = join(ROOT, 'bench', 'runs');
if (process.argv.includes('--check')) {
  const text = await readFile(readme, 'utf8');
  const current = withTable(text, await runsTable(runs)) === text;
  console.log(current ? 'README run table is current' : 'README run table is out of date: run `npm run runs:table`');
  process.exit(current ? 0 : 1);
}
console.log((await updateReadme(readme, runs)) ? 'README run table rewritten' : 'README run table already current');
