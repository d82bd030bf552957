/**
 * merkit's STSTNet training takes the same steps as PyTorch's (issue 21).
 *
 * A fixed, real-size problem: 300 synthetic 28×28×3 flow images (BGR 0–255)
 * in 3 unbalanced classes, listed in mixed class order. PyTorch
 * (test/nets/ststnet_steps_torch.py: the authors' model, Adam, CrossEntropyLoss,
 * a DataLoader without shuffling over class-grouped rows, batch 256 → steps
 * of 256 and 44) trains 3 epochs from torch's seed-0 init and writes the
 * initial and final state dicts; merkit loads the initial ones through the
 * .pth reader, trains with the engine (trainNetwork, `shuffle: false,
 * groupByClass: true`, as the ststnet recipe does), and must reach the same
 * per-epoch losses and the same weights — conv/fc weights and biases,
 * BatchNorm γ/β and running mean/variance — within float32 tolerance, in
 * both layouts. Dropout is 0 on both sides (the frameworks cannot draw each
 * other's masks). Would have caught: a different batch order or partition,
 * BatchNorm momentum/ε/variance convention, Adam's ε or bias correction, the
 * loss reduction, the layer order.
 *
 * Needs python3 with torch (Debian python3-torch); skipped, saying so, without.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/nets/backend.ts';
import { readPth } from '../../src/nets/pth.ts';
import { ststnetNetwork, ststnetPthToWeights } from '../../src/nets/ststnet.ts';
import { trainNetwork } from '../../src/nets/train.ts';
import { Rng } from '../../src/core/rng.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const python = [process.env.MERKIT_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
const skip = python ? false : 'no python3 with torch (apt-get install python3-torch)';
if (!python) console.log(`# skipped: ${skip}`);

const N = 300;
const ROW = 28 * 28 * 3;
const EPOCHS = 3;
const BATCH = 256;
/** larger than the paper's 5e-5 so that later steps see clearly moved weights */
const LR = 1e-3;
/** |merkit − PyTorch| allowed per weight after 6 steps (weights are O(0.1), each step moves them ≈ LR) */
const WEIGHT_TOL = 2e-5;
/** relative tolerance of running variances and losses (float32 sums in different orders) */
const REL_TOL = 1e-4;

/** synthetic flow images with a class-dependent bright patch, classes 0/1/2 in mixed order (unbalanced 150/90/60) */
function problem(): { x: Float32Array; y: Int32Array } {
  const rng = new Rng('ststnet-torch-steps');
  const y = Int32Array.from({ length: N }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));
  const x = new Float32Array(N * ROW);
  for (let i = 0; i < N; i++) {
    for (let p = 0; p < 28 * 28; p++) {
      const r = Math.floor(p / 28);
      const c = p % 28;
      const patch = Math.abs(r - 8 - 6 * y[i]) < 4 && Math.abs(c - 14) < 6 ? 80 : 0;
      for (let ch = 0; ch < 3; ch++) x[i * ROW + p * 3 + ch] = Math.min(255, Math.floor(rng.uniform(0, 160)) + (ch === y[i] ? patch : patch / 2));
    }
  }
  return { x, y };
}

test('STSTNet: merkit’s first training steps = PyTorch’s (losses and every weight, same initial weights)', { skip }, async () => {
  await initBackend({ backend: 'wasm' });
  const { x, y } = problem();
  const dir = mkdtempSync(join(tmpdir(), 'merkit-steps-'));
  try {
    writeFileSync(join(dir, 'x.f32'), new Uint8Array(x.buffer));
    writeFileSync(join(dir, 'y.i32'), new Uint8Array(y.buffer));
    const r = spawnSync(python as string, [join(HERE, 'ststnet_steps_torch.py'), '--x', join(dir, 'x.f32'), '--y', join(dir, 'y.i32'), '--out', dir, '--epochs', String(EPOCHS), '--batch', String(BATCH), '--lr', String(LR)], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const torch = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { losses: number[]; sizes: number[] };
    assert.deepEqual(torch.sizes, [256, 44]);
    const init = await readPth(readFileSync(join(dir, 'init.pth')), 'init.pth');
    const final = await readPth(readFileSync(join(dir, 'final.pth')), 'final.pth');
    for (const layout of ['fused', 'streams'] as const) {
      const net = ststnetNetwork({ classes: 3, seed: 0, dropout: 0, layout });
      net.setWeights(ststnetPthToWeights(init, 'init.pth', 3, layout));
      const epochLoss: number[] = [];
      await trainNetwork(net, { x, y, subjects: Array(N).fill('s') }, {
        epochs: EPOCHS,
        batchSize: BATCH,
        seed: 0,
        optimizer: { kind: 'adam', lr: LR },
        shuffle: false,
        groupByClass: true,
        onEpoch: (e) => epochLoss.push(e.loss),
      });
      // PyTorch's per-epoch mean loss over samples, as the engine logs it
      const want = Array.from({ length: EPOCHS }, (_, e) => (torch.losses[2 * e] * 256 + torch.losses[2 * e + 1] * 44) / N);
      epochLoss.forEach((l, e) => assert.ok(Math.abs(l - want[e]) <= REL_TOL * want[e], `${layout}: epoch ${e + 1} loss ${l} vs PyTorch ${want[e]}`));
      const expected = ststnetPthToWeights(final, 'final.pth', 3, layout);
      const got = net.getWeights();
      for (const [name, w] of expected) {
        const t = got.get(name);
        assert.ok(t, `${layout}: merkit has no weight ${name}`);
        const a = t.dataSync() as Float32Array;
        const start = ststnetPthToWeights(init, 'init.pth', 3, layout).get(name)!.data;
        let worst = 0;
        let moved = 0;
        for (let i = 0; i < a.length; i++) {
          const tol = name.endsWith('moving_variance') || name.endsWith('moving_mean') ? REL_TOL * Math.max(1, Math.abs(w.data[i])) : WEIGHT_TOL;
          worst = Math.max(worst, Math.abs(a[i] - w.data[i]) / tol);
          moved = Math.max(moved, Math.abs(w.data[i] - start[i]));
        }
        assert.ok(moved > 0, `${layout}: PyTorch did not change ${name}`);
        assert.ok(worst <= 1, `${layout}: ${name} differs from PyTorch by ${worst.toFixed(2)}× the tolerance (PyTorch moved it by up to ${moved.toExponential(2)})`);
      }
      net.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
