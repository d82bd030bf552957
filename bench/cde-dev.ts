/**
 * `npm run bench:cde-dev` — every network recipe under the MEGC 2019 CDE
 * protocol on ../shared/data/megc2019-cde-dev (309 of the 442 composite
 * clips: SMIC-HS + CASME II), i.e.
 *   merkit evaluate --dataset flowdir:../shared/data/megc2019-cde-dev --labels megc3 --protocol cde --recipe R
 * printing UF1/UAR overall and per part next to the published numbers
 * (bench/lib/published.ts). Trained per fold on training subjects only;
 * nothing is tuned on the test folds.
 *
 *   node --import tsx bench/cde-dev.ts [--recipes ststnet,fr] [--epochs N | --epochs fr=20,emr=12]
 *        [--set emr.width=16] [--seeds N | --seeds 1,2,3] [--workers W]
 *        [--resume [--run-id ID] [--commit]]
 *
 * `--epochs` shortens training (all recipes, or per recipe) and `--set`
 * changes other recipe parameters; the output says so on the recipe's header
 * line, so a shortened run is never mistaken for the paper's.
 * `--seeds` repeats each recipe with several seeds and prints mean ± sd (the
 * FR paper reports the mean of ≥ 10 rounds).
 *
 * `--resume` keeps every finished fold in the repository, in
 * bench/runs/<recipe>/<run-id>-s<seed>/ (src/run/runStore.ts): run.json
 * (parameters, seed, data and behavioural fingerprints) and one <fold>.json
 * per finished fold. Started again with the same arguments — in a later
 * sitting, on another machine — the run reads back the finished folds and
 * trains the rest; a folder made by other parameters, data or code is refused
 * with the differences named. `--commit` commits each fold's file as it
 * finishes (paper-length runs span sittings: what is committed survives).
 * The run id defaults to `cde-dev-paper` at the recipe's settings, or names
 * the changed settings (`cde-dev-epochs20`). `npm run runs:table` rewrites the
 * README's table of runs from these folders.
 *
 * `tlcnn` runs apex-only there (CK+ pre-training + apex-face fine-tuning; the
 * dev set has no frame sequences for its LSTM stage), which its header says.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { evaluate } from '../src/run/evaluate.ts';
import { getRecipe } from '../src/recipes/index.ts';
import { defaultWorkers } from '../src/run/pool.ts';
import { silentProgress, type ProgressSink } from '../src/core/progress.ts';
import type { Results } from '../src/eval/results.ts';
import { PUBLISHED } from './lib/published.ts';
import { meanSd, runIdFor } from './lib/runs.ts';
import { argValue as arg, devSetOrSkip } from './lib/args.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const data = devSetOrSkip();
const names = (arg('--recipes') ?? Object.keys(PUBLISHED).join(',')).split(',').filter(Boolean);
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
/** `--set emr.width=16,emr.pretrainMacroEpochs=0`: other recipe parameters (numbers, true/false, or text), said in the output */
function setsFor(name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (arg('--set') ?? '').split(',').filter(Boolean)) {
    const [key, val] = kv.split('=');
    const [r, param] = key.split('.');
    if (r !== name || !param) continue;
    out[param] = val === 'true' ? true : val === 'false' ? false : Number.isFinite(Number(val)) ? Number(val) : val;
  }
  return out;
}
function seedList(): number[] {
  const v = arg('--seeds');
  if (v === undefined) return [1];
  if (v.includes(',')) return v.split(',').map(Number);
  return Array.from({ length: Number(v) }, (_, i) => i + 1);
}
const workers = Number(arg('--workers') ?? defaultWorkers());
const commit = process.argv.includes('--commit');
const resume = process.argv.includes('--resume') || commit;
const seeds = seedList();
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  console.error(`--seeds ${arg('--seeds')}: expected a count N or a list of non-negative integers`);
  process.exit(2);
}

/** `git add` + `git commit` of one run folder (only those paths); retried while another git command holds the index. */
function commitFolder(dir: string, message: string): void {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const rel = relative(ROOT, dir);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      git('add', '--', rel);
      if (!git('status', '--porcelain', '--', rel).trim()) return;
      git('commit', '-q', '-m', message, '--', rel);
      return;
    } catch (e) {
      if (attempt === 4) console.error(`note: could not commit ${rel} (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); the files stay, a later commit takes them`);
      else execFileSync('sleep', ['2']);
    }
  }
}

