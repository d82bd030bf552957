/**
 * The training engine (src/nets/train.ts): schedules and subject splits by
 * hand, determinism bit for bit, early stopping on a validation split of the
 * training subjects, checkpoints, and no tensor leak over 800 epochs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/nets/tf.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { groupedByClass, scheduledLr, splitSubjects, trainNetwork, shuffled, type TrainData } from '../../src/nets/train.ts';
import { layersNetwork } from '../../src/nets/layersNetwork.ts';
import { ststnetNetwork } from '../../src/nets/ststnet.ts';
import { readNetworkFolder, networkWeightArrays } from '../../src/nets/modelIo.ts';
import { Rng } from '../../src/core/rng.ts';
import { MerError } from '../../src/core/errors.ts';
import type { Network, TrainStepInfo } from '../../src/nets/types.ts';
import { denseLayer, StoreNetwork } from '../../src/nets/blocks.ts';

/** 4×4×1 → dense 2: class = whether the left half is brighter than the right */
function tinyNet(seed: number): Network {
  const input = tf.input({ shape: [4, 4, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'fc' }).apply(flat) as tf.SymbolicTensor;
  return layersNetwork(tf.model({ inputs: input, outputs: out }), { name: 'tiny' });
}

function tinyData(n: number, subjects: number, seed: number): TrainData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 16);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) x[i * 16 + r * 4 + c] = rng.uniform(0, 0.5) + ((c < 2) === (y[i] === 1) ? 0.5 : 0);
  }
  return { x, y, subjects: Array.from({ length: n }, (_, i) => `d/s${i % subjects}`) };
}

const same = (a: Map<string, { data: Float32Array }>, b: Map<string, { data: Float32Array }>) => {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [k, v] of a) assert.deepEqual(v.data, b.get(k)!.data, k);
};

test('scheduledLr: constant, step and cosine by hand', () => {
  assert.equal(scheduledLr(0.1, undefined, 7, 10), 0.1);
  assert.ok(Math.abs(scheduledLr(1, { kind: 'step', everyEpochs: 10, gamma: 0.1 }, 25, 100) - 0.01) < 1e-15);
  assert.equal(scheduledLr(1, { kind: 'step', everyEpochs: 10, gamma: 0.1 }, 9, 100), 1);
  assert.equal(scheduledLr(2, { kind: 'cosine' }, 0, 10), 2);
  assert.ok(Math.abs(scheduledLr(2, { kind: 'cosine', minLr: 1 }, 5, 10) - 1.5) < 1e-12);
  assert.ok(Math.abs(scheduledLr(2, { kind: 'cosine' }, 10, 10)) < 1e-12);
});

test('splitSubjects: ⌈f·S⌉ whole subjects, disjoint, seeded; shuffled is a permutation', () => {
  const subs = ['a', 'a', 'b', 'c', 'c', 'd', 'e'];
  const s1 = splitSubjects(subs, 0.3, new Rng(4));
  assert.equal(s1.val.length, 2); // ⌈0.3·5⌉
  assert.equal(s1.train.length, 3);
  assert.deepEqual([...s1.val, ...s1.train].sort(), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(splitSubjects(subs, 0.3, new Rng(4)), s1);
  assert.equal(splitSubjects(subs, 0.99, new Rng(1)).train.length, 1);
  assert.throws(() => splitSubjects(['a', 'a'], 0.5, new Rng(1)), MerError);
  assert.deepEqual([...shuffled(6, new Rng(2))].sort(), [0, 1, 2, 3, 4, 5]);
});

test('trainNetwork learns a separable toy problem; no tensor leak over 800 epochs', async () => {
  await initBackend({ backend: 'wasm' });
  const net = tinyNet(1);
  const counts: number[] = [];
  const r = await trainNetwork(net, tinyData(16, 4, 1), {
    epochs: 800,
    batchSize: 8,
    seed: 1,
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
    schedule: { kind: 'cosine' },
    onEpoch: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(r.epochs, 800);
  assert.ok(r.log[799].loss < 0.1 * r.log[0].loss, `loss ${r.log[0].loss} → ${r.log[799].loss}`);
  assert.equal(new Set(counts).size, 1, `tensor count varied: ${Math.min(...counts)}…${Math.max(...counts)}`);
  // held-out samples of the same rule are classified
  const test = tinyData(20, 2, 99);
  const pred = tf.tidy(() => tf.argMax(net.predictLogits(tf.tensor4d(test.x, [20, 4, 4, 1])), -1).dataSync());
  assert.deepEqual(Array.from(pred), Array.from(test.y));
  net.dispose();
});

test('same seed → identical STSTNet weights bit for bit (dropout, fast BatchNorm, Adam); another seed differs', async () => {
  await initBackend({ backend: 'wasm' });
  const rng = new Rng(3);
  const n = 12;
  const data: TrainData = {
    x: Float32Array.from({ length: n * 28 * 28 * 3 }, () => Math.round(rng.uniform(0, 255))),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    subjects: Array.from({ length: n }, (_, i) => `d/s${i % 3}`),
  };
  const run = async (seed: number) => {
    const net = ststnetNetwork({ classes: 3, seed: 5 });
    await trainNetwork(net, data, { epochs: 2, batchSize: 5, seed, optimizer: { kind: 'adam', lr: 1e-3 } });
    const w = networkWeightArrays(net);
    net.dispose();
    return w;
  };
  const a = await run(1);
  same(a, await run(1));
  const c = await run(2);
  assert.notDeepEqual(a.get('conv/kernel')!.data, c.get('conv/kernel')!.data);
});

test('groupByClass: the batches a DataLoader without shuffling sees over class folders (class 0, 1, 2; given order within a class)', async () => {
  const y = Int32Array.from([2, 0, 1, 0, 2, 1, 0]);
  assert.deepEqual(Array.from(groupedByClass(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), y)), [1, 3, 6, 2, 5, 0, 4]);
  assert.deepEqual(Array.from(groupedByClass(Int32Array.from([6, 4, 3, 0]), y)), [6, 3, 4, 0]);
  // the engine visits exactly those batches, the same every epoch: a network that records its batches' labels
  await initBackend({ backend: 'wasm' });
  const base = tinyNet(1);
  const seen: number[][] = [];
  const spy: Network = { ...base, trainLoss: (x, yb, info) => (seen.push(Array.from(yb.dataSync())), base.trainLoss(x, yb, info)) };
  const data: TrainData = { x: new Float32Array(7 * 16), y: Int32Array.from([1, 0, 1, 0, 1, 1, 0]), subjects: Array(7).fill('d/s') };
  await trainNetwork(spy, data, { epochs: 2, batchSize: 4, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 }, shuffle: false, groupByClass: true });
  assert.deepEqual(seen, [[0, 0, 0, 1], [1, 1, 1], [0, 0, 0, 1], [1, 1, 1]]);
  await assert.rejects(trainNetwork(spy, data, { epochs: 1, batchSize: 4, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 }, groupByClass: true }), (e: unknown) => e instanceof MerError && /shuffle: false/.test(e.expected ?? ''));
  base.dispose();
});

