/**
 * `npm run bench:net-steps` — one training step (forward, backward, the
 * recipe's update: optimiser, and for EMR its lr groups, gradient clipping
 * and weight decay) of each network merkit trains, at its recipe's
 * batch size, on random inputs of the recipe's shape, on the wasm backend,
 * side by side with the same step in PyTorch (bench/net_steps_torch.py, one
 * CPU thread: Debian's python3-torch; skipped, saying why, where it is
 * missing). The PyTorch model has the same layers; the bench refuses to
 * compare when the trainable parameter counts differ.
 *
 * Both sides run in this one process tree, interleaved step by step (merkit,
 * PyTorch, PyTorch, merkit, … — the order alternates every round), so both
 * see the same background load; each side's time is the median over the
 * rounds, and the ratio is the median of the per-round ratios merkit/PyTorch
 * (wall time, and CPU time of each process). Also printed: the implied
 * seconds per epoch of one CDE fold (≈ 300 training clips of the
 * megc2019-cde-dev set) and core-hours of a 40-fold CDE run at the recipe's
 * epochs. Needs no data.
 *
 *   node --import tsx bench/net-steps.ts [--rounds 7] [--warmup 2] [--nets fr,emr] [--json] [--no-torch] [--tfjs-adam]
 *   node --import tsx bench/net-steps.ts --hash [--steps 3] [--nets …]
 *   node --import tsx bench/net-steps.ts --profile [--top 25] [--nets …]
 *
 * `--json` prints [{network, batch, merkitMs, torchMs, ratio, …}] (wall-time
 * medians; torchMs and ratio null without PyTorch). `--hash` trains each
 * network `--steps` steps from its seed on fixed inputs and prints the
 * SHA-256 of all its weights (running statistics included): the check that
 * a kernel change leaves training bit-identical. `--profile` prints the
 * per-kernel times (tf.profile) of one step, by kernel and by input shapes.
 */
import * as tf from '../src/nets/tf.ts';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/nets/backend.ts';
import { offApexNet } from '../src/nets/offApexNet.ts';
import { dualInception } from '../src/nets/dualInception.ts';
import { fr } from '../src/nets/fr.ts';
import { emr } from '../src/nets/emr.ts';
import { tlcnn } from '../src/nets/tlcnn.ts';
import { ststnetNetwork } from '../src/nets/ststnet.ts';
import { Rng } from '../src/core/rng.ts';
import { getRecipe } from '../src/recipes/index.ts';
import type { Network, NetworkFactory } from '../src/nets/types.ts';
import { trainingStepper, type OptimizerOptions, type TrainOptions } from '../src/nets/train.ts';
import { emrTraining, type EmrParams } from '../src/recipes/emr.ts';

/** training clips of one CDE fold on the dev set (309 clips, 40 subjects) */
const FOLD_CLIPS = 300;
const FOLDS = 40;

const HERE = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const flag = (name: string) => argv.includes(name);

interface Case {
  name: string;
  recipe: string;
  factory: NetworkFactory;
  shape: [number, number, number];
  build?: Record<string, unknown>;
  /** bench/net_steps_torch.py arguments naming the same network */
  torch: string[];
  /** EMR: half the batch tagged macro-domain (CK+) rows, as the recipe mixes them, so the adversarial branch runs */
  domains?: boolean;
}
const CASES: Case[] = [
  { name: 'ststnet', recipe: 'ststnet', factory: ststnetNetwork, shape: [28, 28, 3], torch: ['--net', 'ststnet'] },
  { name: 'off-apexnet', recipe: 'off-apexnet', factory: offApexNet, shape: [28, 28, 3], torch: ['--net', 'off-apexnet'] },
  { name: 'dual-inception', recipe: 'dual-inception', factory: dualInception, shape: [28, 28, 3], torch: ['--net', 'dual-inception'] },
  { name: 'fr', recipe: 'fr', factory: fr, shape: [28, 28, 3], torch: ['--net', 'fr'] },
  { name: 'emr (ResNet-18)', recipe: 'emr', factory: emr, shape: [28, 28, 3], build: { width: 64 }, domains: true, torch: ['--net', 'emr', '--width', '64'] },
  { name: 'emr (width 16)', recipe: 'emr', factory: emr, shape: [28, 28, 3], build: { width: 16 }, domains: true, torch: ['--net', 'emr', '--width', '16'] },
  { name: 'tlcnn (frame CNN, fine-tuning)', recipe: 'tlcnn', factory: tlcnn, shape: [48, 48, 1], torch: ['--net', 'tlcnn'] },
];