/** Progress that commits the run folder after every stored fold. */
function committingProgress(dir: string, label: string): ProgressSink {
  let phase = '';
  let done = 0;
  let total = 0;
  return {
    ...silentProgress,
    begin(p: string, n: number) {
      phase = p;
      done = 0;
      total = n;
    },
    tick() {
      done++;
      if (phase === 'folds') {
        console.log(`  ${label}: fold ${done} of ${total} stored`);
        if (commit) commitFolder(dir, `bench/runs: ${label}, ${done} of ${total} folds`);
      }
    },
    info: (m: string) => console.log(`  ${m}`),
  };
}

const f = (v: number | undefined) => (v === undefined ? '   —  ' : v.toFixed(4));
const parts = (r: Results) => Object.entries(r.metrics.perPart);

for (const name of names) {
  const defaults = (await getRecipe(name)).params;
  const paperEpochs = defaults['epochs'];
  const epochs = epochsFor(name);
  const sets = setsFor(name);
  const pub = PUBLISHED[name] ?? { source: '(no published numbers)' };
  const fixed = pub.fixed;
  const params: Record<string, unknown> = { ...(fixed?.params ?? {}), ...sets, ...(epochs !== undefined ? { epochs } : {}) };
  let note = epochs !== undefined && typeof paperEpochs === 'number' && epochs < paperEpochs ? ` — SHORTENED: ${epochs} epochs < the recipe's ${paperEpochs}; not comparable to the published numbers` : '';
  for (const [k, v] of Object.entries(fixed?.params ?? {})) note += ` — FIXED: ${k} ${String(v)} (${fixed!.why})`;
  for (const [k, v] of Object.entries(sets)) note += ` — CHANGED: ${k} ${String(v)} (recipe default ${String(defaults[k])})`;
  const runs: Results[] = [];
  for (const seed of seeds) {
    const runId = `${arg('--run-id') ?? runIdFor(params, fixed?.params ?? {})}-s${seed}`;
    const runDir = resume ? join(ROOT, 'bench', 'runs', name, runId) : undefined;
    console.log(`\n${name} · cde · megc3 · seed ${seed} · ${workers} worker(s)${note}${runDir ? ` · folds kept in ${relative(ROOT, runDir)}` : ''}`);
    const r = await evaluate({
      dataset: `flowdir:${data}`,
      labels: 'megc3',
      recipe: name,
      recipeParams: params,
      protocol: 'cde',
      workers,
      seed,
      runDir,
      runRoot: ROOT,
      progress: runDir ? committingProgress(runDir, `${name} ${runId}`) : silentProgress,
    });
    runs.push(r);
    console.log('part        n   UF1     UAR     | published UF1   UAR');
    const row = (label: string, m: { n: number; uf1: number; uar: number }, p?: [number, number]) =>
      console.log(`${label.padEnd(9)} ${String(m.n).padStart(4)}  ${f(m.uf1)}  ${f(m.uar)}  |          ${f(p?.[0])}  ${f(p?.[1])}`);
    row('overall', r.metrics, undefined);
    for (const [part, m] of parts(r)) row(part, m, (pub as unknown as Record<string, [number, number] | undefined>)[part]);
    const resumed = r.timing.cachedFolds ? ` (${r.timing.cachedFolds} of the folds read back from the run folder or cache)` : '';
    console.log(`published overall (all 442 clips incl. SAMM): UF1 ${f(pub.overall?.[0])} UAR ${f(pub.overall?.[1])} — ${pub.source}; train ${r.timing.trainSeconds?.toFixed(0)} s${resumed}`);
  }
  if (runs.length > 1) {
    const ms = (xs: number[]) => meanSd(xs);
    console.log(`\n${name}: mean ± sd over ${runs.length} seeds (${seeds.join(', ')})`);
    const line = (label: string, get: (r: Results) => { uf1: number; uar: number } | undefined) => {
      const xs = runs.map(get).filter((m): m is { uf1: number; uar: number } => m !== undefined);
      const u = ms(xs.map((m) => m.uf1));
      const a = ms(xs.map((m) => m.uar));
      console.log(`${label.padEnd(9)} UF1 ${u.mean.toFixed(4)} ± ${u.sd.toFixed(4)}   UAR ${a.mean.toFixed(4)} ± ${a.sd.toFixed(4)}`);
    };
    line('overall', (r) => r.metrics);
    for (const [part] of parts(runs[0])) line(part, (r) => r.metrics.perPart[part]);
  }
}
