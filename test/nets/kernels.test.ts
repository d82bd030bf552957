/**
 * Training kernels on wasm vs the CPU backend's reference gradients: random
 * inputs, stride/padding/dilation variants; every gradient must agree to
 * 1e-4 relative to its largest magnitude.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/nets/backend.ts';
import { Rng } from '../../src/core/rng.ts';

import * as tf from '@tensorflow/tfjs';
await initBackend({ backend: 'wasm' });
const TOL = 1e-4;

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

type GradFn = (args: tf.Tensor[]) => tf.Tensor[];

/** run the same gradient computation on cpu and wasm; returns [cpu, wasm] flat values */
async function onBoth(inputs: { data: Float32Array; shape: number[] }[], f: GradFn): Promise<[Float32Array[], Float32Array[]]> {
  const results: Float32Array[][] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    const out = tf.tidy(() => f(inputs.map((i) => tf.tensor(i.data, i.shape))).map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a)));
    results.push(out);
  }
  await tf.setBackend('wasm');
  return [results[0], results[1]];
}

function assertClose(cpu: Float32Array[], wasm: Float32Array[], what: string): void {
  assert.equal(cpu.length, wasm.length);
  for (let k = 0; k < cpu.length; k++) {
    assert.equal(cpu[k].length, wasm[k].length, `${what}[${k}] length`);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < cpu[k].length; i++) {
      scale = Math.max(scale, Math.abs(cpu[k][i]));
      diff = Math.max(diff, Math.abs(cpu[k][i] - wasm[k][i]));
    }
    assert.ok(scale > 0, `${what}[${k}]: reference gradient is all zero (test would be vacuous)`);
    assert.ok(diff <= TOL * scale, `${what}[${k}]: max |Δ| ${diff} > ${TOL} × ${scale}`);
  }
}

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
const convCases: { name: string; x: number[]; k: number[]; s: [number, number]; pad: Pad }[] = [
  { name: '3×3 same s1', x: [2, 7, 6, 3], k: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
  { name: '3×3 valid s2', x: [2, 9, 8, 2], k: [3, 3, 2, 5], s: [2, 2], pad: 'valid' },
  { name: '3×3 pad 2 (STSTNet)', x: [3, 8, 8, 3], k: [3, 3, 3, 8], s: [1, 1], pad: 2 },
  { name: '5×3 same s(2,3)', x: [1, 11, 10, 3], k: [5, 3, 3, 2], s: [2, 3], pad: 'same' },
  { name: '4×4 explicit, trailing pixels dropped', x: [2, 10, 9, 2], k: [4, 4, 2, 3], s: [3, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: '1×1 s1', x: [2, 5, 5, 4], k: [1, 1, 4, 3], s: [1, 1], pad: 'valid' },
];

for (const c of convCases) {
  test(`Conv2DBackpropFilter/Input on wasm = cpu: ${c.name}`, async () => {
    const rng = new Rng(`conv:${c.name}`);
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const [cpu, wasm] = await onBoth(
      [
        { data: randn(rng, n(c.x)), shape: c.x },
        { data: randn(rng, n(c.k)), shape: c.k },
      ],
      ([x, w]) => {
        const loss = (xx: tf.Tensor, ww: tf.Tensor) => {
          const y = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad as 'same');
          // a non-uniform upstream gradient: weight each output by a fixed ramp
          const ramp = tf.range(0, y.size).reshape(y.shape).mul(0.01).sin();
          return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
        };
        return tf.grads(loss)([x, w]);
      },
    );
    assertClose(cpu, wasm, c.name);
  });
}

const dwCases: { name: string; x: number[]; k: number[]; s: [number, number]; d: [number, number]; pad: Pad }[] = [
  { name: '3×3 same s1 M=1', x: [2, 6, 7, 3], k: [3, 3, 3, 1], s: [1, 1], d: [1, 1], pad: 'same' },
  { name: '3×3 valid s2 M=2', x: [2, 9, 8, 2], k: [3, 3, 2, 2], s: [2, 2], d: [1, 1], pad: 'valid' },
  { name: '5×3 pad 1 s(1,2) M=3', x: [1, 8, 9, 2], k: [5, 3, 2, 3], s: [1, 2], d: [1, 1], pad: 1 },
];

for (const c of dwCases) {
  test(`DepthwiseConv2dNativeBackpropFilter/Input on wasm = cpu: ${c.name}`, async () => {
    const rng = new Rng(`dw:${c.name}`);
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const [cpu, wasm] = await onBoth(
      [
        { data: randn(rng, n(c.x)), shape: c.x },
        { data: randn(rng, n(c.k)), shape: c.k },
      ],
      ([x, w]) => {
        const loss = (xx: tf.Tensor, ww: tf.Tensor) => {
          const y = tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad as 'same', 'NHWC', c.d);
          const ramp = tf.range(0, y.size).reshape(y.shape).mul(0.013).cos();
          return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
        };
        return tf.grads(loss)([x, w]);
      },
    );
    assertClose(cpu, wasm, c.name);
  });
}

