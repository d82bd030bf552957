/**
 * mmfl recipe: the paper's presets, block inference from a table's column
 * names, per-block strain (motion only in block 0 → block 0 strongest),
 * tiny fit + predict from frames (w_no and w_balance) and through the runner
 * on a tiny block-wise table, and weighting on a table refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClipRef, LabelledClip } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { blockStrain, blocksFromColumns, mmflRecipe, mmflRecipeParams } from '../../src/recipes/mmfl.ts';
import { makeVolume } from '../../src/core/image.ts';
import { tim } from '../../src/temporal/tim.ts';
import { lbpMop } from '../../src/features/lbpMop.ts';
import { evaluate } from '../../src/run/evaluate.ts';

const tmp = mkdtempSync(join(tmpdir(), 'merkit-mmfl-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** small, fast settings: 48×40 frames, 12 TIM frames, 2×2 blocks */
const SMALL = { frameSize: [48, 40] as [number, number], timFrames: 12, grid: [2, 2] as [number, number] };
/** and for fitting: P = 4 u2 (15 bins per plane, 45 per block), 3 outer iterations */
const FIT = { ...SMALL, points: [4, 4, 4] as [number, number, number], tMax: 3 };

function memClip(id: string, subject: string, T: number, W: number, H: number, f: (t: number, y: number, x: number) => number, emotion: string, y: number, apex?: number): LabelledClip {
  const frames = new Float32Array(T * W * H);
  for (let t = 0; t < T; t++) for (let yy = 0; yy < H; yy++) for (let x = 0; x < W; x++) frames[t * W * H + yy * W + x] = f(t, yy, x);
  return { dataset: 'toy', subject, clip: id, emotion, label: emotion, y, onset: 0, apex, source: { kind: 'memory', frames, width: W, height: H, count: T } };
}

test('mmfl presets: CASME II 150×120, TIM 30, 5×4, R = (3,3,3) / MOP (1,1,3), nummost 9; SMIC TIM 20, 5×1, R = (4,4,2) / (2,2,2), nummost 2', () => {
  const c = mmflRecipeParams();
  assert.deepEqual([c.frameSize, c.timFrames, c.grid, c.radii, c.mopRadii, c.points, c.mapping, c.nummost, c.sigma, c.kInter, c.kIntra, c.alpha, c.hRatio], [[150, 120], 30, [5, 4], [3, 3, 3], [1, 1, 3], [8, 8, 8], 'u2', 9, 100, 15, 5, 0.001, 0.6]);
  const s = mmflRecipeParams({ database: 'smic' });
  assert.deepEqual([s.timFrames, s.grid, s.radii, s.mopRadii, s.nummost], [20, [5, 1], [4, 4, 2], [2, 2, 2], 2]);
  assert.equal(mmflRecipeParams({ database: 'smic', nummost: 3 }).nummost, 3);
  for (const bad of [{ weighting: 'most' }, { variant: 'best' }, { feature: 'lbp-sip' }, { init: 'zeros' }, { svmScore: 'vote' }, { svmGamma: 'auto' }]) {
    assert.throws(() => mmflRecipe(bad as never), MerError, JSON.stringify(bad));
  }
  // learner defaults: LBP-TOP, MMFL, T_max 10, ε 1e-5, 2 search steps after the rotation, C = 1, γ scale, Platt probabilities, no inner-CV search
  assert.deepEqual(
    [c.feature, c.variant, c.init, c.tMax, c.epsilon, c.stiefelIter, c.rotate, c.svmC, c.svmGamma, c.svmClassWeight, c.svmScore, c.tuneAlpha, c.tuneC, c.tuneFolds],
    ['lbp-top', 'mmfl', 'eigen', 10, 1e-5, 2, true, 1, 'scale', 'none', 'probability', [], [], 5],
  );
  // the learner's settings do not enter the feature cache key; the feature's do
  assert.deepEqual(mmflRecipe({ variant: 'original', svmC: 10 }).extractParams, mmflRecipe().extractParams);
  assert.notDeepEqual(mmflRecipe({ feature: 'lbp-mop' }).extractParams, mmflRecipe().extractParams);
});

