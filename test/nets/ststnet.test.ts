/**
 * STSTNet structure, the PyTorch → tfjs layout conversions (hand-computed
 * answers), the −∞ padding of the max-pool, weight-mapping errors, and a
 * seeded Adam training step on wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/nets/backend.ts';
import { buildStstnet, linearNchwToNhwc, loadStstnetPth, oihwToHwio, PaddedMaxPool2D } from '../../src/nets/ststnet.ts';
import { layersNetwork } from '../../src/nets/layersNetwork.ts';
import { torchDefaultBound } from '../../src/nets/torchInit.ts';
import type { TensorMap } from '../../src/nets/pth.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';

import * as tf from '../../src/nets/tf.ts';
await initBackend({ backend: 'wasm' });

test('STSTNet: 28×28×3 → 3 logits, the parameter count of the published model', () => {
  const m = buildStstnet();
  assert.deepEqual(m.inputs[0].shape, [null, 28, 28, 3]);
  assert.deepEqual(m.outputs[0].shape, [null, 3]);
  // convs 3·27+3 + 5·27+5 + 8·27+8 = 448; BN 4·16 = 64 (32 trainable); fc 400·3+3 = 1203
  assert.equal(m.countParams(), 448 + 64 + 1203);
  assert.deepEqual(m.getLayer('maxpool1').outputShape, [null, 10, 10, 3]);
  assert.deepEqual(m.getLayer('avgpool').outputShape, [null, 5, 5, 16]);
  m.dispose();
});

test('oihwToHwio and linearNchwToNhwc move each weight to its hand-computed place', () => {
  // O=2, I=1, 1×2 kernel: w[o][0][0][x] = 10·o + x
  const hwio = oihwToHwio(Float32Array.from([0, 1, 10, 11]), [2, 1, 1, 2]);
  // HWIO index ((y·W + x)·I + i)·O + o
  assert.deepEqual(Array.from(hwio), [0, 10, 1, 11]);
  // out=1, C=2, H=1, W=2: NCHW flatten [c0x0, c0x1, c1x0, c1x1] → NHWC rows [x0c0, x0c1, x1c0, x1c1]
  const k = linearNchwToNhwc(Float32Array.from([1, 2, 3, 4]), 1, 2, 1, 2);
  assert.deepEqual(Array.from(k), [1, 3, 2, 4]);
});

test('PaddedMaxPool2D pads with −∞ like PyTorch (all-negative input keeps its values)', () => {
  // 1×4×4×1, all negative; pool 3 stride 3 pad 1 → 2×2 windows rows/cols {−1..1}, {2..4}
  const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => -1 - i), [1, 4, 4, 1]);
  const y = new PaddedMaxPool2D({ poolSize: 3, strides: 3, pad: 1 }).apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 2, 2, 1]);
  // window (0,0) covers rows 0..1, cols 0..1: max −1; (0,1): rows 0..1, cols 2..3: −3; (1,0): rows 2..3 cols 0..1: −9; (1,1): −11
  assert.deepEqual(Array.from(y.dataSync()), [-1, -3, -9, -11]);
  tf.dispose([x, y]);
});

test('loadStstnetPth: a misshapen or missing tensor → MerError naming it', () => {
  const m = buildStstnet();
  const t = (shape: number[]) => ({ shape, dtype: 'float32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const tensors: TensorMap = new Map();
  [3, 5, 8].forEach((f, k) => {
    tensors.set(`conv${k + 1}.weight`, t([f, 3, 3, 3]));
    tensors.set(`conv${k + 1}.bias`, t([f]));
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) tensors.set(`bn${k + 1}.${p}`, t([f]));
  });
  tensors.set('fc.weight', t([3, 256]));
  tensors.set('fc.bias', t([3]));
  assert.throws(() => loadStstnetPth(m, tensors, 'w.pth'), (e: unknown) => e instanceof MerError && /fc\.weight/.test(e.message) && e.expected === '[3, 400]');
  tensors.set('fc.weight', t([3, 400]));
  loadStstnetPth(m, tensors, 'w.pth');
  tensors.delete('bn2.running_var');
  assert.throws(() => loadStstnetPth(m, tensors, 'w.pth'), (e: unknown) => e instanceof MerError && /bn2\.running_var/.test(e.message));
  m.dispose();
});

/** one Adam step (lr 1e-3) on a fixed random batch; returns [loss before, loss after] */
function adamStep(seed: number): [number, number] {
  const rng = new Rng(seed);
  const n = 8;
  const x = tf.tensor4d(Float32Array.from({ length: n * 28 * 28 * 3 }, () => rng.uniform(0, 255)), [n, 28, 28, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32'), 3);
  const model = buildStstnet({ seed });
  const opt = tf.train.adam(1e-3);
  const lossOf = (training: boolean) => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training }) as tf.Tensor) as tf.Scalar;
  const before = tf.tidy(() => lossOf(false).dataSync()[0]);
  for (let s = 0; s < 3; s++) tf.tidy(() => void opt.minimize(() => lossOf(true)));
  const after = tf.tidy(() => lossOf(false).dataSync()[0]);
  opt.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return [before, after];
}