test('pooling and batch-norm gradients on wasm = cpu (STSTNet block: conv pad 2, relu, bn, maxpool 3/3 pad 1, avgpool 2)', async () => {
  const rng = new Rng('block');
  const [cpu, wasm] = await onBoth(
    [
      { data: randn(rng, 2 * 10 * 10 * 3), shape: [2, 10, 10, 3] },
      { data: randn(rng, 3 * 3 * 3 * 4), shape: [3, 3, 3, 4] },
      { data: randn(rng, 4), shape: [4] },
      { data: randn(rng, 4), shape: [4] },
    ],
    ([x, w, gamma, beta]) => {
      const loss = (ww: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        let y: tf.Tensor = tf.relu(tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, 1, 2));
        const m = tf.moments(y, [0, 1, 2]);
        y = tf.batchNorm(y, m.mean, m.variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
        y = tf.maxPool(y as tf.Tensor4D, 3, 3, 1);
        y = tf.avgPool(y as tf.Tensor4D, 2, 2, 0);
        const ramp = tf.range(0, y.size).reshape(y.shape).mul(0.1).sin();
        return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
      };
      return tf.grads(loss)([w, gamma, beta]);
    },
  );
  assertClose(cpu, wasm, 'block');
});

test('initBackend is idempotent and rejects unknown backends', async () => {
  const a = await initBackend();
  const b = await initBackend({ backend: 'wasm' });
  assert.equal(a, b);
  assert.equal(a.getBackend(), 'wasm');
  await assert.rejects(initBackend({ backend: 'webgl' as 'wasm' }), /unknown tfjs backend/);
});

const poolCases: { name: string; x: number[]; k: number; s: number; pad: Pad }[] = [
  { name: '2×2 s2 valid, 4 channels (wrong in tfjs-backend-wasm 4.22)', x: [2, 10, 10, 4], k: 2, s: 2, pad: 'valid' },
  { name: '3×3 s3 pad 1 (STSTNet)', x: [2, 30, 30, 5], k: 3, s: 3, pad: 1 },
  { name: '3×3 s1 same (overlapping windows)', x: [1, 7, 6, 3], k: 3, s: 1, pad: 'same' },
];

for (const c of poolCases) {
  test(`MaxPoolGrad on wasm = cpu: ${c.name}`, async () => {
    const rng = new Rng(`pool:${c.name}`);
    const [cpu, wasm] = await onBoth([{ data: randn(rng, c.x.reduce((a, b) => a * b, 1)), shape: c.x }], ([x]) => {
      const loss = (xx: tf.Tensor) => {
        const y = tf.maxPool(xx as tf.Tensor4D, c.k, c.s, c.pad as 'same');
        const ramp = tf.range(0, y.size).reshape(y.shape).mul(0.07).sin();
        return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
      };
      return [tf.grad(loss)(x)];
    });
    assertClose(cpu, wasm, c.name);
  });
}
