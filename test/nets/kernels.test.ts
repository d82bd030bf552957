/**
 * Training kernels on wasm vs the CPU backend's reference gradients: random
 * inputs, stride/padding/dilation variants; every gradient must agree to
 * 1e-4 relative to its largest magnitude.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/nets/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { registerWasmTrainingKernels } from '../../src/nets/kernels/index.ts';
import { batchMatMulWasm } from '../../src/nets/kernels/batchMatMul.ts';
import { conv2dBackpropInputWasm } from '../../src/nets/kernels/conv2dBackpropInput.ts';

import * as tf from '../../src/nets/tf.ts';
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
  // stride 1: the input gradient is a forward conv with the flipped kernel (conv2dBackpropInput.ts)
  { name: '5×5 same s1 (Inception branch)', x: [2, 9, 9, 3], k: [5, 5, 3, 6], s: [1, 1], pad: 'same' },
  { name: '4×4 same s1 (pads 1 before, 2 after)', x: [2, 8, 7, 2], k: [4, 4, 2, 3], s: [1, 1], pad: 'same' },
  { name: '2×3 valid s1', x: [1, 6, 7, 3], k: [2, 3, 3, 4], s: [1, 1], pad: 'valid' },
  { name: '3×3 explicit s1, asymmetric', x: [2, 6, 6, 2], k: [3, 3, 2, 3], s: [1, 1], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
  // strided input gradients go through the phase decomposition (conv2dBackpropInput.ts)
  { name: 'ResNet 3×3 pad 1 s2, even side, channels across the 32-block', x: [2, 8, 8, 40], k: [3, 3, 40, 35], s: [2, 2], pad: 1 },
  { name: 'ResNet 3×3 pad 1 s2, odd side', x: [1, 7, 9, 3], k: [3, 3, 3, 4], s: [2, 2], pad: 1 },
  { name: 'ResNet shortcut 1×1 s2 (odd rows/columns get no gradient)', x: [2, 8, 7, 5], k: [1, 1, 5, 6], s: [2, 2], pad: 'valid' },
  { name: 'ResNet stem 7×7 pad 3 s2', x: [1, 16, 14, 3], k: [7, 7, 3, 4], s: [2, 2], pad: 3 },
  { name: '2×2 s2 valid', x: [2, 6, 6, 3], k: [2, 2, 3, 2], s: [2, 2], pad: 'valid' },
  { name: '1×1 pad 2 s1 (pad wider than the kernel)', x: [1, 4, 5, 3], k: [1, 1, 3, 2], s: [1, 1], pad: 2 },
  { name: '3×3 pad 2 s3 (pad wider than the stride)', x: [1, 10, 8, 2], k: [3, 3, 2, 3], s: [3, 3], pad: 2 },
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
          const ramp = tf.sin(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.01));
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
          const ramp = tf.cos(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.013));
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
        const ramp = tf.sin(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.1));
        return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
      };
      return tf.grads(loss)([w, gamma, beta]);
    },
  );
  assertClose(cpu, wasm, 'block');
});

test('the zero-copy wasm Identity: a clone shares the data, reads the same values, and outlives its source', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor([1.5, -2, 3]);
  const b = tf.clone(a);
  assert.deepEqual(Array.from(b.dataSync()), [1.5, -2, 3]);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1.5, -2, 3]);
  b.dispose();
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
  // C a multiple of 4: the SIMD kernel
  { name: 'ResNet 3×3 s2 same, 8 channels (SIMD)', x: [2, 10, 9, 8], k: 3, s: 2, pad: 'same' },
  { name: '3×3 s3 pad 2, 12 channels (windows wholly in the padding; SIMD)', x: [2, 7, 8, 12], k: 3, s: 3, pad: 2 },
];

for (const c of poolCases) {
  test(`MaxPoolGrad on wasm = cpu: ${c.name}`, async () => {
    const rng = new Rng(`pool:${c.name}`);
    const [cpu, wasm] = await onBoth([{ data: randn(rng, c.x.reduce((a, b) => a * b, 1)), shape: c.x }], ([x]) => {
      const loss = (xx: tf.Tensor) => {
        const y = tf.maxPool(xx as tf.Tensor4D, c.k, c.s, c.pad as 'same');
        const ramp = tf.sin(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.07));
        return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
      };
      return [tf.grad(loss)(x)];
    });
    assertClose(cpu, wasm, c.name);
  });
}

test('MaxPoolGrad SIMD kernel = its JavaScript loop bit for bit, ties included (first maximum wins)', async () => {
  const { setSimdKernelsDisabled } = await import('../../src/nets/kernels/simd.ts');
  const rng = new Rng('pool-ties');
  for (const [shape, k, s, pad] of [[[3, 11, 10, 16], 3, 2, 'same'], [[2, 9, 9, 8], 3, 1, 'same'], [[2, 8, 8, 4], 2, 2, 'valid'], [[1, 7, 7, 8], 3, 3, 2]] as const) {
    const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    // values on a coarse grid: many windows hold several equal maxima
    const x = Float32Array.from({ length: n }, () => Math.floor(rng.uniform(0, 4)));
    const run = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [...shape]);
        const y = tf.maxPool(xt, k, s, pad as 'same');
        const dy = tf.sin(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.37));
        return Float32Array.from((tf.engine().runKernel('MaxPoolGrad', { dy, input: xt, output: y }, { filterSize: k, strides: s, pad }) as tf.Tensor).dataSync());
      });
    const simd = run();
    setSimdKernelsDisabled(true);
    let js: Float32Array;
    try {
      js = run();
    } finally {
      setSimdKernelsDisabled(false);
    }
    assert.deepEqual(simd, js, `[${shape.join(', ')}] k${k} s${s} ${pad}`);
    assert.ok(js.some((v) => v !== 0));
  }
});

// ---------------------------------------------------------------------------
// SIMD wasm kernels (src/nets/kernels/simd.ts): the direct filter gradient and
// the fused ReLU/BN/max-pool/dropout/avg-pool head, against the CPU backend.

const directCases: { name: string; x: number[]; k: number[]; pad?: Pad; s?: number }[] = [
  { name: '3×3×3 → 16 valid (SIMD direct path)', x: [3, 12, 11, 3], k: [3, 3, 3, 16] },
  // images swept in chunks of CHUNK_BYTES: 40×40×24 + 38×38×16 floats per image ⇒ several images per chunk, and a last partial chunk
  { name: '3×3×24 → 16 valid, 9 images (several chunks)', x: [9, 40, 40, 24], k: [3, 3, 24, 16] },
  // strided (EMR's ResNet-18): the direct path steps x by the stride
  { name: 'ResNet stem 7×7×3 → 16 pad 3 s2', x: [2, 16, 14, 3], k: [7, 7, 3, 16], pad: 3, s: 2 },
  { name: 'ResNet 3×3×8 → 32 pad 1 s2, odd side (last row/column unread)', x: [2, 9, 7, 8], k: [3, 3, 8, 32], pad: 1, s: 2 },
  { name: 'ResNet shortcut 1×1×6 → 16 s2', x: [2, 8, 7, 6], k: [1, 1, 6, 16], pad: 'valid', s: 2 },
  { name: '3×3×2 → 16 same s2 (pad only after)', x: [2, 8, 8, 2], k: [3, 3, 2, 16], pad: 'same', s: 2 },
  { name: '4×4×3 → 16 pad 1 s3', x: [1, 11, 10, 3], k: [4, 4, 3, 16], pad: 1, s: 3 },
  // output maps of ≤ 4 pixels: one product per tap over the pixels it reaches (ResNet-18's 2×2 stage)
  { name: 'per-tap products: 2×2 map, 3×3 pad 1 (corner taps reach one pixel)', x: [3, 2, 2, 24], k: [3, 3, 24, 16], pad: 1 },
  { name: 'per-tap products: 4×4 → 2×2, 3×3 pad 1 s2', x: [2, 4, 4, 8], k: [3, 3, 8, 32], pad: 1, s: 2 },
  { name: 'per-tap products: 1×1 map, 3×3 pad 1 (only the centre tap reaches it), 5 filters', x: [2, 1, 1, 6], k: [3, 3, 6, 5], pad: 1 },
  { name: '3×3×3 → 16 pad 2 (STSTNet conv: zero-padded scratch copy)', x: [2, 8, 9, 3], k: [3, 3, 3, 16], pad: 2 },
  { name: '2×2×3 → 16 same (asymmetric padding)', x: [2, 5, 6, 3], k: [2, 2, 3, 16], pad: 'same' },
  { name: '2×3×2 → 32 valid (two 16-channel chunks, odd tap count)', x: [2, 7, 8, 2], k: [2, 3, 2, 32] },
  { name: '1×1×5 → 16 valid', x: [2, 4, 5, 5], k: [1, 1, 5, 16] },
];
for (const c of directCases) {
  test(`Conv2DBackpropFilter direct SIMD and per-tap paths = cpu: ${c.name}`, async () => {
    const rng = new Rng(`direct:${c.name}`);
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const [cpu, wasm] = await onBoth(
      [
        { data: randn(rng, n(c.x)), shape: c.x },
        { data: randn(rng, n(c.k)), shape: c.k },
      ],
      ([x, w]) => {
        const loss = (ww: tf.Tensor) => {
          const y = tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, c.s ?? 1, (c.pad ?? 'valid') as 'same');
          const ramp = tf.sin(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.01));
          return tf.sum(tf.mul(y, ramp)) as tf.Scalar;
        };
        return [tf.grad(loss)(w)];
      },
    );
    assertClose(cpu, wasm, c.name);
  });
}

const headCases: { name: string; z: number[]; rate: number }[] = [
  { name: 'STSTNet head [3, 30, 30, 16], dropout 0.5', z: [3, 30, 30, 16], rate: 0.5 },
  { name: 'odd pooled grid [2, 11, 13, 16] (Wp = 5: a column the avg-pool drops), dropout 0.3', z: [2, 11, 13, 16], rate: 0.3 },
  { name: 'no dropout [2, 12, 12, 16]', z: [2, 12, 12, 16], rate: 0 },
];
for (const c of headCases) {
  test(`fused ReluBnPool (SIMD on wasm, JS on cpu) = tf ops on cpu, outputs and gradients: ${c.name}`, async () => {
    const rng = new Rng(`head:${c.name}`);
    const C = c.z[3];
    const z = randn(rng, c.z.reduce((a, b) => a * b, 1));
    const bias = randn(rng, C).map((v) => 0.3 * v);
    // some negative γ: the max-pool then picks the minimum of relu(r)
    const gamma = randn(rng, C);
    const beta = randn(rng, C);
    const attrs = { epsilon: 1e-5, poolSize: 3, poolStride: 3, poolPad: 1, rate: c.rate, seed: 77 };
    const { RELU_BN_POOL, reluBnPoolTrain, registerReluBnPoolKernels } = await import('../../src/nets/kernels/reluBnPool.ts');
    registerReluBnPoolKernels();
    const inputs = [
      { data: z, shape: c.z },
      { data: bias, shape: [C] },
      { data: gamma, shape: [C] },
      { data: beta, shape: [C] },
    ];
    // the dropout mask depends only on the seed: take it from a cpu forward
    await tf.setBackend('cpu');
    const mask = tf.tidy(() => {
      const outs = tf.engine().runKernel(RELU_BN_POOL, { z: tf.tensor(z, c.z), bias: tf.tensor(bias), gamma: tf.tensor(gamma), beta: tf.tensor(beta) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return Float32Array.from(outs[4].dataSync());
    });
    await tf.setBackend('wasm');
    // the SIMD path draws the same mask (the same sfc32 stream, generated in wasm)
    const wasmMask = tf.tidy(() => {
      const outs = tf.engine().runKernel(RELU_BN_POOL, { z: tf.tensor(z, c.z), bias: tf.tensor(bias), gamma: tf.tensor(gamma), beta: tf.tensor(beta) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return Float32Array.from(outs[4].dataSync());
    });
    assert.deepEqual(wasmMask, mask, 'dropout mask: wasm = JavaScript');
    let kept = 0;
    for (const m of mask) kept += m > 0 ? 1 : 0;
    if (c.rate > 0) assert.ok(kept > 0.4 * mask.length * (1 - c.rate) && kept < mask.length, `mask keeps ${kept}/${mask.length}`);
    const ramp = (shape: number[]) => tf.sin(tf.mul(tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape), 0.37));
    const fused = (args: tf.Tensor[]) => {
      const f = (zz: tf.Tensor, b: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
        const out = reluBnPoolTrain(zz as tf.Tensor4D, b as tf.Tensor1D, g as tf.Tensor1D, be as tf.Tensor1D, attrs);
        return tf.sum(tf.mul(out, ramp(out.shape))) as tf.Scalar;
      };
      const out = reluBnPoolTrain(args[0] as tf.Tensor4D, args[1] as tf.Tensor1D, args[2] as tf.Tensor1D, args[3] as tf.Tensor1D, attrs);
      return [out, ...tf.grads(f)(args)];
    };
    const reference = (args: tf.Tensor[]) => {
      const f = (zz: tf.Tensor, b: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
        const r = tf.relu(tf.add(zz, b));
        const m = tf.moments(r, [0, 1, 2]);
        const bn = tf.batchNorm(r, m.mean, m.variance, be as tf.Tensor1D, g as tf.Tensor1D, attrs.epsilon) as tf.Tensor4D;
        const mp = tf.maxPool(bn, 3, 3, 1);
        return tf.avgPool(tf.mul(mp, tf.tensor(mask, mp.shape)) as tf.Tensor4D, 2, 2, 'valid');
      };
      const loss = (zz: tf.Tensor, b: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
        const out = f(zz, b, g, be);
        return tf.sum(tf.mul(out, ramp(out.shape))) as tf.Scalar;
      };
      return [f(args[0], args[1], args[2], args[3]), ...tf.grads(loss)(args)];
    };
    const run = async (backend: 'cpu' | 'wasm', fn: (a: tf.Tensor[]) => tf.Tensor[]) => {
      await tf.setBackend(backend);
      const r = tf.tidy(() => fn(inputs.map((i) => tf.tensor(i.data, i.shape))).map((t) => Float32Array.from(t.dataSync())));
      await tf.setBackend('wasm');
      return r;
    };
    const want = await run('cpu', reference);
    assertClose(want, await run('wasm', fused), `${c.name} (SIMD)`);
    assertClose(want, await run('cpu', fused), `${c.name} (JavaScript)`);
    const { setSimdKernelsDisabled } = await import('../../src/nets/kernels/simd.ts');
    setSimdKernelsDisabled(true);
    try {
      assertClose(want, await run('wasm', fused), `${c.name} (JavaScript on wasm)`);
    } finally {
      setSimdKernelsDisabled(false);
    }
  });
}

// BatchMatMul rewritten to XNNPACK's plain product (batchMatMul.ts): every
// transpose combination and both rewrite choices (transpose the operand, or
// the other operand and the result), rank 2 and batch-1 rank 3; values and
// the dense layer's gradients equal the CPU backend's.
const matMulCases: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { name: 'A·Bᵀ, B small (transpose B)', a: [40, 30], b: [7, 30], ta: false, tb: true },
  { name: 'A·Bᵀ, B large (transpose A and result)', a: [3, 30], b: [50, 30], ta: false, tb: true },
  { name: 'Aᵀ·B, A small (transpose A)', a: [30, 5], b: [30, 60], ta: true, tb: false },
  { name: 'Aᵀ·B, A large (transpose B and result)', a: [30, 70], b: [30, 2], ta: true, tb: false },
  { name: 'Aᵀ·Bᵀ (transpose the result)', a: [30, 9], b: [11, 30], ta: true, tb: true },
  { name: 'batch-1 rank 3 A·Bᵀ', a: [1, 6, 10], b: [1, 8, 10], ta: false, tb: true },
  { name: 'batch 3 Aᵀ·B (backend kernel)', a: [3, 10, 6], b: [3, 10, 8], ta: true, tb: false },
];
for (const c of matMulCases) {
  test(`BatchMatMul on wasm = cpu: ${c.name}`, async () => {
    const rng = new Rng(`matmul/${c.name}`);
    const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const [cpu, wasm] = await onBoth(
      [
        { data: randn(rng, size(c.a)), shape: c.a },
        { data: randn(rng, size(c.b)), shape: c.b },
      ],
      ([a, b]) => [tf.matMul(a, b, c.ta, c.tb)],
    );
    assertClose(cpu, wasm, c.name);
  });
}

test('dense layer gradients (dX = dY·Wᵀ, dW = Xᵀ·dY) on wasm = cpu', async () => {
  const rng = new Rng('dense-grad');
  const [cpu, wasm] = await onBoth(
    [
      { data: randn(rng, 16 * 300), shape: [16, 300] },
      { data: randn(rng, 300 * 40), shape: [300, 40] },
      { data: randn(rng, 16 * 40), shape: [16, 40] },
    ],
    ([x, w, dy]) => {
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xx, ww), dy)));
      return g([x, w]);
    },
  );
  assertClose(cpu, wasm, 'dense');
});

test('the BatchMatMul and Conv2DBackpropInput wrappers are in place, and registering again keeps the backend kernel they call', async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, batchMatMulWasm as unknown as tf.KernelFunc);
  assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc, conv2dBackpropInputWasm as unknown as tf.KernelFunc);
  // a wrapper that had saved itself as "the original" would recurse forever here
  const v = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 0], [0, 1]]), true, false).dataSync()));
  assert.deepEqual(v, [1, 3, 2, 4]);
});

// Conv2D, stride 1, out channels a multiple of 16: merkit's SIMD kernel (conv2d.ts)
// must give XNNPACK's convolution bit for bit (the SIMD kernels disabled = the
// backend's own Conv2D), forward and through the input gradient (a stride-1
// convolution of dy with the flipped kernel), for every padding and shape kind.
const directConvCases: { name: string; x: number[]; k: number[]; pad: Pad }[] = [
  { name: 'TLCNN conv1 5×5×1 → 16 same', x: [3, 12, 11, 1], k: [5, 5, 1, 16], pad: 'same' },
  { name: 'TLCNN conv3 3×3×32 → 48 same, odd width', x: [2, 6, 7, 32], k: [3, 3, 32, 48], pad: 'same' },
  { name: 'Inception 1×1×24 → 16', x: [3, 5, 5, 24], k: [1, 1, 24, 16], pad: 'same' },
  { name: 'STSTNet 3×3×3 → 16 pad 2', x: [2, 8, 8, 3], k: [3, 3, 3, 16], pad: 2 },
  { name: '4×4×5 → 32 same (pads 1 before, 2 after)', x: [2, 7, 6, 5], k: [4, 4, 5, 32], pad: 'same' },
  { name: 'ResNet 3×3×64 → 64 pad 1 on a 2×2 map', x: [4, 2, 2, 64], k: [3, 3, 64, 64], pad: 1 },
  { name: '2×3×7 → 16 valid, one output column', x: [2, 5, 3, 7], k: [2, 3, 7, 16], pad: 'valid' },
];
test('Conv2D SIMD kernel = XNNPACK bit for bit (forward and input gradient)', async () => {
  const { setSimdKernelsDisabled } = await import('../../src/nets/kernels/simd.ts');
  for (const c of directConvCases) {
    const rng = new Rng(`direct-conv:${c.name}`);
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = randn(rng, n(c.x));
    const w = randn(rng, n(c.k));
    const run = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, c.x as [number, number, number, number]);
        const wt = tf.tensor4d(w, c.k as [number, number, number, number]);
        const y = tf.conv2d(xt, wt, 1, c.pad as 'same');
        const ramp = tf.sin(tf.mul(tf.reshape(tf.range(0, y.size), y.shape), 0.01));
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, wt, 1, c.pad as 'same'), ramp)))(xt);
        return [Float32Array.from(y.dataSync()), Float32Array.from(dx.dataSync())];
      });
    const simd = run();
    setSimdKernelsDisabled(true);
    let xnn: Float32Array[];
    try {
      xnn = run();
    } finally {
      setSimdKernelsDisabled(false);
    }
    assert.deepEqual(simd[0], xnn[0], `${c.name}: forward`);
    assert.deepEqual(simd[1], xnn[1], `${c.name}: input gradient`);
  }
});