test('blocksFromColumns: b{block}_… names give the block count; a stray or uneven column is an error naming it', () => {
  assert.equal(blocksFromColumns(['b0_xy_0', 'b0_xt_0', 'b1_xy_0', 'b1_xt_0', 'b2_xy_0', 'b2_xt_0'], 'f.csv'), 3);
  assert.throws(() => blocksFromColumns(['b0_xy_0', 'age'], 'f.csv'), /'age' is not block-wise/);
  assert.throws(() => blocksFromColumns(['b0_xy_0', 'b0_xy_1', 'b1_xy_0'], 'f.csv'), /block b1 has 1 columns/);
});

test('mmfl extract from frames: 2×2 × 177 LBP-TOP values, then (weighted) 4 block strains — motion only in block 0 gives block 0 the largest', async () => {
  const W = 48, H = 40;
  // textured static face; a bright blob moves right by up to 1.5 px in the top-left block
  const rng = new Rng(2);
  const tex = Float32Array.from({ length: W * H }, () => 0.1 * rng.uniform());
  const f = (t: number, y: number, x: number) => 0.3 + tex[y * W + x] + 0.4 * Math.exp(-((x - 10 - 0.1 * t) ** 2 + (y - 10) ** 2) / 18);
  const c = memClip('blob', 's1', 16, W, H, f, 'happiness', 0, 15);
  const plain = await mmflRecipe(SMALL).extract(c);
  assert.equal(plain.length, 4 * 177);
  const x = await mmflRecipe({ ...SMALL, weighting: 'balance' }).extract(c);
  assert.equal(x.length, 4 * 177 + 4);
  assert.deepEqual(x.subarray(0, 4 * 177), plain);
  const s = [...x.subarray(4 * 177)];
  assert.ok(s.every((v) => v >= 0));
  assert.equal(s.indexOf(Math.max(...s)), 0, `block strains ${s.map((v) => v.toFixed(4)).join(' ')}`);
});

test('mmfl extract, LBP-MOP and LBP-MOP*: the paper\'s MOP radii (1,1,3); MOP* = MOP with each block\'s XY histogram × strain / max strain', async () => {
  // 40 wide × 48 high = SMALL's frameSize [48, 40] (height, width): no resampling
  const W = 40, H = 48;
  const rng = new Rng(3);
  const tex = Float32Array.from({ length: W * H }, () => 0.1 * rng.uniform());
  const f = (t: number, y: number, x: number) => 0.3 + tex[y * W + x] + 0.4 * Math.exp(-((x - 28 - 0.12 * t) ** 2 + (y - 36) ** 2) / 18);
  const c = memClip('blob2', 's1', 16, W, H, f, 'happiness', 0, 15);
  const mop = await mmflRecipe({ ...SMALL, feature: 'lbp-mop' }).extract(c);
  const src = c.source.kind === 'memory' ? c.source.frames : new Float32Array();
  const vol = makeVolume(16, H, W, src);
  const ref = lbpMop(tim(vol, 12), { radii: [1, 1, 3], points: [8, 8, 8], mapping: 'u2', grid: [2, 2] });
  assert.deepEqual(mop, ref);
  const star = await mmflRecipe({ ...SMALL, feature: 'lbp-mop*' }).extract(c);
  assert.equal(star.length, 4 * 177);
  const s = blockStrain(vol, c, [2, 2]);
  const top = Math.max(...s);
  assert.ok(top > 0);
  for (let k = 0; k < 4; k++) {
    for (let a = 0; a < 177; a++) {
      const expected = a < 59 ? mop[k * 177 + a] * (s[k] / top) : mop[k * 177 + a];
      assert.ok(Math.abs(star[k * 177 + a] - expected) < 1e-7, `block ${k} bin ${a}: ${star[k * 177 + a]} vs ${expected}`);
    }
  }
  // the moving blob is in block 3 (bottom right): its XY histogram keeps full weight
  assert.equal(s.indexOf(top), 3);
});

