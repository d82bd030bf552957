/**
 * The tlcnn recipe: per-clip input layout (apex frame, then the TIM sequence
 * as NHWC channels — with T = N frames TIM returns the frames themselves),
 * flow clips refused unless apexOnly, and a tiny three-stage fit (CK+
 * pre-training on a hand-made folder → apex fine-tuning → CNN + LSTM) that
 * predicts deterministically and saves/loads to the same predictions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabelledClip } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { writeImage } from '../../src/io/image.ts';
import { loadSavedModel } from '../../src/learn/persist.ts';
import type { FittedModel } from '../../src/learn/types.ts';
import { clearTlcnnPretrainCache, tlcnnRecipe } from '../../src/recipes/tlcnn.ts';

const MEGC3 = ['negative', 'positive', 'surprise'];
const tmp = mkdtempSync(join(tmpdir(), 'merkit-tlcnn-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function face(dx: number, dy: number): Float32Array {
  const out = new Float32Array(48 * 48);
  for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) out[y * 48 + x] = 0.2 + 0.6 / (1 + Math.exp((Math.hypot(x - 24 - dx, y - 24 - dy) - 10) / 1.5));
  return out;
}

const ckDir = join(tmp, 'ck');
for (let f = 1; f <= 3; f++) {
  await writeImage(join(ckDir, 'happy', `S001_001_0000000${f}.png`), { width: 48, height: 48, channels: 1, data: face(f, 0) });
  await writeImage(join(ckDir, 'sadness', `S002_001_0000000${f}.png`), { width: 48, height: 48, channels: 1, data: face(0, f) });
}

/** 4-frame 48×48 memory clips, apex annotated at frame 2 */
function clips(): LabelledClip[] {
  const out: LabelledClip[] = [];
  for (let k = 0; k < 3; k++) for (let s = 0; s < 2; s++) {
    const frames = new Float32Array(4 * 48 * 48);
    for (let t = 0; t < 4; t++) frames.set(face(t * (k - 1), t * s * 0.5), t * 2304);
    out.push({ dataset: 'toy', subject: `s${s}${k}`, clip: `c${k}`, emotion: MEGC3[k], label: MEGC3[k], y: k, onset: 10, apex: 12, source: { kind: 'memory', frames, width: 48, height: 48, count: 4 } });
  }
  return out;
}

const TINY = { timFrames: 4, pretrainEpochs: 1, finetuneEpochs: 1, seqEpochs: 1, finetuneBatch: 8, seqBatch: 4 };

test('tlcnn input: apex frame then TIM frames as channels (T = N reproduces the frames)', async () => {
  const c = clips()[2];
  const x = await tlcnnRecipe({ ...TINY, macroDir: null, alignFaces: false }).extract(c);
  assert.equal(x.length, 2304 * 5);
  const src = c.source.kind === 'memory' ? c.source.frames : new Float32Array();
  for (let i = 0; i < 2304; i += 97) assert.equal(x[i], src[2 * 2304 + i]); // apex = frame 12 − 10
  for (let t = 0; t < 4; t++) for (let i = 0; i < 2304; i += 131) assert.ok(Math.abs(x[2304 + i * 4 + t] - src[t * 2304 + i]) < 1e-5);
});

