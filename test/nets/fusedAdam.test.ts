/**
 * The fused SIMD Adam (src/nets/fusedAdam.ts) against tfjs's AdamOptimizer on
 * the wasm backend: after several steps of a small conv + dense network the
 * weights are bit-identical (sizes not divisible by 4 exercise the scalar
 * tail), the learning rate set between steps is honoured, and dispose frees
 * the moments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { FusedAdamOptimizer } from '../../src/nets/fusedAdam.ts';
import { Rng } from '../../src/core/rng.ts';

await initBackend({ backend: 'wasm' });

function run(makeOpt: () => tf.AdamOptimizer): Float32Array[] {
  const rng = new Rng('fused-adam');
  const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.5)), shape);
  // tf.variable keeps a reference to its initial tensor's data: build everything in a tidy
  const [k, w, b, x, y] = tf.tidy(() => [
    tf.variable(rand([3, 3, 2, 5])), // 90 values: 22 vectors + a tail of 2
    tf.variable(rand([7 * 7 * 5, 3])), // 735: tail of 3
    tf.variable(rand([3])), // tail only
    rand([4, 9, 9, 2]) as tf.Tensor4D,
    tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3),
  ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Tensor4D, tf.Tensor2D];
  const opt = makeOpt();
  for (let step = 0; step < 6; step++) {
    if (step === 3) (opt as unknown as { learningRate: number }).learningRate = 0.003; // as train.ts's schedules do
    tf.tidy(() => {
      opt.minimize(() => {
        const h = tf.reshape(tf.relu(tf.conv2d(x, k as tf.Tensor4D, 1, 'valid')), [4, 7 * 7 * 5]);
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b)) as tf.Scalar;
      }, false, [k, w, b]);
    });
  }
  const out = [k, w, b].map((v) => Float32Array.from(v.dataSync() as Float32Array));
  opt.dispose();
  tf.dispose([k, w, b, x, y]);
  return out;
}

test('fused SIMD Adam = tfjs AdamOptimizer, bit for bit, over 6 steps with a learning-rate change', () => {
  const ref = run(() => tf.train.adam(0.01, 0.9, 0.999, 1e-8));
  const before = tf.memory().numTensors;
  const fused = run(() => new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-8));
  assert.equal(tf.memory().numTensors, before, 'moments freed by dispose');
  for (let i = 0; i < ref.length; i++) {
    assert.equal(fused[i].length, ref[i].length);
    let moved = false;
    for (let j = 0; j < ref[i].length; j++) {
      if (!Object.is(fused[i][j], ref[i][j])) assert.fail(`variable ${i}[${j}]: ${fused[i][j]} vs ${ref[i][j]}`);
      moved ||= ref[i][j] !== 0;
    }
    assert.ok(moved);
  }
});
