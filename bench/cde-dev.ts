/**
 * `npm run bench:cde-dev` — every network recipe under the MEGC 2019 CDE
 * protocol on ../shared/data/megc2019-cde-dev (309 of the 442 composite
 * clips: SMIC-HS + CASME II), i.e.
 *   merkit evaluate --dataset flowdir:../shared/data/megc2019-cde-dev --labels megc3 --protocol cde --recipe R
 * printing UF1/UAR overall and per part next to the published numbers
 * (../shared/data/README.md). Trained per fold on training subjects only;
 * nothing is tuned on the test folds.
 *
 *   node --import tsx bench/cde-dev.ts [--epochs N | --epochs fr=20,emr=12] [--set emr.width=16]
 *                                      [--recipes ststnet,fr] [--workers W] [--resume]
 *
 * `--epochs` shortens training (all recipes, or per recipe) and `--set`
 * changes other numeric recipe parameters; the output says so on the
 * recipe's header line, so a shortened run is never mistaken for the paper's.
 * `--resume` keeps each finished fold in a cache folder named after the git
 * commit, so a run longer than one sitting (OFF-ApexNet and EMR at the
 * papers' settings take 15–24 core-hours) can be killed and started again
 * with the same arguments: finished folds are read back, the rest computed.
 * Only a clean checkout may resume (the folder is per commit): folds of
 * different code are never mixed. The output says how many folds came back.
 * `tlcnn` runs apex-only there (CK+ pre-training + apex-face fine-tuning; the
 * dev set has no frame sequences for its LSTM stage), which its header says.
 * Colleagues: add your recipe to RECIPES with its published numbers.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { evaluate } from '../src/run/evaluate.ts';
import { getRecipe } from '../src/recipes/index.ts';
import { defaultWorkers } from '../src/run/pool.ts';
import { defaultCacheDir } from '../src/run/cache.ts';
import { execFileSync } from 'node:child_process';

interface Published {
  overall?: [number, number];
  smic?: [number, number];
  casme2?: [number, number];
  /** where the numbers come from */
  source: string;
  /** parameters this data set forces on the recipe, with the reason (printed) */
  fixed?: { params: Record<string, unknown>; why: string };
}

/** recipe → published UF1/UAR (MEGC 2019 composite, ../shared/data/README.md); the dev set lacks SAMM */
const RECIPES: Record<string, Published> = {
  ststnet: { overall: [0.7353, 0.7605], smic: [0.6801, 0.7013], casme2: [0.8382, 0.8686], source: 'Liong et al., FG 2019' },
  'off-apexnet': { overall: [0.7196, 0.7096], source: 'Gan et al. 2019, as reported in the MEGC 2019 composite comparisons' },
  'dual-inception': { overall: [0.7322, 0.7278], source: 'Zhou et al., FG 2019' },
  fr: { overall: [0.7838, 0.7832], smic: [0.7011, 0.7083], casme2: [0.8915, 0.8873], source: 'Zhou et al., FR (CDE setting)' },
  emr: { overall: [0.7885, 0.7824], smic: [0.7461, 0.753], casme2: [0.8293, 0.8209], source: 'Liu et al., FG 2019 (Part + Adversarial + EMR)' },
  tlcnn: {
    source: 'Wang et al., Neurocomputing 2018 report CASME II and SMIC separately, not the composite',
    fixed: { params: { apexOnly: true }, why: 'the dev set has the apex face but no frame sequence: CK+ pre-training + apex fine-tuning only, no LSTM stage' },
  },
};

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const data = join(HERE, '..', '..', 'shared', 'data', 'megc2019-cde-dev');
if (!existsSync(data)) {
  console.log(`skipped: ${data} is absent (licensed data is read from ../shared/data)`);
  process.exit(0);
}
const names = (arg('--recipes') ?? Object.keys(RECIPES).join(',')).split(',').filter(Boolean);
/** `--epochs N` (every recipe) or `--epochs fr=20,emr=12` (per recipe) */
function epochsFor(name: string): number | undefined {
  const v = arg('--epochs');
  if (v === undefined) return undefined;
  if (!v.includes('=')) return Number(v);
  for (const kv of v.split(',')) {
    const [k, n] = kv.split('=');
    if (k === name) return Number(n);
  }
  return undefined;
}
/** `--set emr.width=16,emr.pretrainMacroEpochs=0`: other recipe parameters (numbers), said in the output */
function setsFor(name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of (arg('--set') ?? '').split(',').filter(Boolean)) {
    const [key, val] = kv.split('=');
    const [r, param] = key.split('.');
    if (r === name && param) out[param] = Number(val);
  }
  return out;
}
const workers = Number(arg('--workers') ?? defaultWorkers());

