/**
 * `npm run bench:train-fidelity` — does merkit TRAIN STSTNet as well as
 * PyTorch does? Both train the same LOSO folds of
 * ../shared/data/megc2019-cde-dev (309 clips, 40 subjects, megc3) at the
 * authors' settings, each with several seeds, and the bench prints mean ± sd
 * over seeds of UF1 / UAR, overall and per part (CASME II, SMIC).
 *
 * - merkit: the `ststnet` recipe's fold job (src/run/tasks.ts), so a seed's
 *   fold gives bit for bit what `merkit evaluate --recipe ststnet --protocol
 *   cde --seed S` gives for that fold; W worker threads.
 * - PyTorch: bench/train_fidelity_torch.py (Debian python3-torch, W
 *   processes of one thread), written after the authors' main.py: default
 *   init, Adam, a DataLoader without shuffling over class-grouped images,
 *   last epoch kept, cv2 BGR 0–255 input. Skipped, saying so, without torch.
 *
 *   node --import tsx bench/train-fidelity.ts [--seeds 1,2,3] [--subjects smic/s03,casme2/sub17 | --subset 8]
 *        [--epochs 800] [--workers 2] [--only merkit|torch] [--set init=glorot,batchOrder=shuffle]
 *        [--torch-order class|csv|shuffle] [--torch-init torch|glorot] [--out DIR] [--report DIR] [--merkit-run RUN]
 *
 * `--subset 8`: the 4 largest subjects of each part (fixed by clip count,
 * never by results) for ablations. `--set` changes merkit recipe parameters
 * and `--torch-*` the PyTorch script's (one difference at a time). `--out DIR`
 * appends every finished fold to DIR/merkit.jsonl and DIR/torch.jsonl as it
 * comes, and a run with the same DIR skips the (seed, fold) pairs already
 * there — so a long run can be stopped and resumed, or grown seed by seed
 * (use the same settings for one DIR); `--report DIR` only scores what DIR
 * holds (no training).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clipKey, subjectKey } from '../src/core/clip.ts';
import { applyLabels, getLabelScheme } from '../src/datasets/labelSchemes.ts';
import { openDataset } from '../src/datasets/index.ts';
import { computeMetrics } from '../src/eval/metrics.ts';
import { losoFolds } from '../src/eval/protocols.ts';
import { getRecipe } from '../src/recipes/index.ts';
import { createLocalExecutor } from '../src/run/pool.ts';
import type { FoldTask } from '../src/run/tasks.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, dflt?: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const data = join(HERE, '..', '..', 'shared', 'data', 'megc2019-cde-dev');

/** one fold of one seed: the test clips' ids and predicted class indices */
interface FoldOut {
  seed: number;
  subject: string;
  ids: string[];
  pred: number[];
  /** the last epoch's mean training loss (a less noisy sign of the same training than UF1) */
  loss?: number;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');

if (!existsSync(join(data, 'labels.csv'))) {
  console.log(`skipped: ${data} is absent (licensed data is read from ../shared/data)`);
  process.exit(0);
}
const ds = applyLabels(await openDataset(`flowdir:${data}`), getLabelScheme('megc3'));
const classes = ds.classes;
const truth = new Map(ds.clips.map((c) => [clipKey(c), c.y]));
const allSubjects = [...new Set(ds.clips.map((c) => subjectKey(c)))].sort();

/** the 4 subjects with most clips in each part (ties by name): a fixed, result-blind ablation subset */
function largestPerPart(perPart: number): string[] {
  const count = new Map<string, number>();
  for (const c of ds.clips) count.set(subjectKey(c), (count.get(subjectKey(c)) ?? 0) + 1);
  const parts = [...new Set(ds.clips.map((c) => c.dataset))].sort();
  return parts.flatMap((p) =>
    allSubjects
      .filter((s) => s.startsWith(`${p}/`))
      .sort((a, b) => (count.get(b) as number) - (count.get(a) as number) || a.localeCompare(b))
      .slice(0, perPart),
  );
}

const subjects = arg('--subjects') ? (arg('--subjects') as string).split(',') : arg('--subset') ? largestPerPart(Number(arg('--subset')) / 2) : allSubjects;
for (const s of subjects) if (!allSubjects.includes(s)) throw new Error(`unknown subject ${s}; keys look like ${allSubjects[0]}`);
const seeds = (arg('--seeds', '1,2,3') as string).split(',').map(Number);
const epochs = Number(arg('--epochs', String((await getRecipe('ststnet')).params['epochs'])));
const workers = Number(arg('--workers', '2'));
const only = arg('--only');
const sets: Record<string, unknown> = {};
for (const kv of (arg('--set') ?? '').split(',').filter(Boolean)) {
  const [k, v] = kv.split('=');
  sets[k] = Number.isFinite(Number(v)) ? Number(v) : v;
}
const torchOrder = arg('--torch-order', 'class') as string;
const torchInit = arg('--torch-init', 'torch') as string;
const outDir = arg('--out') ?? arg('--report');

function record(file: string | undefined, f: FoldOut): void {
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}

/** folds already in `file` (a resumed --out run): "seed/subject" */
function doneIn(file: string | undefined): Set<string> {
  return new Set(readJsonl(file ?? '').map((f) => `${f.seed}/${f.subject}`));
}

async function runMerkit(file?: string): Promise<FoldOut[]> {
  const recipe = await getRecipe('ststnet', { epochs, ...sets });
  const rows = await Promise.all(ds.clips.map(async (c) => ({ clip: c, x: await recipe.extract(c) })));
  const folds = losoFolds(ds.clips).filter((f) => subjects.includes(f.name));
  const ex = createLocalExecutor(workers);
  const out: FoldOut[] = readJsonl(file ?? '');
  const done = doneIn(file);
  try {
    const jobs = seeds.flatMap((seed) =>
      folds.filter((fold) => !done.has(`${seed}/${fold.name}`)).map(async (fold) => {
        const task: FoldTask = {
          type: 'fold',
          recipe: 'ststnet',
          recipeParams: { ...recipe.params },
          foldName: fold.name,
          seed,
          classes: [...classes],
          trainX: fold.train.map((i) => rows[i].x),
          trainY: fold.train.map((i) => rows[i].clip.y),
          trainIds: fold.train.map((i) => clipKey(rows[i].clip)),
          trainSubjects: fold.train.map((i) => subjectKey(rows[i].clip)),
          testX: fold.test.map((i) => rows[i].x),
          testSubjects: [fold.name],
        };
        const r = await ex.run(task);
        const loss = r.info?.['finalLoss'];
        const f: FoldOut = { seed, subject: fold.name, ids: fold.test.map((i) => clipKey(rows[i].clip)), pred: r.predictions.map((p) => p.pred), loss: typeof loss === 'number' ? loss : undefined };
        record(file, f);
        out.push(f);
      }),
    );
    await Promise.all(jobs);
  } finally {
    await ex.close();
  }
  return out;
}

function findTorchPython(): string | undefined {
  // Debian's python3-torch lives under /usr/bin/python3, which a pyenv/venv `python3` may shadow
  return [process.env.MERKIT_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch, cv2'], { stdio: 'ignore' }).status === 0);
}

async function runTorch(python: string, file?: string): Promise<FoldOut[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'merkit-fidelity-'));
  const out: FoldOut[] = readJsonl(file ?? '');
  const done = doneIn(file);
  try {
    // the same row order as merkit's dataset (so 'class' order groups the same rows)
    writeFileSync(join(tmp, 'ids.txt'), ds.clips.map((c) => clipKey(c)).join('\n'));
    // one call per seed, for the folds not yet in `file`
    for (const seed of seeds) await torchSeed(python, seed, subjects.filter((s) => !done.has(`${seed}/${s}`)), join(tmp, 'ids.txt'), out, file);
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function torchSeed(python: string, seed: number, todo: string[], ids: string, out: FoldOut[], file?: string): Promise<void> {
  if (todo.length === 0) return;
  const args = [join(HERE, 'train_fidelity_torch.py'), '--data', data, '--ids', ids, '--subjects', todo.join(','), '--seeds', String(seed), '--epochs', String(epochs), '--jobs', String(workers), '--order', torchOrder, '--init', torchInit];
  const child = spawn(python, args, { env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout })) {
    const j = JSON.parse(line) as Partial<FoldOut> & { torch?: string };
    if (j.torch) console.log(`PyTorch ${j.torch}, seed ${seed}: ${workers} process(es) of one thread, order ${torchOrder}, init ${torchInit}`);
    if (j.ids) {
      record(file, j as FoldOut);
      out.push(j as FoldOut);
    }
  }
  const code: number = await new Promise((res) => (child.exitCode !== null ? res(child.exitCode) : child.on('close', (c) => res(c ?? 1))));
  if (code !== 0) throw new Error(`train_fidelity_torch.py exited with ${code}`);
}

/** merkit's folds from a run folder (src/run/runStore.ts layout), checked against this bench's recipe parameters */
async function merkitFromRun(dir: string): Promise<FoldOut[]> {
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { recipe: string; params: Record<string, unknown>; seed: number; protocol: string };
  const want = (await getRecipe('ststnet', { epochs, ...sets })).params;
  const diff = Object.keys({ ...want, ...run.params }).filter((k) => JSON.stringify(want[k]) !== JSON.stringify(run.params[k]));
  if (run.recipe !== 'ststnet' || !['cde', 'loso'].includes(run.protocol) || diff.length) {
    throw new Error(`--merkit-run ${dir}: recipe ${run.recipe}, protocol ${run.protocol}${diff.map((k) => `, ${k} ${JSON.stringify(run.params[k])} (this bench: ${JSON.stringify(want[k])})`).join('')}`);
  }
  const out: FoldOut[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'run.json')) {
    const f = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { fold: string; seed: number; info?: { finalLoss?: number }; predictions: { dataset: string; subject: string; clip: string; pred: string }[] };
    if (!subjects.includes(f.fold)) continue;
    const ids = f.predictions.map((p) => `${p.dataset}/${p.subject}/${p.clip}`);
    const pred = f.predictions.map((p) => classes.indexOf(p.pred));
    out.push({ seed: f.seed, subject: f.fold, ids, pred, loss: f.info?.finalLoss });
  }
  console.log(`merkit: ${out.length} fold(s) of seed ${run.seed} from ${dir}`);
  return out;
}