/** What one training step of the recipe does: batch, epochs, and the update (optimiser; EMR: lr groups, clipping, weight decay). */
async function recipeStep(c: Case): Promise<{ batch: number; epochs: number; optimizer: OptimizerOptions; update: Pick<TrainOptions, 'optimizer' | 'paramGroups' | 'clipGroups' | 'weightDecay'> }> {
  const p = (await getRecipe(c.recipe)).params as Record<string, unknown>;
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof p[k] === 'number') return p[k] as number;
    throw new Error(`internal: recipe ${c.recipe} has none of ${keys.join(', ')}`);
  };
  if (c.recipe === 'emr') {
    // the recipe's own update (augmentation is data preparation, not timed on either side)
    const t = emrTraining(p as unknown as EmrParams);
    return { batch: t.batchSize, epochs: t.epochs, optimizer: t.optimizer, update: { optimizer: t.optimizer, paramGroups: t.paramGroups, clipGroups: t.clipGroups, weightDecay: t.weightDecay } };
  }
  const lr = num('lr', 'finetuneLr');
  // TLCNN's recipe fine-tunes with SGD and no `optimizer` key; STSTNet's is Adam without one
  const kind = (p['optimizer'] as 'adam' | 'sgd' | undefined) ?? (c.recipe === 'tlcnn' ? 'sgd' : 'adam');
  const optimizer: OptimizerOptions = kind === 'sgd' ? { kind, lr, momentum: typeof p['momentum'] === 'number' ? p['momentum'] : 0 } : { kind, lr };
  return { batch: num('batchSize', 'finetuneBatch'), epochs: num('epochs', 'finetuneEpochs'), optimizer, update: { optimizer } };
}

/** The PyTorch script's optimiser arguments for the recipe's update. */
async function torchUpdateArgs(c: Case): Promise<string[]> {
  const { optimizer, update } = await recipeStep(c);
  const args = ['--optimizer', optimizer.kind, '--lr', String(optimizer.lr), '--momentum', String(optimizer.kind === 'sgd' ? (optimizer.momentum ?? 0) : 0)];
  if (c.recipe === 'emr') {
    const p = (await getRecipe('emr')).params as unknown as EmrParams;
    args.push('--lr-backbone', String(p.lrBackbone), '--weight-decay', String(update.weightDecay ?? 0), '--clip', String(p.clipNorm));
  }
  return args;
}

/** A merkit network ready to run training steps on fixed random inputs. */
async function merkitSide(c: Case, tfjsAdam: boolean) {
  const { batch, optimizer, update } = await recipeStep(c);
  const rng = new Rng(`net-steps/${c.name}`);
  const [h, w, ch] = c.shape;
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(0, 1));
  const net: Network = c.factory({ classes: 3, seed: 1, ...(c.build ?? {}) });
  const x = tf.tensor4d(rand(batch * h * w * ch), [batch, h, w, ch]);
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 3), 'int32');
  const tags = c.domains ? Int32Array.from({ length: batch }, (_, i) => i % 2) : undefined;
  const plainAdam = tfjsAdam && optimizer.kind === 'adam' && !update.paramGroups && !update.clipGroups && !update.weightDecay;
  const stepper = plainAdam ? undefined : trainingStepper(net, update);
  const opt = plainAdam ? tf.train.adam(optimizer.lr, 0.9, 0.999, 1e-8) : undefined;
  const vars = net.trainableVariables();
  let k = 0;
  return {
    net,
    params: vars.reduce((s, v) => s + v.size, 0),
    step(): number {
      const info = { epoch: 0, step: k, rng: rng.fork(`step${k}`), ...(tags ? { tags } : {}) };
      k++;
      const loss = () => net.trainLoss(x, y, info);
      return tf.tidy(() => (stepper ? stepper.step(loss, vars) : (opt!.minimize(loss, true, vars) as tf.Scalar)).dataSync()[0]);
    },
    dispose() {
      stepper?.dispose();
      opt?.dispose();
      net.dispose();
      tf.dispose([x, y]);
    },
  };
}

