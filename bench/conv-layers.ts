/**
 * `npm run bench:conv-layers` — CPU time of each convolution of ResNet-18 (EMR's
 * encoder, at 64×64 input; batch 64 = `--batch`) or of TLCNN's frame CNN
 * (`--net tlcnn`, batch 7): forward (with a new filter tensor per call, as in
 * training, on merkit's kernel and on XNNPACK's), input gradient and filter
 * gradient, each the median of 15 calls; with PyTorch's times for the same
 * shapes on one thread (bench/conv_layers_torch.py) when Debian's
 * python3-torch is there. The per-convolution floor behind the README's
 * Performance section.
 *
 *   node --import tsx bench/conv-layers.ts [--net resnet18|tlcnn] [--batch 64]
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/nets/tf.ts';
import { initBackend } from '../src/nets/backend.ts';
import { setSimdKernelsDisabled } from '../src/nets/kernels/simd.ts';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const net = arg('--net') ?? 'resnet18';
/** calls per measurement (median) */
const REPS = 15;

/** name, input [N, H, W, C], kernel side, out channels, stride, pad, times in the network */
type Layer = [string, [number, number, number, number], number, number, number, number, number];
const layersOf = (n: number): Record<string, Layer[]> => ({
  resnet18: [
    ['stem 7×7/2', [n, 64, 64, 3], 7, 64, 2, 3, 1],
    ['layer1 3×3', [n, 16, 16, 64], 3, 64, 1, 1, 4],
    ['layer2 3×3/2', [n, 16, 16, 64], 3, 128, 2, 1, 1],
    ['layer2 1×1/2', [n, 16, 16, 64], 1, 128, 2, 0, 1],
    ['layer2 3×3', [n, 8, 8, 128], 3, 128, 1, 1, 3],
    ['layer3 3×3/2', [n, 8, 8, 128], 3, 256, 2, 1, 1],
    ['layer3 1×1/2', [n, 8, 8, 128], 1, 256, 2, 0, 1],
    ['layer3 3×3', [n, 4, 4, 256], 3, 256, 1, 1, 3],
    ['layer4 3×3/2', [n, 4, 4, 256], 3, 512, 2, 1, 1],
    ['layer4 1×1/2', [n, 4, 4, 256], 1, 512, 2, 0, 1],
    ['layer4 3×3', [n, 2, 2, 512], 3, 512, 1, 1, 3],
  ],
  tlcnn: [
    ['conv1 5×5', [n, 48, 48, 1], 5, 16, 1, 2, 1],
    ['conv2 5×5', [n, 24, 24, 16], 5, 32, 1, 2, 1],
    ['conv3 3×3', [n, 12, 12, 32], 3, 48, 1, 1, 1],
    ['conv4 3×3', [n, 12, 12, 48], 3, 48, 1, 1, 1],
    ['conv5 3×3', [n, 12, 12, 48], 3, 32, 1, 1, 1],
  ],
});
const batch = Number(arg('--batch') ?? (net === 'tlcnn' ? 7 : 64));
const layers = layersOf(batch)[net];
if (!layers) throw new Error(`--net ${net}: resnet18 or tlcnn`);

const cpuMs = (f: () => void): number => {
  const t: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1000);
  }
  return t.sort((a, b) => a - b)[REPS >> 1];
};

await initBackend({ backend: 'wasm' });
const here = dirname(fileURLToPath(import.meta.url));
const python = [process.env.MERKIT_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
const torch = new Map<string, { fwd: number; bpi: number; bpf: number }>();
if (python) {
  const r = spawnSync(python, [join(here, 'conv_layers_torch.py')], { input: JSON.stringify(layers), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as { name: string; fwd: number; bpi: number; bpf: number };
    torch.set(o.name, o);
  }
} else console.log('PyTorch: not installed (apt-get install python3-torch) — merkit only');
console.log(`CPU ms per call (median of ${REPS}), batch ${batch}: forward [XNNPACK forward] / input gradient / filter gradient; GFLOP/s of merkit's forward`);
for (const [name, xs, k, co, s, p] of layers) {
  const x = tf.randomUniform(xs) as tf.Tensor4D;
  const w0 = tf.randomNormal([k, k, xs[3], co]) as tf.Tensor4D;
  const y = tf.conv2d(x, w0, s, p);
  const dy = tf.randomNormal(y.shape);
  // a new filter tensor per call, as in training; its copy is timed alone and subtracted
  const copy = cpuMs(() => tf.tidy(() => void tf.add(w0, 0)));
  const fwd = cpuMs(() => tf.tidy(() => void tf.conv2d(x, tf.add(w0, 0) as tf.Tensor4D, s, p))) - copy;
  setSimdKernelsDisabled(true);
  const xnn = cpuMs(() => tf.tidy(() => void tf.conv2d(x, tf.add(w0, 0) as tf.Tensor4D, s, p))) - copy;
  setSimdKernelsDisabled(false);
  const bpi = cpuMs(() => tf.tidy(() => void tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: tf.add(w0, 0) }, { strides: s, pad: p, dataFormat: 'NHWC', inputShape: xs }))) - copy;
  const bpf = cpuMs(() => tf.tidy(() => void tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: s, pad: p, dataFormat: 'NHWC', filterShape: [k, k, xs[3], co] })));
  const gflops = (2 * y.size * k * k * xs[3]) / fwd / 1e6;
  const t = torch.get(name);
  const f = (v: number) => v.toFixed(1);
  console.log(`${name.padEnd(14)} merkit ${f(fwd)} [${f(xnn)}] / ${f(bpi)} / ${f(bpf)}  ${gflops.toFixed(0)} GFLOP/s${t ? `   PyTorch ${f(t.fwd)} / ${f(t.bpi)} / ${f(t.bpf)}` : ''}`);
  tf.dispose([x, w0, y, dy]);
}
