/**
 * `npm run runs:verify` — which stored runs (bench/runs/<recipe>/<run-id>)
 * can this code continue? For each unfinished run (or every run with
 * `--all`), the dataset is read and featurised again, and the data hash and
 * the behavioural fingerprint (src/run/fingerprint.ts) are recomputed and
 * compared with run.json. A code change that moves a training number shows
 * up here before any fold is trained. Exit 1 when a run would be refused.
 *
 *   node --import tsx bench/runs-verify.ts [--all] [--recipes fr,dual-inception]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { clipKey, subjectKey } from '../src/core/clip.ts';
import { openDataset } from '../src/datasets/index.ts';
import { applyLabels, getLabelScheme } from '../src/datasets/labelSchemes.ts';
import { makeFolds, parseProtocol } from '../src/eval/protocols.ts';
import { getRecipe } from '../src/recipes/index.ts';
import { behaviourFingerprint, dataFingerprint, type FingerprintRow } from '../src/run/fingerprint.ts';
import { listRuns, readRun } from '../src/run/runStore.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const only = arg('--recipes')?.split(',');
let refused = 0;
for (const dir of await listRuns(join(ROOT, 'bench', 'runs'))) {
  const run = await readRun(dir);
  const m = run.manifest;
  const name = dir.slice(ROOT.length + 1);
  if (only && !only.includes(m.recipe)) continue;
  if (!process.argv.includes('--all') && run.folds.length === m.folds.length) {
    console.log(`${name}: complete (${m.folds.length} folds), not checked (--all checks it too)`);
    continue;
  }
  const spec = m.dataset.replace(/^(\w+):(?!\/)/, (_, kind: string) => `${kind}:${ROOT}/`);
  const path = spec.slice(spec.indexOf(':') + 1);
  if (!existsSync(resolve(path))) {
    console.log(`${name}: skipped, its dataset ${m.dataset} is absent here`);
    continue;
  }
  const params = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, typeof v === 'string' && /^\.\.?\//.test(v) ? resolve(ROOT, v) : v]));
  const recipe = await getRecipe(m.recipe, params);
  const ds = applyLabels(await openDataset(spec), getLabelScheme(m.labels));
  const rows: FingerprintRow[] = [];
  for (const c of ds.clips) rows.push({ key: clipKey(c), subject: subjectKey(c), y: c.y, x: await recipe.extract(c) });
  const folds = makeFolds(parseProtocol(m.protocol), ds.clips, m.seed);
  const data = dataFingerprint(rows, ds.classes, folds);
  const behaviour = await behaviourFingerprint(m.recipe, recipe.params, rows, ds.classes, m.seed);
  const ok = data === m.dataHash && behaviour.hash === m.behaviourHash;
  if (!ok) refused++;
  console.log(`${name}: ${ok ? 'this code continues it' : 'REFUSED'} (${run.folds.length} of ${m.folds.length} folds; data ${data === m.dataHash ? 'same' : 'differs'}, behaviour ${behaviour.hash === m.behaviourHash ? 'same' : 'differs'})`);
}
process.exit(refused > 0 ? 1 : 0);