test('tlcnn refuses flow clips (no frame sequence) unless apexOnly, which reads the apex face', async () => {
  const flow = join(tmp, 'f.png');
  const apex = join(tmp, 'a.png');
  await writeImage(flow, { width: 28, height: 28, channels: 3, data: new Float32Array(28 * 28 * 3).fill(0.5) });
  await writeImage(apex, { width: 96, height: 96, channels: 1, data: new Float32Array(96 * 96).fill(0.25) });
  const clip = { dataset: 'd', subject: 's', clip: 'c', emotion: 'negative', source: { kind: 'flow' as const, file: flow, apexFile: apex } };
  const r = tlcnnRecipe({ macroDir: null });
  assert.ok(!r.accepts.includes('flow'));
  await assert.rejects(r.extract(clip), (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION' && /needs frame clips/.test(e.message));
  const a = tlcnnRecipe({ macroDir: null, apexOnly: true });
  assert.ok(a.accepts.includes('flow'));
  const x = await a.extract(clip);
  assert.equal(x.length, 48 * 48);
  assert.ok(x.every((v) => Math.abs(v - 64 / 255) < 0.01));
  assert.throws(() => tlcnnRecipe({ timFrames: 0 }), MerError);
  assert.throws(() => tlcnnRecipe({ pretrainBatch: 0 }), MerError);
});

async function fit(params: Record<string, unknown>, o: { keep?: (c: LabelledClip, i: number) => boolean; sharedSeed?: number; foldSeed?: number } = {}) {
  const r = tlcnnRecipe({ ...TINY, ...params });
  const cs = clips().filter(o.keep ?? (() => true));
  const X = await Promise.all(cs.map((c) => r.extract(c)));
  const sharedRng = o.sharedSeed === undefined ? undefined : new Rng(`${o.sharedSeed}/shared`);
  const m = (await r.learner().fit({ X, y: cs.map((c) => c.y), ids: cs.map((c) => c.clip), subjects: cs.map((c) => c.subject), classes: MEGC3, rng: new Rng(o.foldSeed ?? 3), sharedRng })) as FittedModel & { info: Record<string, unknown> };
  return { m, X, preds: m.predict(X) };
}

test('tlcnn: CK+ pre-training → apex fine-tuning → CNN + LSTM; deterministic; save/load gives the same predictions', async () => {
  const a = await fit({ macroDir: ckDir });
  const b = await fit({ macroDir: ckDir });
  assert.match(String(a.m.info.pretrain), /^CK\+ 6 faces \(megc3\), 1 epochs/);
  assert.equal(a.m.info.transferredTensors, 12); // conv1–5 and fc6, kernel + bias each
  assert.equal(a.preds.length, 6);
  for (const p of a.preds) assert.ok(Math.abs(p.scores.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  assert.deepEqual(a.preds, b.preds);
  const loaded = (await loadSavedModel(await a.m.save!())) as FittedModel;
  const again = loaded.predict(a.X);
  again.forEach((p, i) => p.scores.forEach((s, k) => assert.ok(Math.abs(s - a.preds[i].scores[k]) < 1e-6)));
});

test('tlcnn apexOnly without CK+: skips pre-training and the LSTM stage, says so', async () => {
  const a = await fit({ macroDir: null, apexOnly: true });
  assert.match(String(a.m.info.pretrain), /skipped: no CK\+ folder/);
  assert.match(String(a.m.info.sequence), /apexOnly/);
  assert.equal(a.X[0].length, 2304);
  assert.equal(a.preds.length, 6);
});

test('tlcnn: under the runner CK+ pre-training is done once per run and reused by every fold, bit for bit', async () => {
  clearTlcnnPretrainCache();
  const params = { macroDir: ckDir, apexOnly: false };
  // two "folds": different training clips and fold streams, one run seed
  const foldA = await fit(params, { keep: (_, i) => i !== 0, sharedSeed: 7, foldSeed: 1 });
  const foldB = await fit(params, { keep: (_, i) => i !== 5, sharedSeed: 7, foldSeed: 2 });
  assert.doesNotMatch(String(foldA.m.info.pretrain), /reused/);
  assert.match(String(foldB.m.info.pretrain), /^CK\+ 6 faces .*; reused \(pre-trained once per run, no fold data\)$/);
  // the reused network is exactly what a fresh pre-training gives
  clearTlcnnPretrainCache();
  const fresh = await fit(params, { keep: (_, i) => i !== 5, sharedSeed: 7, foldSeed: 2 });
  assert.doesNotMatch(String(fresh.m.info.pretrain), /reused/);
  assert.deepEqual(fresh.preds, foldB.preds);
  // another run seed is another pre-training
  const other = await fit(params, { keep: (_, i) => i !== 5, sharedSeed: 8, foldSeed: 2 });
  assert.doesNotMatch(String(other.m.info.pretrain), /reused/);
  assert.notDeepEqual(other.preds, foldB.preds);
  clearTlcnnPretrainCache();
});

test('tlcnn fine-tuning batch: the paper\'s 224 TIM frames = 7 clips per update; on apex frames 7, on TIM frames 224; an explicit batch wins', () => {
  assert.equal(tlcnnRecipe({ macroDir: null, apexOnly: true }).params.finetuneBatch, 7);
  assert.equal(tlcnnRecipe({ macroDir: null }).params.finetuneBatch, 7); // finetuneOn 'apex' is the default
  assert.equal(tlcnnRecipe({ macroDir: null, finetuneOn: 'tim' }).params.finetuneBatch, 224);
  assert.equal(tlcnnRecipe({ macroDir: null, finetuneOn: 'tim', apexOnly: true }).params.finetuneBatch, 7); // apexOnly has no TIM frames
  assert.equal(tlcnnRecipe({ macroDir: null, apexOnly: true, finetuneBatch: 224 }).params.finetuneBatch, 224);
  assert.match(tlcnnRecipe({ macroDir: null, apexOnly: true }).paper?.settings ?? '', /batch 7 apex frames/);
});
