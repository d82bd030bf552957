/**
 * Seconds per STSTNet training epoch on the authors' setting (442 clips of
 * 28×28×3, batch 256, Adam 5e-5) on the chosen backend, and a per-kernel
 * profile of one epoch. Random (seeded) inputs: the cost does not depend on
 * the pixel values. PyTorch 1.13 on one core of the dev machine: ≈ 0.086 s/epoch.
 *
 *   npx tsx bench/nets-ststnet-epoch.ts [--backend wasm|cpu] [--epochs 5]
 */
import { initBackend } from '../src/nets/backend.ts';
import { buildStstnet } from '../src/nets/ststnet.ts';
import { Rng } from '../src/core/rng.ts';

const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const backend = arg('--backend', 'wasm') as 'wasm' | 'cpu';
const epochs = Number(arg('--epochs', '5'));
const N = 442;
const BATCH = 256;
import * as tf from '../src/nets/tf.ts';
await initBackend({ backend });
const rng = new Rng(1);
const X = tf.tensor4d(Float32Array.from({ length: N * 28 * 28 * 3 }, () => rng.int(256)), [N, 28, 28, 3]);
const Y = tf.oneHot(tf.tensor1d(Array.from({ length: N }, () => rng.int(3)), 'int32'), 3);
const model = buildStstnet({ seed: 1 });
const opt = tf.train.adam(5e-5);

function epoch(): void {
  for (let s = 0; s < N; s += BATCH) {
    const n = Math.min(BATCH, N - s);
    tf.tidy(() => {
      const x = tf.slice(X, [s, 0, 0, 0], [n, 28, 28, 3]);
      const y = tf.slice(Y, [s, 0], [n, 3]);
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
      loss?.dataSync();
    });
  }
}

epoch(); // warm-up: operator creation, weight packing
const t0 = performance.now();
for (let e = 0; e < epochs; e++) epoch();
const perEpoch = (performance.now() - t0) / 1000 / epochs;
console.log(`${backend}: ${perEpoch.toFixed(4)} s/epoch (${epochs} epochs, ${N} clips, batch ${BATCH}); PyTorch 1.13 1 core ≈ 0.086 s/epoch → ratio ${(perEpoch / 0.086).toFixed(2)}×`);

const prof = await tf.profile(() => epoch());
const byKernel = new Map<string, number>();
for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs ?? 0));
const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
console.log(`per-kernel time of one epoch (sum ${total.toFixed(1)} ms):`);
for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms`);
