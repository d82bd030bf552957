/**
 * lbptop-svm: hand-computed codes through the whole extract stage (flat and
 * time-ramp clips in the released 'u2-zhao-p8' numbering), a tiny fit +
 * predict on frame clips, the runner on a tiny block-wise feature table, and
 * the real CASME II layout (the TIM-10 clip gives only bins 0–11 per plane,
 * like the released features.csv) when ../shared/data is present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClipRef, LabelledClip } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { lbptopSvm } from '../../src/recipes/lbptopSvm.ts';
import { getRecipe } from '../../src/recipes/index.ts';
import { evaluate } from '../../src/run/evaluate.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

const tmp = mkdtempSync(join(tmpdir(), 'merkit-lbptop-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** a T-frame W×H memory clip with value f(t, y, x) */
function clip(id: string, subject: string, T: number, W: number, H: number, f: (t: number, y: number, x: number) => number, emotion = 'happiness', y = 0): LabelledClip {
  const frames = new Float32Array(T * W * H);
  for (let t = 0; t < T; t++) for (let yy = 0; yy < H; yy++) for (let x = 0; x < W; x++) frames[t * W * H + yy * W + x] = f(t, yy, x);
  return { dataset: 'toy', subject, clip: id, emotion, label: emotion, y, source: { kind: 'memory', frames, width: W, height: H, count: T } };
}

/** [block][plane] → index of the single bin holding all the mass (or -1) */
function peaks(x: Float32Array, blocks: number): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < blocks; b++) {
    const row: number[] = [];
    for (let p = 0; p < 3; p++) {
      const seg = x.subarray((b * 3 + p) * 59, (b * 3 + p + 1) * 59);
      row.push(seg.findIndex((v) => Math.abs(v - 1) < 1e-6));
    }
    out.push(row);
  }
  return out;
}

test('lbptop-svm extract: 4425 values; a flat clip puts every plane in Zhao bin 11 (code 1111)', async () => {
  const r = lbptopSvm();
  const x = await r.extract(clip('flat', 's1', 12, 40, 40, () => 0.5));
  assert.equal(x.length, 25 * 3 * 59);
  assert.deepEqual(peaks(x, 25), Array.from({ length: 25 }, () => [11, 11, 11]));
});

test('lbptop-svm extract: brightening in time (after TIM 16 → 10 frames) gives XY bin 11, XT bin 7 (code 0111), YT bin 0 (1011, non-uniform)', async () => {
  // P = 4: XT neighbours (x+1,t) (x,t+4) (x−1,t) (x,t−4); YT (y,t+4) (y−1,t) (y,t−4) (y+1,t)
  const x = await lbptopSvm().extract(clip('ramp', 's1', 16, 40, 40, (t) => 0.2 + 0.03 * t));
  assert.deepEqual(peaks(x, 25), Array.from({ length: 25 }, () => [11, 7, 0]));
  // darkening: XT (x+1,t)=, (x,t+4)<, (x−1,t)=, (x,t−4)> → 1101 = 13 (non-uniform as 8 bits: bin 0); YT 1110 = 14 → bin 10
  const d = await lbptopSvm().extract(clip('down', 's1', 16, 40, 40, (t) => 0.8 - 0.03 * t));
  assert.deepEqual(peaks(d, 25), Array.from({ length: 25 }, () => [11, 0, 10]));
});

test('lbptop-svm: parameters checked, features clips passed through', async () => {
  assert.throws(() => lbptopSvm({ timFrames: 6 }), MerError); // Rt = 4 needs ≥ 9 frames
  const values = Float32Array.from([1, 2, 3]);
  const c: ClipRef = { dataset: 'd', subject: 's', clip: 'c', emotion: 'happiness', source: { kind: 'features', values, columns: ['a', 'b', 'c'] } };
  assert.equal(await lbptopSvm().extract(c), values);
  assert.equal((await getRecipe('lbptop-svm')).name, 'lbptop-svm');
});

test('lbptop-svm fit + predict on tiny textured clips: brightening vs darkening is learnt across subjects', async () => {
  const rng = new Rng(7);
  const clips: LabelledClip[] = [];
  for (let s = 0; s < 4; s++) {
    for (let k = 0; k < 2; k++) {
      for (let rep = 0; rep < 2; rep++) {
        const tex = Float32Array.from({ length: 30 * 30 }, () => rng.uniform() * 0.3);
        const sign = k === 0 ? 1 : -1;
        clips.push(clip(`c${k}${rep}`, `s${s}`, 12, 30, 30, (t, y, x) => 0.4 + tex[y * 30 + x] + sign * 0.04 * t, k === 0 ? 'happiness' : 'surprise', k));
      }
    }
  }
  const r = lbptopSvm();
  const X = await Promise.all(clips.map((c) => r.extract(c)));
  const tr = clips.map((_, i) => i).filter((i) => clips[i].subject !== 's3');
  const te = clips.map((_, i) => i).filter((i) => clips[i].subject === 's3');
  const model = await r.learner().fit({
    X: tr.map((i) => X[i]),
    y: tr.map((i) => clips[i].y),
    ids: tr.map((i) => clips[i].clip),
    subjects: tr.map((i) => clips[i].subject),
    classes: ['happiness', 'surprise'],
    rng: new Rng(1),
  });
  assert.deepEqual(model.predict(te.map((i) => X[i])).map((p) => p.pred), te.map((i) => clips[i].y));
});

test('lbptop-svm through the runner on a tiny block-wise feature table (LOSO, no leakage machinery bypassed)', async () => {
  const rng = new Rng(3);
  const cols = [0, 1].flatMap((b) => ['xy', 'xt', 'yt'].flatMap((p) => [0, 1, 2].map((k) => `b${b}_${p}_${k}`)));
  const lines = [`subject,clip,emotion,${cols.join(',')}`];
  for (let s = 1; s <= 4; s++) {
    for (const [k, emo] of ['happiness', 'surprise'].entries()) {
      for (let rep = 0; rep < 2; rep++) lines.push(`sub0${s},EP0${k}_${rep},${emo},${cols.map((_, j) => (j % 4 === 0 ? 3 * (k * 2 - 1) : 0) + 0.1 * rng.normal()).map((v) => v.toFixed(4)).join(',')}`);
    }
  }
  const file = join(tmp, 'features.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const res = await evaluate({ dataset: `features:${file}`, labels: 'casme2-5', recipe: 'lbptop-svm', protocol: 'loso', workers: 1, cache: false });
  assert.equal(res.metrics.acc, 1);
  assert.equal(res.folds.length, 4);
  assert.equal(res.predictions.length, 16);
});

test('lbptop-svm on the real CASME II TIM-10 clip: 4425 values, only bins 0–11 used per plane (as the released table)', { skip: skipUnlessShared('casme2-tim10-sequence') }, async () => {
  const dir = sharedData('casme2-tim10-sequence')!;
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(dir, f));
  const c: ClipRef = { dataset: 'casme2', subject: 'x', clip: 'tim10', emotion: 'others', source: { kind: 'frames', files } };
  const x = await lbptopSvm().extract(c);
  assert.equal(x.length, 4425);
  for (let seg = 0; seg < 75; seg++) {
    const h = x.subarray(seg * 59, (seg + 1) * 59);
    assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-5, `plane ${seg} sums to 1`);
    assert.ok(h.subarray(12).every((v) => v === 0), `plane ${seg}: bins ≥ 12 empty`);
  }
});