test('training on wasm: Adam steps lower the loss, and the same seed gives the same numbers', () => {
  const a = adamStep(7);
  const b = adamStep(7);
  assert.ok(a[1] < a[0], `loss ${a[0]} → ${a[1]} did not decrease`);
  assert.deepEqual(a, b);
});

test('default init is PyTorch’s (U(±1/√fan_in) weights and biases: conv ±1/√27, fc ±1/√400), the same in both layouts, seeded', () => {
  assert.equal(torchDefaultBound(27), 1 / Math.sqrt(27));
  assert.throws(() => torchDefaultBound(0), MerError);
  const weights = (layout: 'fused' | 'streams', seed: number, init?: 'torch' | 'glorot') => {
    const m = buildStstnet({ seed, layout, init });
    const w = new Map([...layersNetwork(m).getWeights()].map(([k, t]) => [k, Array.from(t.dataSync())]));
    m.dispose();
    return w;
  };
  const spans = (v: number[], bound: number, what: string) => {
    const max = Math.max(...v.map(Math.abs));
    assert.ok(max <= bound, `${what}: |w| up to ${max} > ${bound}`);
    assert.ok(max > 0.8 * bound, `${what}: |w| only up to ${max} of ${bound}`);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    // U(−b, b) has sd b/√3
    assert.ok(Math.abs(sd - bound / Math.sqrt(3)) < 0.15 * bound, `${what}: sd ${sd}, expected ≈ ${bound / Math.sqrt(3)}`);
  };
  const f = weights('fused', 3);
  spans(f.get('conv/kernel')!, 1 / Math.sqrt(27), 'conv kernel');
  spans(f.get('fc/kernel')!, 1 / Math.sqrt(400), 'fc kernel');
  const bias = f.get('head/bias')!;
  assert.ok(bias.every((b) => Math.abs(b) <= 1 / Math.sqrt(27)) && bias.some((b) => b !== 0), 'conv biases U(±1/√27), not zeros');
  assert.ok(f.get('fc/bias')!.every((b) => Math.abs(b) <= 0.05) && f.get('fc/bias')!.some((b) => b !== 0), 'fc bias U(±1/√400)');
  // streams layout: the fused arrays split by stream (HWIO, channels [3 | 5 | 8])
  const s = weights('streams', 3);
  assert.equal(s.get('conv1/kernel')!.length, 27 * 3);
  for (let pos = 0; pos < 27; pos++) {
    const row = f.get('conv/kernel')!.slice(pos * 16, pos * 16 + 16);
    assert.deepEqual(row, [...s.get('conv1/kernel')!.slice(pos * 3, pos * 3 + 3), ...s.get('conv2/kernel')!.slice(pos * 5, pos * 5 + 5), ...s.get('conv3/kernel')!.slice(pos * 8, pos * 8 + 8)]);
  }
  assert.deepEqual(f.get('fc/kernel'), s.get('fc/kernel'));
  assert.deepEqual(weights('fused', 3), f);
  assert.notDeepEqual(weights('fused', 4).get('fc/kernel'), f.get('fc/kernel'));
  // 'glorot' keeps the old Keras/tfjs init: fc up to √(6/403) ≈ 0.122, zero biases
  const g = weights('fused', 3, 'glorot');
  assert.ok(Math.max(...g.get('fc/kernel')!.map(Math.abs)) > 0.1);
  assert.ok(g.get('head/bias')!.every((b) => b === 0));
});

test('dropout as nn.Dropout: inverted (kept values ×1/(1−p)), after BatchNorm and max-pool — training logits average to the no-dropout logits', () => {
  // logits are linear in the dropout output (avg-pool, fc), and BatchNorm's batch
  // statistics come before it: E[logits | dropout p] = logits with p = 0. Without the
  // 1/(1−p) scaling the mean would sit at fc.bias + (1−p)·(the rest).
  const rng = new Rng(11);
  const n = 16;
  const x = tf.tensor4d(Float32Array.from({ length: n * 28 * 28 * 3 }, () => Math.round(rng.uniform(0, 255))), [n, 28, 28, 3]);
  for (const layout of ['fused', 'streams'] as const) {
    const drop = buildStstnet({ seed: 2, dropout: 0.5, layout });
    const plain = buildStstnet({ seed: 2, dropout: 0, layout });
    const ref = tf.tidy(() => Array.from((plain.apply(x, { training: true }) as tf.Tensor).dataSync()));
    const K = 200;
    const sum = new Float64Array(ref.length);
    for (let k = 0; k < K; k++) {
      if (layout === 'streams') for (const l of drop.layers) (l as unknown as { reseed?: (s: number) => void }).reseed?.(k + 1);
      tf.tidy(() => (drop.apply(x, { training: true }) as tf.Tensor).dataSync().forEach((v, i) => (sum[i] += v)));
    }
    const mean = Array.from(sum, (s) => s / K);
    const spread = Math.sqrt(ref.reduce((a, v) => a + v * v, 0) / ref.length);
    const err = Math.sqrt(mean.reduce((a, v, i) => a + (v - ref[i]) ** 2, 0) / ref.length);
    assert.ok(err < 0.15 * spread, `${layout}: mean training logits off the no-dropout logits by ${err} (logit scale ${spread})`);
    drop.dispose();
    plain.dispose();
  }
  x.dispose();
});
