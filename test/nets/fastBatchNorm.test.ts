/**
 * FastBatchNorm (fused training kernels) against hand-computed values and
 * against tfjs's own batch norm gradient, on the cpu and wasm backends; the
 * fused STSTNet layout against the published per-stream layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { batchNormTrain, FastBatchNorm } from '../../src/nets/fastBatchNorm.ts';
import { buildStstnet } from '../../src/nets/ststnet.ts';
import { layersNetwork } from '../../src/nets/layersNetwork.ts';
import { Rng } from '../../src/core/rng.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

for (const backend of ['cpu', 'wasm'] as const) {
  test(`batchNormTrain by hand (${backend}): channel values 1,2,3,4 → (x − 2.5)/√1.25; dβ = Σdy, dγ = Σdy·x̂`, async () => {
    await initBackend({ backend });
    // [1, 2, 2, 2]: channel 0 = 1,2,3,4; channel 1 = 10,10,10,10 (zero variance)
    const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 10], [1, 2, 2, 2]);
    const gamma = tf.tensor1d([2, 1]);
    const beta = tf.tensor1d([0.5, -1]);
    const eps = 1e-5;
    const { y, mean, variance } = batchNormTrain(x, gamma, beta, eps);
    assert.deepEqual(Array.from(mean), [2.5, 10]);
    assert.deepEqual(Array.from(variance), [1.25, 0]);
    const s = 1 / Math.sqrt(1.25 + eps);
    close(y.dataSync(), [2 * -1.5 * s + 0.5, -1, 2 * -0.5 * s + 0.5, -1, 2 * 0.5 * s + 0.5, -1, 2 * 1.5 * s + 0.5, -1], 1e-6, 'y');
    const dy = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 1], [1, 2, 2, 2]);
    const [, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTrain(a, g as tf.Tensor1D, b as tf.Tensor1D, eps).y)([x, gamma, beta], dy);
    close(db.dataSync(), [1, 1], 1e-6, 'dbeta');
    close(dg.dataSync(), [-1.5 * s, 0], 1e-6, 'dgamma');
    tf.dispose([x, gamma, beta, y, dy, dg, db]);
  });

  test(`FastBatchNorm = tf.layers.batchNormalization in training: output and all gradients (${backend})`, async () => {
    await initBackend({ backend });
    const rng = new Rng(11);
    const x = tf.tensor4d(Float32Array.from({ length: 3 * 5 * 4 * 6 }, () => rng.uniform(-3, 7)), [3, 5, 4, 6]);
    const dy = tf.tensor4d(Float32Array.from({ length: 3 * 5 * 4 * 6 }, () => rng.uniform(-1, 1)), [3, 5, 4, 6]);
    const fast = new FastBatchNorm({ epsilon: 1e-3 });
    const ref = tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.9 });
    fast.build([null, 5, 4, 6]);
    ref.build([null, 5, 4, 6]);
    const gb = [Float32Array.from({ length: 6 }, () => rng.uniform(0.5, 2)), Float32Array.from({ length: 6 }, () => rng.uniform(-1, 1))];
    for (const l of [fast, ref]) l.setWeights([tf.tensor1d(gb[0]), tf.tensor1d(gb[1]), tf.zeros([6]), tf.ones([6])]);
    const run = (l: tf.layers.Layer) => {
      const vars = l.trainableWeights.map((w) => w.read() as tf.Variable);
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(l.apply(xx, { training: true }) as tf.Tensor, dy)) as tf.Scalar;
      const gx = tf.grad(f)(x);
      const { grads } = tf.variableGrads(() => f(x), vars);
      return { y: (l.apply(x, { training: true }) as tf.Tensor).dataSync(), gx: gx.dataSync(), g: vars.map((v) => grads[v.name].dataSync()) };
    };
    const a = run(fast);
    const b = run(ref);
    close(a.y, b.y, 1e-5, 'y');
    close(a.gx, b.gx, 1e-4, 'dx');
    close(a.g[0], b.g[0], 1e-4, 'dgamma');
    close(a.g[1], b.g[1], 1e-4, 'dbeta');
    // running mean: 3 identical training calls → 1 − 0.9³ of the batch mean (both layers)
    close(fast.getWeights()[2].dataSync(), ref.getWeights()[2].dataSync(), 1e-5, 'moving mean');
    // running variance: PyTorch's unbiased update (·M/(M−1)) in FastBatchNorm, biased in tfjs
    const M = 3 * 5 * 4;
    const vf = fast.getWeights()[3].dataSync();
    const vr = ref.getWeights()[3].dataSync();
    const k = 1 - 0.9 ** 3;
    for (let c = 0; c < 6; c++) assert.ok(Math.abs((vf[c] - (1 - k)) - ((vr[c] - (1 - k)) * M) / (M - 1)) < 1e-4 * vf[c], `moving var ${c}`);
  });
}

test("the fused STSTNet layout computes the published per-stream function (logits and training gradients)", async () => {
  await initBackend({ backend: 'wasm' });
  const streams = layersNetwork(buildStstnet({ seed: 4, layout: 'streams', dropout: 0 }));
  const fused = layersNetwork(buildStstnet({ seed: 9, layout: 'fused', dropout: 0 }));
  // copy stream weights into the fused layout (concatenate channels)
  const w = streams.getWeights();
  const cat = (names: string[]) => {
    const t = tf.concat(names.map((n) => w.get(n)!), -1);
    const out = { shape: t.shape, data: t.dataSync() as Float32Array };
    t.dispose();
    return out;
  };
  const map = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  map.set('conv/kernel', cat([1, 2, 3].map((i) => `conv${i}/kernel`)));
  map.set('head/bias', cat([1, 2, 3].map((i) => `conv${i}/bias`)));
  for (const p of ['gamma', 'beta', 'moving_mean', 'moving_variance']) map.set(`head/${p}`, cat([1, 2, 3].map((i) => `bn${i}/${p}`)));
  for (const p of ['kernel', 'bias']) map.set(`fc/${p}`, { shape: w.get(`fc/${p}`)!.shape, data: w.get(`fc/${p}`)!.dataSync() as Float32Array });
  fused.setWeights(map);
  const rng = new Rng(5);
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 28 * 28 * 3 }, () => Math.round(rng.uniform(0, 255))), [4, 28, 28, 3]);
  const y = tf.tensor1d([0, 1, 2, 1], 'int32');
  close(fused.predictLogits(x).dataSync(), streams.predictLogits(x).dataSync(), 1e-4, 'logits');
  const info = { epoch: 0, step: 0, rng: new Rng(1) };
  const la = tf.variableGrads(() => streams.trainLoss(x, y, info), streams.trainableVariables());
  const lb = tf.variableGrads(() => fused.trainLoss(x, y, info), fused.trainableVariables());
  close(lb.value.dataSync(), la.value.dataSync(), 1e-5, 'loss');
  const grad = (l: typeof la, net: typeof streams, name: string) => {
    const v = net.trainableVariables().find((t) => t.name.startsWith(`${name.split('/')[0]}/`) && t.name.includes(`/${name.split('/')[1]}`))!;
    return l.grads[v.name];
  };
  // every gradient of the fused layout = the streams' gradients concatenated along channels
  const pairs: [string, string[]][] = [
    ['conv/kernel', [1, 2, 3].map((i) => `conv${i}/kernel`)],
    ['head/bias', [1, 2, 3].map((i) => `conv${i}/bias`)],
    ['head/gamma', [1, 2, 3].map((i) => `bn${i}/gamma`)],
    ['head/beta', [1, 2, 3].map((i) => `bn${i}/beta`)],
    ['fc/kernel', ['fc/kernel']],
    ['fc/bias', ['fc/bias']],
  ];
  for (const [f, ss] of pairs) {
    const want = tf.concat(ss.map((n) => grad(la, streams, n)), -1);
    close(grad(lb, fused, f).dataSync(), want.dataSync(), 2e-3, `d ${f}`);
  }
  // running statistics after one training step agree too
  const ws = streams.getWeights();
  const wf = fused.getWeights();
  close(wf.get('head/moving_mean')!.dataSync(), tf.concat([1, 2, 3].map((i) => ws.get(`bn${i}/moving_mean`)!)).dataSync(), 1e-4, 'moving mean');
  close(wf.get('head/moving_variance')!.dataSync(), tf.concat([1, 2, 3].map((i) => ws.get(`bn${i}/moving_variance`)!)).dataSync(), 1e-4, 'moving variance');
  streams.dispose();
  fused.dispose();
});

test('BatchNorm on the SIMD kernels = its JavaScript loops bit for bit (output, batch statistics, dx, dγ, dβ), several blocks', async () => {
  await initBackend({ backend: 'wasm' });
  const { setSimdKernelsDisabled } = await import('../../src/nets/kernels/simd.ts');
  const rng = new Rng('bn-simd');
  // 2·19·17 = 646 positions: one full block of 512 and a partial one; C = 6 (pairs), 64 (EMR); C = 5 keeps the loops
  for (const shape of [[2, 19, 17, 6], [3, 8, 8, 64], [2, 5, 7, 5]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const C = shape[3];
    // an offset and a spread per channel: the E[x²] − E[x]² form and the (x − μ) terms both matter
    const x = Float32Array.from({ length: n }, (_, i) => 3 * ((i % C) - 2) + (1 + (i % C)) * rng.normal());
    const dy = Float32Array.from({ length: n }, () => rng.normal());
    const gamma = Float32Array.from({ length: C }, () => rng.normal());
    const beta = Float32Array.from({ length: C }, () => rng.normal());
    const run = () => {
      let stats: Float64Array[] = [];
      const ts = tf.tidy(() => {
        const xt = tf.tensor4d(x, shape as [number, number, number, number]);
        const g = tf.tensor1d(gamma);
        const b = tf.tensor1d(beta);
        const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => batchNormTrain(a, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5).y;
        const { y, mean, variance } = batchNormTrain(xt, g, b, 1e-5);
        stats = [Float64Array.from(mean), Float64Array.from(variance)];
        return [y, ...tf.grads(f)([xt, g, b], tf.tensor4d(dy, shape as [number, number, number, number]))];
      });
      const out = ts.map((t) => Float32Array.from(t.dataSync()));
      tf.dispose(ts);
      return { out, stats };
    };
    const simd = run();
    setSimdKernelsDisabled(true);
    let js: ReturnType<typeof run>;
    try {
      js = run();
    } finally {
      setSimdKernelsDisabled(false);
    }
    ['y', 'dx', 'dgamma', 'dbeta'].forEach((what, i) => assert.deepEqual(simd.out[i], js.out[i], `${what} [${shape.join(', ')}]`));
    assert.deepEqual(simd.stats, js.stats, `batch statistics [${shape.join(', ')}]`);
  }
});