/** `--resume`: the fold cache of this commit (refused on a modified checkout: folds of other code must not mix in) */
function resumeCache(): string | false {
  if (!process.argv.includes('--resume')) return false;
  const git = (...a: string[]) => execFileSync('git', a, { cwd: join(HERE, '..'), encoding: 'utf8' }).trim();
  let commit: string;
  let dirty: string;
  try {
    commit = git('rev-parse', 'HEAD');
    dirty = git('status', '--porcelain', '--untracked-files=no');
  } catch {
    console.error('--resume needs a git checkout (the cache folder is named after the commit)');
    process.exit(2);
  }
  if (dirty) {
    console.error(`--resume refused: tracked files differ from commit ${commit.slice(0, 10)}; commit them (or stash) first, so that resumed folds all come from one version of the code:\n${dirty}`);
    process.exit(2);
  }
  const dir = join(defaultCacheDir(), 'bench-cde-dev', commit);
  console.log(`resumable: finished folds are kept in ${dir}`);
  return dir;
}
const cache = resumeCache();
const f = (v: number | undefined) => (v === undefined ? '   —  ' : v.toFixed(4));

for (const name of names) {
  const defaults = (await getRecipe(name)).params;
  const paperEpochs = defaults['epochs'];
  const epochs = epochsFor(name);
  const sets = setsFor(name);
  const fixed = RECIPES[name]?.fixed;
  const params = { ...(fixed?.params ?? {}), ...sets, ...(epochs !== undefined ? { epochs } : {}) };
  let note = epochs !== undefined && typeof paperEpochs === 'number' && epochs < paperEpochs ? ` — SHORTENED: ${epochs} epochs < the recipe's ${paperEpochs}; not comparable to the published numbers` : '';
  for (const [k, v] of Object.entries(fixed?.params ?? {})) note += ` — FIXED: ${k} ${String(v)} (${fixed!.why})`;
  for (const [k, v] of Object.entries(sets)) note += ` — CHANGED: ${k} ${v} (recipe default ${String(defaults[k])})`;
  console.log(`\n${name} · cde · megc3 · ${workers} worker(s)${note}`);
  const r = await evaluate({ dataset: `flowdir:${data}`, labels: 'megc3', recipe: name, recipeParams: params, protocol: 'cde', workers, cache });
  const pub = RECIPES[name] ?? { source: '(no published numbers)' };
  console.log('part        n   UF1     UAR     | published UF1   UAR');
  const row = (label: string, m: { n: number; uf1: number; uar: number }, p?: [number, number]) =>
    console.log(`${label.padEnd(9)} ${String(m.n).padStart(4)}  ${f(m.uf1)}  ${f(m.uar)}  |          ${f(p?.[0])}  ${f(p?.[1])}`);
  row('overall', r.metrics, undefined);
  for (const [part, m] of Object.entries(r.metrics.perPart)) row(part, m, (pub as unknown as Record<string, [number, number] | undefined>)[part]);
  const resumed = r.timing.cachedFolds ? ` (${r.timing.cachedFolds} of the folds read back from an earlier run of this commit)` : '';
  console.log(`published overall (all 442 clips incl. SAMM): UF1 ${f(pub.overall?.[0])} UAR ${f(pub.overall?.[1])} — ${pub.source}; train ${r.timing.trainSeconds?.toFixed(0)} s${resumed}`);
}
