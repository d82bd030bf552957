/**
 * ltogp-rankpool: the clip feature is rank pooling of per-frame LTOGP block
 * histograms (8×8 × 256 = 16 384 values at the paper's settings), a tiny fit +
 * predict (ℓ2,1 selection fitted on the training clips only, then linear SVM),
 * and the table path (ℓ2,1 + SVM on a feature row).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClipRef, LabelledClip } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { makeVolume } from '../../src/core/image.ts';
import { ltogpVolume } from '../../src/features/ltogp.ts';
import { rankPool } from '../../src/features/rankPool.ts';
import { ltogpRankpool } from '../../src/recipes/ltogpRankpool.ts';

function memClip(id: string, subject: string, T: number, S: number, f: (t: number, y: number, x: number) => number, emotion: string, y: number): LabelledClip {
  const frames = new Float32Array(T * S * S);
  for (let t = 0; t < T; t++) for (let yy = 0; yy < S; yy++) for (let x = 0; x < S; x++) frames[t * S * S + yy * S + x] = f(t, yy, x);
  return { dataset: 'toy', subject, clip: id, emotion, label: emotion, y, source: { kind: 'memory', frames, width: S, height: S, count: T } };
}

test('ltogp-rankpool extract = rankPool(ltogpVolume(frames)); paper size 128×128, 8×8 blocks → 16 384 values', async () => {
  const rng = new Rng(1);
  const c = memClip('a', 's', 5, 128, () => rng.uniform(), 'happiness', 0);
  const x = await ltogpRankpool().extract(c);
  assert.equal(x.length, 16384);
  const src = c.source.kind === 'memory' ? c.source.frames : new Float32Array();
  const ref = rankPool(ltogpVolume(makeVolume(5, 128, 128, src), { grid: [8, 8] }), { C: 1 });
  assert.deepEqual(x, ref);
  assert.throws(() => ltogpRankpool({ frameSize: 20 }), MerError);
  const one = memClip('b', 's', 1, 128, () => 0.5, 'happiness', 0);
  await assert.rejects(ltogpRankpool().extract(one), /at least 2/);
});

test('ltogp-rankpool fit + predict on tiny clips: vertical → horizontal stripes vs the reverse learnt across subjects', async () => {
  const rng = new Rng(5);
  const S = 40;
  const clips: LabelledClip[] = [];
  for (let s = 0; s < 4; s++) {
    for (let k = 0; k < 2; k++) {
      for (let rep = 0; rep < 2; rep++) {
        const noise = Float32Array.from({ length: S * S }, () => 0.05 * rng.uniform());
        const ph = rng.uniform() * 6;
        // vertical stripes fade into horizontal ones (class 0) or the reverse (class 1) over 6 frames
        const a = (t: number) => (k === 0 ? t / 5 : 1 - t / 5);
        clips.push(memClip(`c${k}${rep}`, `s${s}`, 6, S, (t, y, x) => 0.5 + 0.2 * ((1 - a(t)) * Math.sin(0.9 * x + ph) + a(t) * Math.sin(0.9 * y + ph)) + noise[y * S + x], k === 0 ? 'happiness' : 'surprise', k));
      }
    }
  }
  const r = ltogpRankpool({ frameSize: S, grid: [2, 2], n: 100 });
  const X = await Promise.all(clips.map((c) => r.extract(c)));
  assert.equal(X[0].length, 4 * 256);
  const tr = clips.map((_, i) => i).filter((i) => clips[i].subject !== 's3');
  const te = clips.map((_, i) => i).filter((i) => clips[i].subject === 's3');
  const model = await r.learner().fit({ X: tr.map((i) => X[i]), y: tr.map((i) => clips[i].y), ids: tr.map((i) => `${clips[i].subject}/${clips[i].clip}`), subjects: tr.map((i) => clips[i].subject), classes: ['happiness', 'surprise'], rng: new Rng(1) });
  assert.deepEqual(model.predict(te.map((i) => X[i])).map((p) => p.pred), te.map((i) => clips[i].y));
});

test('ltogp-rankpool on feature rows: the row is the representation (ℓ2,1 + SVM only)', async () => {
  const values = Float32Array.from([0.1, 0.2, 0.3]);
  const c: ClipRef = { dataset: 'd', subject: 's', clip: 'c', emotion: 'happiness', source: { kind: 'features', values, columns: ['a', 'b', 'c'] } };
  assert.equal(await ltogpRankpool().extract(c), values);
  assert.equal(ltogpRankpool({ n: 0 }).learner().name, 'svm-linear');
  assert.match(ltogpRankpool().learner().name, /l21\(450\)/);
});