function textured(rng: Rng): LabelledClip[] {
  const out: LabelledClip[] = [];
  for (let s = 0; s < 4; s++) {
    for (let k = 0; k < 2; k++) {
      for (let rep = 0; rep < 2; rep++) {
        const tex = Float32Array.from({ length: 48 * 40 }, () => rng.uniform() * 0.3);
        const sign = k === 0 ? 1 : -1;
        out.push(memClip(`c${k}${rep}`, `s${s}`, 14, 48, 40, (t, y, x) => 0.4 + tex[y * 48 + x] + sign * 0.03 * t, k === 0 ? 'happiness' : 'surprise', k, 13));
      }
    }
  }
  return out;
}

for (const weighting of ['none', 'balance'] as const) {
  test(`mmfl fit + predict from frames (weighting ${weighting}): brightening vs darkening learnt across subjects`, async () => {
    const clips = textured(new Rng(11));
    const r = mmflRecipe({ ...FIT, weighting, nummost: 2 });
    const X = await Promise.all(clips.map((c) => r.extract(c)));
    const tr = clips.map((_, i) => i).filter((i) => clips[i].subject !== 's3');
    const te = clips.map((_, i) => i).filter((i) => clips[i].subject === 's3');
    const model = await r.learner().fit({ X: tr.map((i) => X[i]), y: tr.map((i) => clips[i].y), ids: tr.map((i) => clips[i].clip + clips[i].subject), subjects: tr.map((i) => clips[i].subject), classes: ['happiness', 'surprise'], rng: new Rng(1) });
    assert.deepEqual(model.predict(te.map((i) => X[i])).map((p) => p.pred), te.map((i) => clips[i].y));
    assert.throws(() => model.predict([X[0].subarray(1)]), MerError);
  });
}

test('mmfl on a block-wise table through the runner (blocks from column names); weighting on a table is refused', async () => {
  const rng = new Rng(4);
  const cols = [0, 1].flatMap((b) => ['xy', 'xt', 'yt'].flatMap((p) => Array.from({ length: 59 }, (_, k) => `b${b}_${p}_${k}`)));
  const lines = [`subject,clip,emotion,${cols.join(',')}`];
  for (let s = 1; s <= 4; s++) {
    for (const [k, emo] of ['happiness', 'surprise'].entries()) {
      for (let rep = 0; rep < 3; rep++) lines.push(`sub0${s},EP${k}_${rep},${emo},${cols.map((_, j) => (j % 59 < 6 ? (j % 59 === k ? 0.5 : 0) + 0.05 * rng.uniform() : 0)).map((v) => v.toFixed(4)).join(',')}`);
    }
  }
  const file = join(tmp, 'table.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const res = await evaluate({ dataset: `features:${file}`, labels: 'casme2-5', recipe: 'mmfl', protocol: 'loso', workers: 1, cache: false });
  assert.equal(res.predictions.length, 24);
  assert.equal(res.metrics.acc, 1);
  // the paper's comparison rows through the same runner
  for (const variant of ['original', 'nr'] as const) {
    for (const svmScore of ['probability', 'decision'] as const) {
      const r = await evaluate({ dataset: `features:${file}`, labels: 'casme2-5', recipe: 'mmfl', recipeParams: { variant, svmScore }, protocol: 'loso', workers: 1, cache: false });
      assert.ok(r.metrics.acc >= 0.9, `${variant} / ${svmScore}: acc ${r.metrics.acc}`);
    }
  }
  const row: ClipRef = { dataset: 'd', subject: 's', clip: 'c', emotion: 'happiness', source: { kind: 'features', values: new Float32Array(cols.length), columns: cols } };
  await assert.rejects(mmflRecipe({ weighting: 'active' }).extract(row), /needs per-block optical strain/);
  await assert.rejects(mmflRecipe({ feature: 'lbp-mop*' }).extract(row), /needs per-block optical strain/);
  await assert.rejects(mmflRecipe().extract({ ...row, source: { kind: 'features', values: new Float32Array(10), columns: cols.slice(0, 10) } }), MerError);
});