test('early stopping uses only training subjects, stops after `patience`, restores the best epoch', async () => {
  await initBackend({ backend: 'wasm' });
  const data = tinyData(24, 6, 2);
  const opts = { batchSize: 8, seed: 3, optimizer: { kind: 'adam' as const, lr: 0.01 } };
  // minDelta so large that only the first epoch counts as an improvement
  const validation = { fraction: 0.34, bySubject: true as const, patience: 3, minDelta: 1e9 };
  const net = tinyNet(2);
  const r = await trainNetwork(net, data, { ...opts, epochs: 50, validation });
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.epochs, 4);
  assert.equal(r.bestEpoch, 0);
  assert.equal(r.validationSubjects.length, 3);
  assert.ok(r.validationSubjects.every((s) => data.subjects.includes(s)));
  assert.equal(r.trainSamples, 12);
  assert.ok(r.log.every((e) => e.valLoss !== undefined && e.valAccuracy !== undefined));
  // the kept weights are those after epoch 0 of the same run
  const ref = tinyNet(2);
  await trainNetwork(ref, data, { ...opts, epochs: 1, validation });
  same(networkWeightArrays(net), networkWeightArrays(ref));
  net.dispose();
  ref.dispose();
});

test('checkpoints: the folder holds the final epoch and every weight', async () => {
  await initBackend({ backend: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'merkit-ckpt-'));
  try {
    const net = tinyNet(3);
    const seen: number[] = [];
    await trainNetwork(net, tinyData(8, 2, 3), {
      epochs: 3,
      batchSize: 4,
      seed: 1,
      optimizer: { kind: 'sgd', lr: 0.1 },
      checkpointDir: dir,
      checkpointEvery: 2,
      onEpoch: (e) => seen.push(e.epoch),
    });
    assert.deepEqual(seen, [0, 1, 2]);
    const { meta, weights } = await readNetworkFolder(dir);
    assert.equal(meta.epoch, 3);
    assert.equal(meta.name, 'tiny');
    same(weights, networkWeightArrays(net));
    net.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad inputs are MerErrors naming what was expected', async () => {
  await initBackend({ backend: 'wasm' });
  const net = tinyNet(1);
  const d = tinyData(4, 2, 1);
  const o = { epochs: 1, batchSize: 2, seed: 1, optimizer: { kind: 'adam' as const, lr: 0.01 } };
  await assert.rejects(trainNetwork(net, { ...d, x: d.x.subarray(0, 10) }, o), (e) => e instanceof MerError && /NHWC/.test(e.expected ?? ''));
  await assert.rejects(trainNetwork(net, { ...d, y: Int32Array.from([0, 1, 2, 0]) }, o), (e) => e instanceof MerError && e.code === 'BAD_LABEL');
  await assert.rejects(trainNetwork(net, d, { ...o, optimizer: { kind: 'adam', lr: 0 } }), MerError);
  net.dispose();
});

/** 4×4×1 → one dense layer 'fc' → 2 classes, on the ParamStore (stable weight names fc/kernel, fc/bias) */
class StoreTiny extends StoreNetwork {
  private readonly f: (x: tf.Tensor4D) => tf.Tensor2D;
  seenTags: number[][] = [];
  constructor(seed: number) {
    super('store-tiny', [4, 4, 1], 2, seed);
    const fc = denseLayer(this.ps, 'fc', 16, 2);
    this.f = (x) => fc(tf.reshape(x, [x.shape[0], 16]) as tf.Tensor2D);
  }
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return this.f(x);
  }
  override trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar {
    if (info.tags) this.seenTags.push(Array.from(info.tags));
    return super.trainLoss(x, y, info);
  }
}