function readJsonl(file: string): FoldOut[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FoldOut) : [];
}

const meanSd = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return { m, sd };
};

/** per seed: UF1/UAR overall and per part over the pooled folds of that seed; then mean ± sd over seeds */
function summarise(name: string, folds: FoldOut[]): Record<string, { uf1: number[]; uar: number[] }> {
  const bySeed = new Map<number, FoldOut[]>();
  for (const f of folds) bySeed.set(f.seed, [...(bySeed.get(f.seed) ?? []), f]);
  const acc: Record<string, { uf1: number[]; uar: number[] }> = {};
  const add = (k: string, y: number[], p: number[]) => {
    if (y.length === 0) return;
    const m = computeMetrics(y, p, classes);
    (acc[k] ??= { uf1: [], uar: [] }).uf1.push(m.uf1);
    acc[k].uar.push(m.uar);
  };
  const complete: number[] = [];
  for (const [seed, fs] of [...bySeed.entries()].sort((a, b) => a[0] - b[0])) {
    const done = new Set(fs.map((f) => f.subject));
    if (!subjects.every((s) => done.has(s))) continue; // only seeds with every requested fold
    complete.push(seed);
    const items = fs.filter((f) => subjects.includes(f.subject)).flatMap((f) => f.ids.map((id, k) => ({ id, y: truth.get(id) as number, p: f.pred[k] })));
    add('overall', items.map((i) => i.y), items.map((i) => i.p));
    for (const part of ['casme2', 'smic']) {
      const it = items.filter((i) => i.id.startsWith(`${part}/`));
      add(part, it.map((i) => i.y), it.map((i) => i.p));
    }
  }
  const line = (k: string) => {
    const a = acc[k];
    if (!a) return '';
    const u = meanSd(a.uf1);
    const r = meanSd(a.uar);
    return `${k.padEnd(8)} UF1 ${u.m.toFixed(4)} ± ${u.sd.toFixed(4)}  UAR ${r.m.toFixed(4)} ± ${r.sd.toFixed(4)}  (per seed UF1 ${a.uf1.map((x) => x.toFixed(4)).join(', ')})`;
  };
  console.log(`\n${name}: seeds ${complete.join(', ') || '(none complete)'}`);
  for (const k of ['overall', 'casme2', 'smic']) if (acc[k]) console.log(`  ${line(k)}`);
  const losses = folds.filter((f) => complete.includes(f.seed) && subjects.includes(f.subject) && typeof f.loss === 'number').map((f) => f.loss as number);
  if (losses.length) {
    const l = meanSd(losses);
    console.log(`  final training loss (last epoch, mean over ${losses.length} fold runs): ${l.m.toFixed(4)} ± ${l.sd.toFixed(4)}`);
  }
  return acc;
}

