/**
 * `--audit-selection` changes nothing it audits (issue 20): for every network
 * recipe, fitting with the runner's audit probe gives the same weights and the
 * same reported predictions, bit for bit, as fitting without it — and the
 * same again when the probe holds entirely different test rows. So predicting
 * mid-training draws no random number, updates no BatchNorm statistic and
 * leaves dropout's stream alone, and nothing the probe sees flows back.
 * The audit's last stored epoch is the reported prediction (these recipes keep
 * their last epoch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { getRecipe } from '../../src/recipes/index.ts';
import { createAuditProbe } from '../../src/run/audit.ts';
import { networkWeightArrays } from '../../src/nets/modelIo.ts';
import type { FittedModel, Prediction } from '../../src/learn/types.ts';
import type { Network } from '../../src/nets/types.ts';
import * as tf from '../../src/nets/tf.ts';
import { MerError } from '../../src/core/errors.ts';
import { initBackend } from '../../src/nets/backend.ts';
import { predictRows } from '../../src/nets/learner.ts';
import { ststnetNetwork } from '../../src/nets/ststnet.ts';
import { trainNetwork, type TrainAudit } from '../../src/nets/train.ts';

const CLASSES = ['negative', 'positive', 'surprise'];
const FLOW = 28 * 28 * 3;
const FACE = 48 * 48;
const EPOCHS = 2;

/** recipe, tiny parameters (2 epochs: the audit at epoch 1 is mid-training), input length */
const CASES: [string, Record<string, unknown>, number][] = [
  ['ststnet', { epochs: EPOCHS, batchSize: 8 }, FLOW],
  ['off-apexnet', { epochs: EPOCHS, batchSize: 8 }, FLOW],
  ['dual-inception', { epochs: EPOCHS, batchSize: 4 }, FLOW],
  ['fr', { epochs: EPOCHS, batchSize: 8 }, FLOW],
  ['emr', { epochs: EPOCHS, batchSize: 8, width: 2, macroDir: null }, FLOW],
  ['tlcnn', { apexOnly: true, macroDir: null, finetuneEpochs: EPOCHS, finetuneBatch: 4 }, FACE],
  ['tlcnn', { timFrames: 4, macroDir: null, finetuneEpochs: 1, seqEpochs: EPOCHS, finetuneBatch: 4, seqBatch: 4 }, FACE * 5],
];

function rows(n: number, len: number, seed: string): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: len }, () => rng.next()));
}

type Fitted = FittedModel & { network: Network };

async function fit(name: string, params: Record<string, unknown>, len: number, probeRows?: Float32Array[]) {
  const X = rows(12, len, 'train');
  const audit = probeRows ? createAuditProbe(probeRows, {}) : undefined;
  const model = (await (await getRecipe(name, params)).learner().fit({
    X,
    y: X.map((_, i) => i % 3),
    ids: X.map((_, i) => `d/s${i % 4}/c${i}`),
    subjects: X.map((_, i) => `d/s${i % 4}`),
    classes: CLASSES,
    rng: new Rng('fold'),
    ...(audit ? { audit: audit.probe } : {}),
  })) as Fitted;
  const weights = [...networkWeightArrays(model.network)].map(([k, w]) => [k, Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('base64')]);
  const preds: Prediction[] = model.predict(rows(5, len, 'test'));
  // the epoch the reported network is from: the last, or the validation split's choice (FR, Dual-Inception)
  const reported = (model as { info?: { bestEpoch?: number } }).info?.bestEpoch;
  model.dispose?.();
  return { weights, preds, stored: audit?.stored(), reported };
}

for (const [name, params, len] of CASES) {
  const label = `${name}${params.apexOnly ? ' (apexOnly)' : params.timFrames ? ' (TIM + LSTM)' : ''}`;
  test(`${label}: the audit leaves weights and reported predictions unchanged bit for bit, whatever the test rows`, async () => {
    const off = await fit(name, params, len);
    const on = await fit(name, params, len, rows(5, len, 'test'));
    const other = await fit(name, params, len, rows(7, len, 'other test rows'));
    assert.ok(off.weights.length > 0);
    assert.deepEqual(on.weights, off.weights, 'weights with the audit on');
    assert.deepEqual(other.weights, off.weights, 'weights with other test rows in the probe');
    assert.deepEqual(on.preds, off.preds, 'reported predictions (classes and scores)');
    assert.deepEqual(other.preds, off.preds);
    // every epoch of the audited stage was stored; the reported epoch's stored predictions are the reported ones
    assert.deepEqual(on.stored!.epochs, [1, 2]);
    const at = on.reported === undefined ? on.stored!.epochs.length - 1 : on.stored!.epochs.indexOf(on.reported);
    assert.ok(at >= 0, `reported epoch ${on.reported} not stored`);
    assert.deepEqual(on.stored!.preds[at], off.preds.map((p) => p.pred));
    assert.equal(other.stored!.preds[0].length, 7);
  });
}

test('ststnet with --pretrained-dir has no epochs to audit: a one-line option error', async () => {
  const X = rows(3, FLOW, 'train');
  const { probe } = createAuditProbe(rows(1, FLOW, 'test'), {});
  await assert.rejects(
    getRecipe('ststnet', { pretrainedDir: '/nonexistent' }).then((r) => r.learner().fit({ X, y: [0, 1, 2], ids: ['a', 'b', 'c'], subjects: ['d/s1', 'd/s1', 'd/s1'], classes: CLASSES, rng: new Rng(1), testSubjects: ['d/s2'], audit: probe })),
    (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION' && /no epochs to audit/.test(e.message),
  );
});

test('the comparison can fail: an audit hook that runs the network in training mode changes the weights', async () => {
  await initBackend({ backend: 'wasm' });
  const train = async (audit?: TrainAudit) => {
    const net = ststnetNetwork({ classes: 3, seed: 5, dropout: 0.5 });
    const X = rows(12, FLOW, 'train');
    const x = new Float32Array(12 * FLOW);
    X.forEach((r, i) => x.set(r, i * FLOW));
    await trainNetwork(net, { x, y: Int32Array.from(X, (_, i) => i % 3), subjects: X.map((_, i) => `s${i % 4}`) }, { epochs: EPOCHS, batchSize: 8, optimizer: { kind: 'adam', lr: 1e-3 }, seed: 9, audit });
    const w = [...networkWeightArrays(net)].map(([k, a]) => [k, Array.from(a.data)]);
    net.dispose();
    return w;
  };
  const clean = await train();
  const misbehaving: TrainAudit = {
    epochs: () => [1],
    observe: (epoch, net) => {
      const t = rows(5, FLOW, 'test');
      const xt = new Float32Array(5 * FLOW);
      t.forEach((r, i) => xt.set(r, i * FLOW));
      // training-mode forward pass: BatchNorm running statistics move
      tf.tidy(() => net.trainLoss(tf.tensor4d(xt, [5, 28, 28, 3]), tf.tensor1d([0, 1, 2, 0, 1], 'int32'), { epoch, step: 0, rng: new Rng('x') }));
    },
  };
  assert.notDeepEqual(await train(misbehaving), clean);
  assert.deepEqual(await train({ epochs: () => [1], observe: (_e, net) => void predictRows(net, rows(5, FLOW, 'test')) }), clean);
});