const weightsOf = (net: Network) => new Map([...net.getWeights()].map(([k, t]) => [k, Array.from(t.dataSync())]));

test('scheduledLr: step decay with a floor decays only while the rate is above it (EMR authors\' loop)', () => {
  const s = { kind: 'step' as const, everyEpochs: 10, gamma: 0.5, minLr: 1e-5 };
  assert.equal(scheduledLr(1e-3, s, 9, 100), 1e-3);
  assert.equal(scheduledLr(1e-3, s, 10, 100), 5e-4);
  assert.equal(scheduledLr(1e-3, s, 69, 100), 1e-3 / 64);
  assert.equal(scheduledLr(1e-3, s, 70, 100), 1e-3 / 128); // 1.5625e-5 > 1e-5: one more halving
  assert.equal(scheduledLr(1e-3, s, 99, 100), 1e-3 / 128); // 7.8e-6 ≤ 1e-5: no further decay
});

test('grouped steps: per-group rates, clipping per group to a global norm, then weight decay (torch order), by hand', async () => {
  const data = tinyData(8, 4, 2);
  const run = (o: Partial<Parameters<typeof trainNetwork>[2]>) => {
    const net = new StoreTiny(3);
    const before = weightsOf(net);
    return trainNetwork(net, data, { epochs: 1, batchSize: 8, optimizer: { kind: 'sgd', lr: 0.5 }, seed: 1, shuffle: false, ...o }).then(() => ({ net, before, after: weightsOf(net) }));
  };
  // plain SGD: Δw = −lr·g; recover g from it
  const plain = await run({});
  const g = new Map([...plain.before].map(([k, w0]) => [k, w0.map((w, i) => (w - plain.after.get(k)![i]) / 0.5)]));
  const norm = Math.sqrt([...g.values()].flat().reduce((s, v) => s + v * v, 0));
  assert.ok(norm > 0.05, `gradient norm ${norm}`);
  // bias at a tenth of the rate, kernel clipped to norm 0.01, weight decay 0.1 on both
  const grouped = await run({
    paramGroups: [{ name: 'bias', match: (n) => n.endsWith('/bias'), lr: 0.05 }],
    clipGroups: [{ match: (n) => n.endsWith('/kernel'), maxNorm: 0.01 }],
    weightDecay: 0.1,
  });
  const kNorm = Math.sqrt(g.get('fc/kernel')!.reduce((s, v) => s + v * v, 0));
  const scale = 0.01 / (kNorm + 1e-6);
  assert.ok(scale < 1);
  for (const [k, w0] of grouped.before) {
    const lr = k === 'fc/bias' ? 0.05 : 0.5;
    const sc = k === 'fc/kernel' ? scale : 1;
    w0.forEach((w, i) => {
      const want = w - lr * (g.get(k)![i] * sc + 0.1 * w);
      assert.ok(Math.abs(grouped.after.get(k)![i] - want) < 1e-5, `${k}[${i}]: ${grouped.after.get(k)![i]} vs ${want}`);
    });
  }
  plain.net.dispose();
  grouped.net.dispose();
});

test('augment sees the training batches only (never validation rows) with their shape; tags reach the loss with their batch', async () => {
  const data = { ...tinyData(12, 6, 5), tags: Int32Array.from({ length: 12 }, (_, i) => 100 + i) };
  const net = new StoreTiny(4);
  const calls: number[] = [];
  const r = await trainNetwork(net, data, {
    epochs: 2,
    batchSize: 4,
    optimizer: { kind: 'adam', lr: 0.01 },
    seed: 3,
    validation: { fraction: 0.34, bySubject: true, patience: 10 },
    augment: (x, n, shape) => {
      assert.deepEqual(shape, [4, 4, 1]);
      assert.equal(x.length, n * 16);
      calls.push(n);
      return x;
    },
  });
  assert.equal(calls.reduce((a, b) => a + b, 0), 2 * r.trainSamples); // training rows only, each epoch
  assert.ok(r.trainSamples < 12);
  const valRows = new Set(data.subjects.map((s, i) => (r.validationSubjects.includes(s) ? 100 + i : -1)));
  const seen = net.seenTags.flat();
  assert.equal(seen.length, 2 * r.trainSamples);
  assert.ok(seen.every((t) => !valRows.has(t)), 'a validation row reached the training loss');
  net.dispose();
});