console.log(`STSTNet training fidelity: ${subjects.length} of ${allSubjects.length} LOSO folds${subjects.length < allSubjects.length ? ` (${subjects.join(', ')})` : ''}, seeds ${seeds.join(', ')}, ${epochs} epochs`);
console.log(`load average (1, 5, 15 min) before: ${load()}`);
let merkit: FoldOut[] = [];
let torch: FoldOut[] = [];
if (arg('--report')) {
  // the stored run's seed beside the seeds DIR holds (a seed both hold counts once, from the run)
  const fromRun = arg('--merkit-run') ? await merkitFromRun(arg('--merkit-run') as string) : [];
  const runSeeds = new Set(fromRun.map((f) => f.seed));
  merkit = [...fromRun, ...readJsonl(join(outDir as string, 'merkit.jsonl')).filter((f) => !runSeeds.has(f.seed))];
  torch = readJsonl(join(outDir as string, 'torch.jsonl'));
} else {
  if (outDir) mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  if (arg('--merkit-run')) merkit = await merkitFromRun(arg('--merkit-run') as string);
  else if (only !== 'torch') {
    const sets_ = Object.entries(sets).map(([k, v]) => `${k} ${String(v)}`).join(', ');
    console.log(`merkit: ststnet recipe${sets_ ? ` with ${sets_}` : ' (defaults)'}, ${workers} worker(s)`);
    merkit = await runMerkit(outDir ? join(outDir, 'merkit.jsonl') : undefined);
    console.log(`merkit: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (only !== 'merkit') {
    const python = findTorchPython();
    if (!python) console.log('PyTorch: skipped — no python3 with torch and cv2 (apt-get install python3-torch python3-opencv)');
    else {
      const t1 = performance.now();
      torch = await runTorch(python, outDir ? join(outDir, 'torch.jsonl') : undefined);
      console.log(`PyTorch: ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    }
  }
}
const a = merkit.length ? summarise('merkit', merkit) : undefined;
const b = torch.length ? summarise('PyTorch', torch) : undefined;
if (a?.overall && b?.overall) {
  const d = meanSd(a.overall.uf1).m - meanSd(b.overall.uf1).m;
  console.log(`\nmerkit − PyTorch, mean UF1 overall: ${d >= 0 ? '+' : ''}${d.toFixed(4)} (target: within ±0.01)`);
}
console.log(`load average (1, 5, 15 min) after: ${load()}`);
