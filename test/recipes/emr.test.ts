/**
 * The emr recipe and the CK+ macro domain (src/stages/macroDomain.ts):
 * - a hand-made CK+ folder: relabelling, flows within one sequence (first →
 *   last frame present), shapes of the 'flow' and 'face' domains;
 * - EVM with α = 0 leaves the flow image unchanged (magnification is the only
 *   difference between magnify on and off);
 * - a tiny EMR (ResNet width 2) fits and predicts with and without the
 *   adversarial macro branch, deterministically, and says which it used;
 * - on ../shared/data/ckplus48 (when present): 327 sequences → 327
 *   within-sequence flows, megc3 counts; 981 faces with casme2-5 counts.
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
import { buildMacroDomain, loadMacroDomain, macroSchemeFor, type MacroSequence } from '../../src/stages/macroDomain.ts';
import { openCkplus } from '../../src/datasets/ckplus.ts';
import { readImage } from '../../src/io/image.ts';
import { emrRecipe } from '../../src/recipes/emr.ts';
import { getRecipe } from '../../src/recipes/index.ts';
import { sharedData } from '../helpers/shared.ts';

const MEGC3 = ['negative', 'positive', 'surprise'];
const tmp = mkdtempSync(join(tmpdir(), 'merkit-emr-'));
process.env.MERKIT_CACHE = join(tmp, 'cache');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** a 48×48 face-like image: a bright disc whose centre moves with `dx`, `dy` */
function disc(dx: number, dy: number, r = 10): Float32Array {
  const out = new Float32Array(48 * 48);
  for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) {
    const d = Math.hypot(x - 24 - dx, y - 24 - dy);
    out[y * 48 + x] = 0.2 + 0.6 / (1 + Math.exp((d - r) / 1.5)) + 0.05 * Math.sin(x / 3) * Math.cos(y / 4);
  }
  return out;
}

/** S001: happy + surprise sequences; S002: one anger sequence (skipped for flows) */
async function fakeCkplus(): Promise<string> {
  const dir = join(tmp, 'ck');
  const put = (emo: string, name: string, d: Float32Array) => writeImage(join(dir, emo, name), { width: 48, height: 48, channels: 1, data: d });
  for (let f = 1; f <= 3; f++) {
    await put('happy', `S001_001_0000000${f}.png`, disc(f, 0));
    await put('surprise', `S001_002_0000000${f}.png`, disc(0, f, 10 + f));
    await put('anger', `S002_001_0000000${f}.png`, disc(-f, 0));
  }
  return dir;
}
const ckDir = await fakeCkplus();

test('macroSchemeFor finds megc3 / casme2-5 from the class list, nothing for others', () => {
  assert.equal(macroSchemeFor(MEGC3), 'megc3');
  assert.equal(macroSchemeFor(['happiness', 'surprise', 'disgust', 'repression', 'others']), 'casme2-5');
  assert.equal(macroSchemeFor(['positive', 'negative', 'surprise']), undefined);
});

test('macro flows run within one sequence: from its first to its last frame, never across sequences', () => {
  const img = (v: number) => ({ width: 2, height: 2, channels: 1 as const, data: new Float32Array(4).fill(v) });
  const seqs: MacroSequence[] = [
    { subject: 'S001', clip: '001', emotion: 'happiness', frames: [img(1), img(2), img(3)] },
    { subject: 'S001', clip: '002', emotion: 'surprise', frames: [img(4), img(5), img(6)] },
    { subject: 'S002', clip: '001', emotion: 'anger', frames: [img(7)] },
  ];
  const pairs: [number, number][] = [];
  const d = buildMacroDomain(seqs, { kind: 'flow', classes: MEGC3, size: 2 }, (a, b, size) => {
    pairs.push([a.data[0], b.data[0]]);
    return new Float32Array(size * size * 3);
  });
  assert.deepEqual(pairs, [[1, 3], [4, 6]]);
  assert.deepEqual(d.ids, ['ckplus/S001/001', 'ckplus/S001/002']);
  assert.deepEqual(d.skipped.map((s) => s.id), ['ckplus/S002/001']); // one frame: no flow within it
});

