/**
 * The `ststnet` recipe with the authors' published per-subject weights
 * (`--pretrained-dir`): each CDE/LOSO fold loads DIR/<test subject>.pth.
 * Over the 309 dev clips this gives UF1 0.7525 / UAR 0.7530 (PyTorch's own
 * predictions.csv scored the same way; the published 0.7209 / 0.7250 is over
 * all 442 clips). And `merkit net-predict` reproduces predictions.csv.
 * Needs ../shared/data; skips otherwise. Also: pixel-order helpers by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnlessShared, SHARED_DATA } from '../helpers/shared.ts';
import { evaluate } from '../../src/run/evaluate.ts';
import { planarRgbToBgr255, ststnetRecipe, STSTNET_PAPER } from '../../src/recipes/ststnet.ts';
import { predictStstnetPth } from '../../src/cli/commands/netPredict.ts';
import { MerError } from '../../src/core/errors.ts';

const skip = skipUnlessShared('ststnet-reference') || skipUnlessShared('megc2019-cde-dev');

test('planarRgbToBgr255 puts planar [R|G|B] in [0,1] as interleaved B,G,R 0–255', () => {
  // 2 pixels: R = (1, 0), G = (0.5, 0), B = (0, 1)
  const out = planarRgbToBgr255(Float32Array.from([1, 0, 0.5, 0, 0, 1]));
  assert.deepEqual(Array.from(out), [0, 128, 255, 255, 0, 0]);
});

test('recipe defaults are the paper settings, and main.py’s init and batch order', () => {
  assert.deepEqual({ lr: STSTNET_PAPER.lr, batchSize: STSTNET_PAPER.batchSize, epochs: STSTNET_PAPER.epochs }, { lr: 5e-5, batchSize: 256, epochs: 800 });
  assert.deepEqual({ init: STSTNET_PAPER.init, batchOrder: STSTNET_PAPER.batchOrder }, { init: 'torch', batchOrder: 'by-class' });
  assert.throws(() => ststnetRecipe({ batchOrder: 'sorted' as 'shuffle' }), (e: unknown) => e instanceof MerError && /batchOrder/.test(e.message));
  assert.match(ststnetRecipe().paper!.citation, /FG 2019/);
});

test('ststnet --pretrained-dir over the CDE dev set: UF1 0.7525, UAR 0.7530', { skip }, async () => {
  const r = await evaluate({
    dataset: `flowdir:${join(SHARED_DATA, 'megc2019-cde-dev')}`,
    labels: 'megc3',
    recipe: 'ststnet',
    recipeParams: { pretrainedDir: join(SHARED_DATA, 'ststnet-reference', 'weights') },
    protocol: 'cde',
    workers: 1,
    cache: false,
  });
  assert.equal(r.predictions.length, 309);
  assert.equal(r.metrics.uf1.toFixed(4), '0.7525');
  assert.equal(r.metrics.uar.toFixed(4), '0.7530');
  // every prediction is PyTorch's
  const lines = readFileSync(join(SHARED_DATA, 'ststnet-reference', 'predictions.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const torch = new Map(lines.map((l) => l.split(',')).map((c) => [`${c[0]}/${c[1]}/${c[2]}`, c[4]]));
  for (const p of r.predictions) assert.equal(p.pred, torch.get(`${p.dataset}/${p.subject}/${p.clip}`), `${p.subject}/${p.clip}`);
});

test('pretrainedDir with a fold that tests several subjects is a MerError', { skip }, async () => {
  await assert.rejects(
    evaluate({
      dataset: `flowdir:${join(SHARED_DATA, 'megc2019-cde-dev')}`,
      labels: 'megc3',
      recipe: 'ststnet',
      recipeParams: { pretrainedDir: join(SHARED_DATA, 'ststnet-reference', 'weights') },
      protocol: 'kfold:2',
      workers: 1,
      cache: false,
    }),
    (e) => e instanceof MerError && /exactly one subject/.test(e.message),
  );
});

test('net-predict --arch ststnet --weights sub.pth reproduces PyTorch logits', { skip }, async () => {
  const lines = readFileSync(join(SHARED_DATA, 'ststnet-reference', 'predictions.csv'), 'utf8').trim().split(/\r?\n/).slice(1, 4).map((l) => l.split(','));
  for (const c of lines) {
    const [p] = await predictStstnetPth(join(SHARED_DATA, 'ststnet-reference', 'weights', `${c[1]}.pth`), [join(SHARED_DATA, 'megc2019-cde-dev', 'flow', `${c[0]}_${c[1]}_${c[2]}.png`)]);
    assert.equal(p.label, c[4]);
    p.logits.forEach((v, k) => assert.ok(Math.abs(v - Number(c[5 + k])) < 1e-4, `${c[2]} logit ${k}: ${v} vs ${c[5 + k]}`));
  }
  await assert.rejects(predictStstnetPth('/nonexistent.pth', []), MerError);
});
