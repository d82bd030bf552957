/**
 * Spotting: the MEGC metric (hand-computed IoU / P / R / F1), the threshold,
 * contrast and peak picking (known answers), the spotter on a synthetic 1-D
 * feature with a micro and a macro bump at known frames, and on a short
 * synthetic long video (rendered in memory, seeds not used while tuning).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { stackFrames, toGray } from '../../src/core/image.ts';
import { intervalIoU, spottingMetrics } from '../../src/temporal/spotEval.ts';
import { adaptiveThreshold, contrastCurve, findPeaks } from '../../src/temporal/spotPeaks.ts';
import { spotFromFeatures, spotIntervals } from '../../src/temporal/spot.ts';
import { featureDifference, topMean, type BlockFeatures } from '../../src/temporal/spotFeatures.ts';
import { intensityProfile } from '../../src/datasets/synthetic/render.ts';
import { planLongVideo, longVideoFrames } from '../../src/datasets/synthetic/longVideo.ts';
import { MerError } from '../../src/core/errors.ts';

test('intervalIoU and the MEGC metric: hand-computed counts, one hit per ground truth', () => {
  assert.equal(intervalIoU({ onset: 0, offset: 9 }, { onset: 5, offset: 14 }), 5 / 15);
  assert.equal(intervalIoU({ onset: 0, offset: 9 }, { onset: 0, offset: 9 }), 1);
  assert.equal(intervalIoU({ onset: 0, offset: 9 }, { onset: 10, offset: 19 }), 0);
  const spotted = [{ onset: 0, offset: 9 }, { onset: 20, offset: 29 }, { onset: 50, offset: 55 }];
  const truth = [{ onset: 1, offset: 10 }, { onset: 21, offset: 40 }, { onset: 100, offset: 110 }];
  // IoU 9/11 (hit), 9/21 (miss: < 0.5), no overlap
  const m = spottingMetrics(spotted, truth);
  assert.deepEqual({ tp: m.tp, fp: m.fp, fn: m.fn, matches: m.matches }, { tp: 1, fp: 2, fn: 2, matches: [0, -1, -1] });
  assert.equal(m.precision, 1 / 3);
  assert.equal(m.recall, 1 / 3);
  assert.ok(Math.abs(m.f1 - 1 / 3) < 1e-15);
  // two spots on one truth: one TP (the better IoU), one FP
  const d = spottingMetrics([{ onset: 0, offset: 8 }, { onset: 0, offset: 9 }], [{ onset: 0, offset: 9 }]);
  assert.deepEqual({ tp: d.tp, fp: d.fp, fn: d.fn, matches: d.matches }, { tp: 1, fp: 1, fn: 0, matches: [-1, 0] });
  const none = spottingMetrics([], []);
  assert.deepEqual([none.precision, none.recall, none.f1], [0, 0, 0]);
});

test('adaptive threshold, contrast and peaks: known answers', () => {
  assert.equal(adaptiveThreshold([0, 0, 0, 4], 0.5), 2.5); // mean 1 + 0.5·(4 − 1)
  assert.equal(adaptiveThreshold([2, 2], 0.9), 2);
  const c = contrastCurve([0, 0, 0, 0, 5, 0, 0, 0, 0], 1);
  assert.deepEqual(Array.from(c), [0, 0, 0, 0, 5, 0, 0, 0, 0]);
  // t = 3: 0 − ½(0 + 5) < 0 → 0; the ends (within 2k) are 0 whatever FD says
  assert.deepEqual(Array.from(contrastCurve([9, 0, 0, 1, 0, 0, 9], 1)), [0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(findPeaks([0, 3, 0, 2, 0, 5, 4, 0], { threshold: 1, minDistance: 3 }), [1, 5]);
  assert.deepEqual(findPeaks([0, 3, 0, 2, 0, 5, 4, 0], { threshold: 1, minDistance: 2 }), [1, 3, 5]);
  assert.deepEqual(findPeaks([1, 1, 1], { threshold: 1, minDistance: 1 }), []);
  assert.equal(topMean(Float64Array.from([1, 9, 3, 6, 2, 4]), 1 / 3), 7.5);
});

test('featureDifference: l1 of frame t to the mean of t ± k (hand-computed), 0 at the ends', () => {
  const f: BlockFeatures = { frames: 5, blocks: 1, bins: 2, data: Float32Array.from([0, 0, 1, 1, 4, 2, 1, 1, 0, 0]), metric: 'l1' };
  const fd = featureDifference(f, 1);
  // t = 2: |4 − 1| + |2 − 1| over 2 bins = 2; t = 1: |1 − 2| + |1 − 1| → 0.5
  assert.deepEqual(Array.from(fd), [0, 0.5, 2, 0.5, 0]);
});

function bumpFeatures(T: number, events: { onset: number; apex: number; offset: number; amp: number }[], seed: number): BlockFeatures {
  const rng = new Rng(seed);
  const data = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    data[t] = rng.normal(0, 0.005);
    for (const e of events) data[t] += e.amp * intensityProfile(t, e);
  }
  return { frames: T, blocks: 1, bins: 1, data, metric: 'l1' };
}

test('spotFromFeatures finds a micro and a macro bump at known frames, labelled by duration', () => {
  const truth = [
    { onset: 50, apex: 55, offset: 61, amp: 1 }, // 0.48 s at 25 fps: micro
    { onset: 120, apex: 135, offset: 165, amp: 1 }, // 1.8 s: macro
  ];
  const r = spotFromFeatures(bumpFeatures(240, truth, 1), { fps: 25 });
  assert.equal(r.intervals.length, 2);
  const [a, b] = r.intervals;
  assert.equal(a.kind, 'micro');
  assert.equal(b.kind, 'macro');
  assert.ok(Math.abs(a.apex - 55) <= 1, `micro apex ${a.apex}`);
  assert.ok(Math.abs(b.apex - 135) <= 3, `macro apex ${b.apex}`);
  const m = spottingMetrics(r.intervals, truth);
  assert.equal(m.f1, 1);
  assert.ok(a.score > 1 && b.score > 1);
  assert.throws(() => spotFromFeatures(bumpFeatures(50, [], 2), { fps: 0 }), MerError);
  assert.throws(() => spotFromFeatures(bumpFeatures(50, [], 2), { fps: 25, p: 2 }), MerError);
  // a perfectly still face: zero contrast everywhere, nothing above the threshold
  const still: BlockFeatures = { frames: 100, blocks: 1, bins: 1, data: new Float32Array(100).fill(0.5), metric: 'l1' };
  assert.deepEqual(spotFromFeatures(still, { fps: 25 }).intervals, []);
});

test('spotIntervals on a 16 s synthetic long video (3 micro + 1 macro): MEGC F1 ≥ 0.75', async () => {
  const plan = await planLongVideo({ seed: 101, seconds: 16, size: 128, micro: 3, macro: 1 });
  const vol = stackFrames([...longVideoFrames(plan)].map(toGray));
  const r = spotIntervals(vol, { fps: plan.fps });
  const m = spottingMetrics(r.intervals, plan.intervals);
  assert.ok(m.f1 >= 0.75, `F1 ${m.f1.toFixed(2)}: truth ${JSON.stringify(plan.intervals.map((i) => [i.onset, i.offset]))}, spotted ${JSON.stringify(r.intervals.map((i) => [i.onset, i.offset]))}`);
  // most hits have the ground truth's kind (the boundary estimate can push a 0.44 s micro just past 0.5 s)
  const hits = m.matches.map((g, i) => [g, i]).filter(([g]) => g >= 0);
  const sameKind = hits.filter(([g, i]) => r.intervals[i].kind === plan.intervals[g].kind).length;
  assert.ok(sameKind >= hits.length - 1, `${sameKind} of ${hits.length} hits with the right kind`);
});

test("spotIntervals features 'flow': one local sub-pixel movement in a noisy still face is found at its known frames", () => {
  const S = 64;
  const T = 90;
  const rng = new Rng(7);
  // smooth texture: sum of a few random sinusoids
  const waves = Array.from({ length: 6 }, () => ({ fx: rng.uniform(0.05, 0.25), fy: rng.uniform(0.05, 0.25), ph: rng.uniform(0, 6.28) }));
  const tex = (x: number, y: number) => 0.5 + waves.reduce((s, w) => s + 0.06 * Math.sin(w.fx * x + w.fy * y + w.ph), 0);
  const ev = { onset: 40, apex: 45, offset: 51 };
  const data = new Float32Array(T * S * S);
  for (let t = 0; t < T; t++) {
    const d = 1.2 * intensityProfile(t, ev); // px, the lower-left quarter moves right
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const w = x < S / 2 && y >= S / 2 ? d : 0;
        data[t * S * S + y * S + x] = tex(x - w, y) + rng.normal(0, 0.004);
      }
    }
  }
  const r = spotIntervals({ frames: T, width: S, height: S, data }, { fps: 25, features: 'flow', macro: false });
  const m = spottingMetrics(r.intervals, [ev]);
  assert.equal(m.tp, 1, `spotted ${JSON.stringify(r.intervals)}`);
  assert.ok(Math.abs(r.intervals[m.matches.indexOf(0)].apex - ev.apex) <= 2);
  assert.throws(() => spotIntervals({ frames: T, width: S, height: S, data }, { fps: 25, features: 'nope' as 'flow' }), MerError);
});