test('macro domain from a hand-made CK+ folder: relabelled, shapes', async () => {
  const flow = await loadMacroDomain(ckDir, { kind: 'flow', classes: MEGC3 });
  assert.deepEqual(flow.shape, [28, 28, 3]);
  assert.deepEqual(Array.from(flow.y), [1, 2, 0]); // happiness → positive, surprise → surprise, anger → negative
  assert.deepEqual(flow.ids, ['ckplus/S001/001', 'ckplus/S001/002', 'ckplus/S002/001']);
  assert.equal(flow.x.length, 3 * 28 * 28 * 3);
  assert.ok(flow.x.every((v) => v >= 0 && v <= 1));
  // each flow image is min-max scaled per channel: 0 and 1 both occur
  assert.ok(flow.x.some((v) => v === 0) && flow.x.some((v) => v === 1));
  assert.deepEqual(flow.skipped, []);
  const face = await loadMacroDomain(ckDir, { kind: 'face', classes: MEGC3 });
  assert.deepEqual(face.shape, [48, 48, 1]);
  assert.deepEqual(Array.from(face.y), [1, 1, 1, 2, 2, 2, 0, 0, 0]); // S001 happy, surprise; S002 anger → negative (kept for faces)
  assert.equal(face.x.length, 9 * 48 * 48);
  await assert.rejects(loadMacroDomain(ckDir, { kind: 'flow', classes: ['a', 'b'] }), (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION');
  await assert.rejects(loadMacroDomain(join(tmp, 'nope'), { kind: 'face', classes: MEGC3 }), MerError);
});

/** six 32×32 memory clips, two per class, each a moving disc (class = direction) */
function clips(): LabelledClip[] {
  const out: LabelledClip[] = [];
  const dirs = [[1, 0], [0, 1], [-1, -1]];
  for (let k = 0; k < 3; k++) for (let s = 0; s < 2; s++) {
    const T = 5;
    const frames = new Float32Array(T * 32 * 32);
    for (let t = 0; t < T; t++) {
      const a = Math.sin((Math.PI * t) / (T - 1)) * 1.5;
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
        const d = Math.hypot(x - 16 - a * dirs[k][0] - s, y - 16 - a * dirs[k][1]);
        frames[t * 1024 + y * 32 + x] = 0.2 + 0.6 / (1 + Math.exp((d - 7) / 1.5));
      }
    }
    out.push({ dataset: 'toy', subject: `s${s}${k}`, clip: `c${k}`, emotion: MEGC3[k], label: MEGC3[k], y: k, onset: 0, apex: 2, fps: 100, source: { kind: 'memory', frames, width: 32, height: 32, count: T } });
  }
  return out;
}

const TINY = { width: 2, epochs: 1, batchSize: 4, frameSize: 32, frameFlowSize: 32, pretrainMacroEpochs: 0 };

test('emr extract: the flow image at frameFlowSize from frames, in [0, 1]; EVM with α = 0 gives the unmagnified flow image', async () => {
  const c = clips()[0];
  const off = await emrRecipe({ ...TINY, magnify: false, macroDir: null }).extract(c);
  const zero = await emrRecipe({ ...TINY, magnify: true, evmAlpha: 0, macroDir: null }).extract(c);
  const on = await emrRecipe({ ...TINY, magnify: true, evmAlpha: 20, macroDir: null }).extract(c);
  assert.equal(off.length, 32 * 32 * 3);
  assert.ok(off.every((v) => v >= 0 && v <= 1));
  let maxd = 0;
  off.forEach((v, i) => (maxd = Math.max(maxd, Math.abs(v - zero[i]))));
  assert.ok(maxd <= 1 / 255 + 1e-6, `α = 0 changed the flow image by ${maxd}`);
  assert.ok(on.some((v, i) => Math.abs(v - off[i]) > 2 / 255), 'α = 20 should change the flow image');
});

async function fitPredict(params: Record<string, unknown>) {
  const r = await getRecipe('emr', { ...TINY, ...params });
  const cs = clips();
  const X = await Promise.all(cs.map((c) => r.extract(c)));
  const m = (await r.learner().fit({ X, y: cs.map((c) => c.y), ids: cs.map((c) => c.clip), subjects: cs.map((c) => c.subject), classes: MEGC3, rng: new Rng(7) })) as { info: Record<string, unknown>; predict: (X: Float32Array[]) => { pred: number; scores: readonly number[] }[] };
  return { r, info: m.info, preds: m.predict(X.slice(0, 3)) };
}

test('emr fits and predicts with the adversarial CK+ branch (and macro pre-training), deterministically', async () => {
  const a = await fitPredict({ macroDir: ckDir, pretrainMacroEpochs: 1, adversarial: true });
  const b = await fitPredict({ macroDir: ckDir, pretrainMacroEpochs: 1, adversarial: true });
  assert.equal(a.info.adversarial, true);
  assert.match(String(a.info.macro), /CK\+ 3 within-sequence flows \(megc3; 0 skipped\), in the training rows with the adversarial branch/);
  assert.match(String(a.info.pretrain), /encoder pre-trained on CK\+ 3 flows \(megc3\), 1 epochs/);
  assert.equal(a.preds.length, 3);
  for (const p of a.preds) assert.ok(Math.abs(p.scores.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  assert.deepEqual(a.preds, b.preds);
});

test('emr by default: CK+ pre-training and the adversarial branch (chosen on held-out training subjects); adversarial=false drops the branch only, and the report says which', async () => {
  assert.equal(emrRecipe().params.adversarial, true);
  assert.match(String(emrRecipe().paper?.settings), /L_adv through gradient reversal .*better on held-out training subjects/);
  assert.match(String(emrRecipe({ adversarial: false }).paper?.settings), /adversarial macro branch off \(--param adversarial=false/);
  const a = await fitPredict({ macroDir: ckDir, pretrainMacroEpochs: 1 });
  assert.equal(a.info.adversarial, true);
  assert.match(String(a.info.macro), /in the training rows with the adversarial branch/);
  const off = await fitPredict({ macroDir: ckDir, pretrainMacroEpochs: 1, adversarial: false });
  assert.equal(off.info.adversarial, false);
  assert.match(String(off.info.macro), /not in the training rows \(adversarial = false\)/);
  assert.match(String(off.info.pretrain), /encoder pre-trained on CK\+ 3 flows/);
});

test('emr without a CK+ folder trains without the adversarial branch and says so', async () => {
  const a = await fitPredict({ macroDir: null });
  assert.equal(a.info.adversarial, false);
  assert.match(String(a.r.params.macroDomain), /^off: no CK\+ folder/);
  assert.match(String(a.info.macro), /without the adversarial branch/);
  assert.throws(() => emrRecipe({ macroDir: join(tmp, 'missing') }), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
  assert.throws(() => emrRecipe({ epochs: 0 }), (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION');
});

test('real CK+ (ckplus48): 327 within-sequence flows (megc3 175/69/83), 981 faces (casme2-5 207/249/177/0/348)', async (t) => {
  const dir = sharedData('ckplus48');
  if (!dir) return t.skip('ckplus48 absent');
  const ds = await openCkplus(dir);
  assert.equal(ds.clips.length, 327);
  const seqs: MacroSequence[] = [];
  for (const c of ds.clips) {
    if (c.source.kind !== 'frames') continue;
    seqs.push({ subject: c.subject, clip: c.clip, emotion: c.emotion, frames: await Promise.all(c.source.files.map((f) => readImage(f, { mode: 'gray' }))) });
  }
  // labels and skipping without the ≈ 30 s of TV-L1 (flows stubbed)
  const flow = buildMacroDomain(seqs, { kind: 'flow', classes: MEGC3 }, (_a, _b, s) => new Float32Array(s * s * 3));
  assert.equal(flow.y.length, 327);
  assert.equal(flow.skipped.length, 0);
  assert.deepEqual([0, 1, 2].map((k) => flow.y.filter((v) => v === k).length), [175, 69, 83]);
  // real flows of two subjects
  const two = seqs.filter((s) => s.subject === seqs[0].subject || s.subject === 'S010');
  const real = buildMacroDomain(two, { kind: 'flow', classes: MEGC3 });
  assert.equal(real.x.length, real.y.length * 28 * 28 * 3);
  assert.ok(real.y.length >= 2 && real.x.every((v) => v >= 0 && v <= 1));
  const faces = buildMacroDomain(seqs, { kind: 'face', classes: ['happiness', 'surprise', 'disgust', 'repression', 'others'] });
  assert.equal(faces.y.length, 981);
  assert.deepEqual([0, 1, 2, 3, 4].map((k) => faces.y.filter((v) => v === k).length), [207, 249, 177, 0, 348]);
});