/** SHA-256 of every weight of the network (sorted by name), running statistics included. */
function weightHash(net: Network): string {
  const h = createHash('sha256');
  const ws = net.getWeights();
  for (const name of [...ws.keys()].sort()) {
    const d = ws.get(name)!.dataSync() as Float32Array;
    h.update(`${name}\0`);
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

/** The PyTorch side: bench/net_steps_torch.py kept running, one step per request. */
class TorchSide {
  private readonly lines: string[] = [];
  private waiting: ((l: string) => void) | undefined;
  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(l);
      } else this.lines.push(l);
    });
  }

  private readonly stderr: string[] = [];
  private next(): Promise<Record<string, number>> {
    return new Promise((resolve, reject) => {
      const done = (l: string) => {
        const r = JSON.parse(l) as Record<string, number> & { error?: string };
        if (r.error) reject(new Error(`PyTorch side: ${r.error}`));
        else resolve(r);
      };
      const l = this.lines.shift();
      if (l !== undefined) return done(l);
      if (this.proc.exitCode !== null) return reject(new Error(`PyTorch side exited: ${this.stderr.join('').trim().split('\n').pop()}`));
      this.waiting = done;
      this.proc.once('exit', () => this.waiting && reject(new Error(`PyTorch side exited: ${this.stderr.join('').trim().split('\n').pop()}`)));
    });
  }

  static async start(python: string, args: string[]): Promise<{ side: TorchSide; params: number; version: string }> {
    const proc = spawn(python, [join(HERE, 'net_steps_torch.py'), ...args], { env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
    const side = new TorchSide(proc);
    proc.stderr.on('data', (b: Buffer) => side.stderr.push(b.toString()));
    const hello = await side.next();
    return { side, params: hello.params, version: String(hello.torch) };
  }

  async step(): Promise<{ wall: number; cpu: number }> {
    this.proc.stdin.write('step\n');
    const r = await this.next();
    return { wall: r.wall, cpu: r.cpu };
  }

  close(): void {
    this.proc.stdin.end('quit\n');
  }
}

/** A python3 that imports torch (Debian's python3-torch lives under /usr/bin/python3, which a pyenv/venv python3 may shadow). */
function findTorchPython(): { python?: string; why?: string } {
  const tried: string[] = [];
  for (const p of [process.env.MERKIT_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!p) continue;
    if (spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return { python: p };
    tried.push(p);
  }
  return { why: `no python3 that imports torch (tried ${tried.join(', ')}; apt-get install python3-torch, or set MERKIT_PYTHON)` };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timedMerkit(step: () => number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const only = arg('--nets')?.split(',');
const selected = CASES.filter((c) => !only || only.some((o) => c.name.startsWith(o)));
const json = flag('--json');
const log = (s: string) => (json ? process.stderr.write(`${s}\n`) : console.log(s));

await initBackend({ backend: 'wasm' });

if (flag('--hash')) {
  const steps = Number(arg('--steps') ?? 3);
  log(`weights after ${steps} training steps (recipe optimiser, fixed inputs), SHA-256:`);
  for (const c of selected) {
    const m = await merkitSide(c, false);
    for (let k = 0; k < steps; k++) m.step();
    console.log(`${c.name.padEnd(32)} ${weightHash(m.net)}`);
    m.dispose();
  }
  process.exit(0);
}

if (flag('--profile')) {
  // per-kernel time of one training step (after warm-up), tf.profile; kernels summed by name and by name + input shapes
  const top = Number(arg('--top') ?? 25);
  for (const c of selected) {
    const m = await merkitSide(c, flag('--tfjs-adam'));
    for (let k = 0; k < Number(arg('--warmup') ?? 2); k++) m.step();
    const t0 = performance.now();
    const info = await tf.profile(() => void m.step());
    const total = performance.now() - t0;
    const byName = new Map<string, { ms: number; calls: number }>();
    const byShape = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const shapes = k.inputShapes.map((s) => `[${(s ?? []).join('×')}]`).join(' ');
      for (const [map, key] of [[byName, k.name], [byShape, `${k.name} ${shapes}`]] as const) {
        const e = map.get(key) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls++;
        map.set(key, e);
      }
    }
    const kernelMs = [...byName.values()].reduce((s, e) => s + e.ms, 0);
    log(`${c.name}: step ${total.toFixed(0)} ms under tf.profile, kernels ${kernelMs.toFixed(0)} ms; load average ${loadavg()[0].toFixed(1)}`);
    const show = (map: Map<string, { ms: number; calls: number }>) => {
      for (const [key, e] of [...map.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
        log(`  ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / kernelMs).toFixed(1).padStart(5)}%  ${String(e.calls).padStart(4)}×  ${key}`);
      }
    };
    log(' by kernel:');
    show(byName);
    log(' by kernel and input shapes:');
    show(byShape);
    m.dispose();
  }
  process.exit(0);
}

const rounds = Number(arg('--rounds') ?? 7);
const warmup = Number(arg('--warmup') ?? 2);
const tfjsAdam = flag('--tfjs-adam');
const torchPy = flag('--no-torch') ? { why: '--no-torch' } : findTorchPython();
const load0 = loadavg();
log(`one training step (recipe optimiser${tfjsAdam ? "; tfjs's Adam" : ''}), merkit on wasm vs PyTorch on one CPU thread, interleaved; ${warmup} warm-up + ${rounds} timed rounds, medians; load average ${load0.map((l) => l.toFixed(1)).join(' ')}`);
if (!torchPy.python) log(`PyTorch: skipped — ${torchPy.why}`);
log('network                          batch  params      merkit ms  torch ms  ratio  | CPU: merkit  torch  ratio | s/epoch  epochs  CDE core-h');

interface Row {
  network: string;
  batch: number;
  merkitMs: number;
  torchMs: number | null;
  ratio: number | null;
  merkitCpuMs: number;
  torchCpuMs: number | null;
  cpuRatio: number | null;
  params: number;
  rounds: number;
  loadAverage: number;
}
const rows: Row[] = [];
for (const c of selected) {
  const { batch, epochs } = await recipeStep(c);
  const m = await merkitSide(c, tfjsAdam);
  let torch: TorchSide | undefined;
  if (torchPy.python) {
    const t = await TorchSide.start(torchPy.python, [...c.torch, '--batch', String(batch), '--classes', '3', ...(await torchUpdateArgs(c))]);
    torch = t.side;
    if (t.params !== m.params) {
      torch.close();
      m.dispose();
      console.error(`${c.name}: the PyTorch model has ${t.params} trainable parameters, merkit's ${m.params}: not the same architecture, no comparison`);
      process.exitCode = 1;
      continue;
    }
  }
  for (let k = 0; k < warmup; k++) {
    m.step();
    if (torch) await torch.step();
  }
  const mk: { wall: number; cpu: number }[] = [];
  const th: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    // alternate which side goes first, so neither always follows the other's cache traffic
    if (torch && r % 2 === 1) th.push(await torch.step());
    mk.push(timedMerkit(m.step));
    if (torch && r % 2 === 0) th.push(await torch.step());
  }
  torch?.close();
  m.dispose();
  const mw = median(mk.map((s) => s.wall));
  const mc = median(mk.map((s) => s.cpu));
  const tw = torch ? median(th.map((s) => s.wall)) : null;
  const tc = torch ? median(th.map((s) => s.cpu)) : null;
  const ratio = torch ? median(mk.map((s, i) => s.wall / th[i].wall)) : null;
  const cpuRatio = torch ? median(mk.map((s, i) => s.cpu / th[i].cpu)) : null;
  const perEpoch = (Math.ceil(FOLD_CLIPS / batch) * mw) / 1000;
  const hours = (perEpoch * epochs * FOLDS) / 3600;
  const f = (v: number | null, d: number, w: number) => (v === null ? '–' : v.toFixed(d)).padStart(w);
  log(
    `${c.name.padEnd(32)} ${String(batch).padStart(5)}  ${String(m.params).padStart(8)}  ${f(mw, 1, 9)}  ${f(tw, 1, 8)}  ${f(ratio, 2, 5)}  |  ${f(mc, 1, 9)}  ${f(tc, 1, 5)}  ${f(cpuRatio, 2, 5)} | ${f(perEpoch, 2, 7)}  ${String(epochs).padStart(6)}  ${f(hours, 1, 10)}`,
  );
  rows.push({ network: c.name, batch, merkitMs: mw, torchMs: tw, ratio, merkitCpuMs: mc, torchCpuMs: tc, cpuRatio, params: m.params, rounds, loadAverage: loadavg()[0] });
}
log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ratio = median over rounds of merkit/PyTorch (wall; CPU = each process's own CPU time)`);
if (json) console.log(JSON.stringify(rows, null, 2));
