/**
 * Spotting with blinks (src/temporal/spotBlinks.ts): block rectangles and
 * freezing (known answers, exact restore); on a synthetic long video with
 * blinks, whose eye aspect ratio comes from the ground truth (a stand-in for
 * the landmark net, whose own response is measured by bench:analyze), every
 * blink is reported as a blink, no blink is left as a micro-expression, and
 * the expressions are still spotted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackFrames, toGray } from '../../src/core/image.ts';
import { roiBlocks } from '../../src/face/landmarks.ts';
import { planLongVideo, longVideoFrames } from '../../src/datasets/synthetic/longVideo.ts';
import { intensityProfile } from '../../src/datasets/synthetic/render.ts';
import { blockRects, freezeRegions, spotWithBlinks } from '../../src/temporal/spotBlinks.ts';
import { spotIntervals } from '../../src/temporal/spot.ts';
import { intervalIoU, spottingMetrics } from '../../src/temporal/spotEval.ts';

test('blockRects: the spotting grid partition; freezeRegions blends frames s−1 and e+1 and restores exactly', () => {
  assert.deepEqual(blockRects([0, 7], 6, 12, 12), [{ x0: 0, x1: 2, y0: 0, y1: 2 }, { x0: 2, x1: 4, y0: 2, y1: 4 }]);
  const T = 6, W = 4, H = 2;
  const data = Float32Array.from({ length: T * W * H }, (_, i) => Math.floor(i / (W * H)) + 0.01 * (i % (W * H)));
  const vol = { frames: T, width: W, height: H, data: Float32Array.from(data) };
  const restore = freezeRegions(vol, [{ x0: 0, x1: 2, y0: 0, y1: 1 }], [[2, 3]]);
  // pixel 1 of frames 2, 3: blend of frame 1 (1.01) and frame 4 (4.01) at 1/3 and 2/3
  assert.ok(Math.abs(vol.data[2 * W * H + 1] - 2.01) < 1e-6 && Math.abs(vol.data[3 * W * H + 1] - 3.01) < 1e-6);
  vol.data[2 * W * H + 1] = 99; // a frozen pixel: restored from the saved value
  assert.equal(vol.data[2 * W * H + 2], data[2 * W * H + 2], 'outside the rectangle: untouched');
  restore();
  assert.deepEqual(vol.data, data);
});

test('spotWithBlinks on a synthetic video with 3 blinks: blinks apart, expressions kept', async () => {
  const plan = await planLongVideo({ seed: 301, seconds: 16, size: 128, micro: 2, macro: 1, blinks: 3 });
  assert.equal(plan.blinks.length, 3);
  const vol = stackFrames([...longVideoFrames(plan)].map(toGray));
  const S = plan.size;
  const lm = plan.face.landmarks;
  const spot = { fps: plan.fps, grid: 6, blocks: roiBlocks(lm, S, S, 6) };
  const eyeBlocks = roiBlocks(lm, S, S, 6, ['rightEye', 'leftEye']);
  // EAR 0.3 open, down 15 % at full closure (face-api's landmarks respond about that much on real blinks)
  let calls = 0;
  const ear = async (t: number) => {
    calls++;
    const c = Math.max(0, ...plan.blinks.map((b) => intensityProfile(t, b)));
    return 0.3 * (1 - 0.15 * c) + 0.001 * Math.sin(1.7 * t);
  };
  const plain = spotIntervals(vol, spot);
  const before = vol.data.slice();
  const { result, blinks, earFrames } = await spotWithBlinks(vol, spot, { eyeBlocks, ear });
  assert.deepEqual(vol.data, before, 'the crops are restored after spotting');
  assert.equal(earFrames, calls);
  assert.ok(earFrames < vol.frames, `EAR only near spotted intervals: ${earFrames} of ${vol.frames} frames`);
  // without blink handling, blinks are spotted as expressions
  const blinkAsExpr = (ivs: { onset: number; offset: number }[]) => ivs.filter((iv) => plan.blinks.some((b) => intervalIoU(iv, b) >= 0.5)).length;
  assert.ok(blinkAsExpr(plain.intervals) >= 2, `plain spotting takes blinks for expressions: ${JSON.stringify(plain.intervals)}`);
  assert.equal(blinkAsExpr(result.intervals), 0, `no blink left as an expression: ${JSON.stringify(result.intervals)}`);
  const bm = spottingMetrics(blinks.map((b) => b.interval), plan.blinks);
  assert.equal(bm.tp, 3, `every blink reported: ${JSON.stringify(blinks.map((b) => b.interval))} vs ${JSON.stringify(plan.blinks)}`);
  const m = spottingMetrics(result.intervals, plan.intervals);
  const m0 = spottingMetrics(plain.intervals, plan.intervals);
  assert.ok(m.f1 >= m0.f1, `expression F1 ${m.f1.toFixed(2)} with blinks handled, ${m0.f1.toFixed(2)} without`);
  assert.ok(m.recall >= 2 / 3, `expressions still spotted: ${JSON.stringify(result.intervals)} vs ${JSON.stringify(plan.intervals)}`);
});
