/**
 * `npm run bench:train-speed` — STSTNet training speed, merkit vs PyTorch,
 * in the authors' setting (batch 256, Adam 5e-5, BGR 0–255 flow images),
 * LOSO over the subjects of ../shared/data/megc2019-cde-dev (40 subjects,
 * 309 clips), fewer epochs per fold than the paper's 800:
 *
 *   node --import tsx bench/train-speed.ts [--epochs 50] [--folds 40]
 *
 * Prints seconds per fold-epoch for merkit (tfjs wasm, one thread) and, when
 * `python3 -c 'import torch'` works (Debian python3-torch), for PyTorch with
 * torch.set_num_threads(1) (bench/train_speed_torch.py, same pixels), the
 * extrapolated time of the full 800-epoch LOSO for both, and the ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '../src/datasets/index.ts';
import { subjectKey } from '../src/core/clip.ts';
import { initBackend } from '../src/nets/backend.ts';
import { STSTNET_INPUT_SIZE, ststnetNetwork } from '../src/nets/ststnet.ts';
import { trainNetwork } from '../src/nets/train.ts';
import { STSTNET_PAPER } from '../src/recipes/ststnet.ts';
import { readFlowBgr } from '../src/stages/flowInput.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const epochs = Number(arg('--epochs', '50'));
const foldLimit = Number(arg('--folds', '0'));
const data = join(HERE, '..', '..', 'shared', 'data', 'megc2019-cde-dev');
const CLASSES = ['negative', 'positive', 'surprise'];
const ROW = 28 * 28 * 3;

const ds = await openDataset(`flowdir:${data}`).catch((e) => {
  console.log(`skipped: ${data} is not readable (${(e as Error).message})`);
  process.exit(0);
});
const clips = ds.clips.filter((c) => CLASSES.includes(c.emotion ?? ''));
const x = new Float32Array(clips.length * ROW);
for (const [i, c] of clips.entries()) {
  if (c.source.kind !== 'flow') throw new Error('expected flow clips');
  x.set(await readFlowBgr(c.source.file, c.clip, STSTNET_INPUT_SIZE), i * ROW);
}
const y = Int32Array.from(clips, (c) => CLASSES.indexOf(c.emotion as string));
const subjects = clips.map((c) => subjectKey(c));
let folds = [...new Set(subjects)].sort();
if (foldLimit > 0) folds = folds.slice(0, foldLimit);
console.log(`STSTNet LOSO on ${clips.length} clips / ${new Set(subjects).size} subjects: ${folds.length} fold(s) × ${epochs} epochs (paper: ${STSTNET_PAPER.epochs}), batch ${STSTNET_PAPER.batchSize}, Adam ${STSTNET_PAPER.lr}`);

const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
console.log(`load average (1, 5, 15 min) before: ${load()}`);
await initBackend({ backend: 'wasm' });
const perFoldEpoch: number[] = [];
const tAll = performance.now();
const cpu0 = process.cpuUsage();
for (const [k, s] of folds.entries()) {
  const idx = subjects.flatMap((t, i) => (t === s ? [] : [i]));
  const xt = new Float32Array(idx.length * ROW);
  idx.forEach((i, j) => xt.set(x.subarray(i * ROW, (i + 1) * ROW), j * ROW));
  const net = ststnetNetwork({ classes: 3, seed: k });
  const r = await trainNetwork(
    net,
    { x: xt, y: Int32Array.from(idx, (i) => y[i]), subjects: idx.map((i) => subjects[i]) },
    { epochs, batchSize: STSTNET_PAPER.batchSize, seed: k, optimizer: { kind: 'adam', lr: STSTNET_PAPER.lr } },
  );
  perFoldEpoch.push(r.secondsPerEpoch);
  net.dispose();
}
const cpuUsed = process.cpuUsage(cpu0);
/** CPU seconds per fold-epoch: robust to other processes sharing the cores */
const merkitCpu = (cpuUsed.user + cpuUsed.system) / 1e6 / (folds.length * epochs);
const merkit = perFoldEpoch.reduce((a, b) => a + b, 0) / perFoldEpoch.length;
const allFolds = new Set(subjects).size;
const full = (s: number) => (s * STSTNET_PAPER.epochs * allFolds) / 60;
console.log(`merkit  (tfjs wasm, 1 thread): ${merkit.toFixed(4)} s per fold-epoch (CPU ${merkitCpu.toFixed(4)} s) · ${((performance.now() - tAll) / 1000).toFixed(1)} s measured · full ${STSTNET_PAPER.epochs}-epoch LOSO ≈ ${full(merkit).toFixed(1)} min`);

// Debian's python3-torch lives under /usr/bin/python3, which a pyenv/venv `python3` may shadow
const python = [process.env.MERKIT_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
if (!python) {
  console.log('PyTorch: not installed (apt-get install python3-torch) — no ratio; the issue quotes ≈ 0.086 s/epoch for 442 clips on one core');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-train-speed-'));
  try {
    writeFileSync(join(dir, 'x.f32'), new Uint8Array(x.buffer));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ y: Array.from(y), subjects }));
    const r = spawnSync(python, [join(HERE, 'train_speed_torch.py'), '--data', join(dir, 'x.f32'), '--meta', join(dir, 'meta.json'), '--epochs', String(epochs), '--folds', String(folds.length)], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    if (r.status !== 0) throw new Error(`train_speed_torch.py failed: ${r.stderr}`);
    const t = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { torch: string; secondsPerFoldEpoch: number; cpuSecondsPerFoldEpoch: number; totalSeconds: number };
    console.log(`PyTorch ${t.torch} (1 thread):   ${t.secondsPerFoldEpoch.toFixed(4)} s per fold-epoch (CPU ${t.cpuSecondsPerFoldEpoch.toFixed(4)} s) · ${t.totalSeconds.toFixed(1)} s measured · full ${STSTNET_PAPER.epochs}-epoch LOSO ≈ ${full(t.secondsPerFoldEpoch).toFixed(1)} min`);
    console.log(`ratio merkit / PyTorch: ${(merkit / t.secondsPerFoldEpoch).toFixed(2)}× wall, ${(merkitCpu / t.cpuSecondsPerFoldEpoch).toFixed(2)}× CPU time (target ≤ 1.0×)`);
    console.log(`load average (1, 5, 15 min) after: ${load()} (wall times count waiting for a core; CPU time does not)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
