/**
 * Alignment for recognition: every spotted interval is re-cropped
 * with ONE transform, its onset frame's, so the classified onset→apex motion
 * carries no translation from the tracked landmarks drifting between frames.
 * - relativeTransform: re-cropping a crop equals cropping with the target
 *   transform (known answer on a smooth image), identity on itself;
 * - analyzeFrames with an injected detector whose landmarks drift 0.25 px a
 *   frame over a still scene with one local movement: the clip handed to the
 *   classifier has an onset→apex flow of ≈ 0 outside the moving part,
 *   whereas per-frame crops show the drift (≈ 0.8 px), measured the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Image, Volume } from '../../src/core/image.ts';
import { alignTransform, applyAlign, relativeTransform } from '../../src/face/align.ts';
import type { DetectedFace } from '../../src/face/detect.ts';
import { analyzeFrames } from '../../src/run/analyze.ts';
import { tvl1Flow } from '../../src/motion/tvl1.ts';
import { intensityProfile } from '../../src/datasets/synthetic/render.ts';

function fakeLandmarks(rx: number, ry: number, lx: number, ly: number): Float32Array {
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    let x = (rx + lx) / 2, y = ry + 40;
    if (i >= 36 && i < 42) [x, y] = [rx + (i % 2 ? 1 : -1), ry];
    if (i >= 42 && i < 48) [x, y] = [lx + (i % 2 ? 1 : -1), ly];
    lm[2 * i] = x;
    lm[2 * i + 1] = y;
  }
  return lm;
}

const tex = (x: number, y: number) => 0.5 + 0.12 * Math.sin(0.21 * x + 0.05 * y) + 0.1 * Math.cos(0.07 * x - 0.19 * y + 1) + 0.08 * Math.sin(0.13 * x + 0.16 * y + 2);

function image(W: number, H: number, f: (x: number, y: number) => number): Image {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = f(x, y);
  return { width: W, height: H, channels: 1, data };
}

test('relativeTransform: re-cropping a crop gives the target crop (interior), identity on itself', () => {
  const img = image(200, 200, tex);
  const target = alignTransform(fakeLandmarks(80, 90, 120, 91), { size: 64 });
  const current = alignTransform(fakeLandmarks(83.5, 88, 123, 90.5), { size: 64 });
  const re = applyAlign(applyAlign(img, current), relativeTransform(target, current));
  const want = applyAlign(img, target);
  let max = 0;
  for (let y = 8; y < 56; y++) for (let x = 8; x < 56; x++) max = Math.max(max, Math.abs(re.data[y * 64 + x] - want.data[y * 64 + x]));
  assert.ok(max < 0.01, `max difference ${max}`);
  const id = relativeTransform(target, target);
  for (const [k, v] of Object.entries({ a: 1, b: 0, tx: 0, ty: 0 })) assert.ok(Math.abs(id[k as 'a'] - v) < 1e-12, `${k} = ${id[k as 'a']}`);
});

/** median horizontal flow (crop pixels) over the top rows of the crop, away from the moving part */
function staticShift(a: Image, b: Image): number {
  const f = tvl1Flow(a, b);
  const u: number[] = [];
  for (let y = 6; y < 26; y++) for (let x = 6; x < a.width - 6; x++) u.push(f.u[y * a.width + x]);
  u.sort((p, q) => p - q);
  return u[u.length >> 1];
}

test('analyzeFrames classifies each interval re-cropped with its onset transform: no drift bias in the onset→apex flow', async () => {
  const W = 200, T = 90, DRIFT = 0.25, S = 64;
  const ev = { onset: 40, apex: 46, offset: 52 };
  const lmAt = (t: number) => fakeLandmarks(80 + DRIFT * t, 90, 120 + DRIFT * t, 90);
  const frames: Image[] = [];
  const index = new Map<Image, number>();
  for (let t = 0; t < T; t++) {
    const d = 3 * intensityProfile(t, ev); // the lower-left part of the face moves right by up to 3 px (1.6 crop px)
    const img = image(W, W, (x, y) => tex(x - (x >= 60 && x < 100 && y >= 115 && y < 150 ? d : 0), y));
    frames.push(img);
    index.set(img, t);
  }
  const detect = async (img: Image): Promise<DetectedFace[]> => {
    const lm = lmAt(index.get(img)!);
    return [{ score: 0.99, box: { x: lm[72] - 30, y: lm[73] - 40, width: 110, height: 120 }, landmarks: lm }];
  };
  const clips: { clip: Volume; apex: number }[] = [];
  const { analysis } = await analyzeFrames(frames, { fps: 25, width: W, height: W, file: 'drift.mp4' }, {
    faceSize: S,
    keyFrameInterval: 5,
    detect,
    roi: false,
    spot: { macro: false },
    overlays: 0,
    classify: async (clip, apex) => {
      clips.push({ clip, apex });
      return { label: 'x', scores: { x: 1 }, probabilities: true };
    },
  });
  const i = analysis.intervals.findIndex((iv) => iv.onset <= ev.apex && iv.offset >= ev.apex);
  assert.ok(i >= 0, `the movement is spotted: ${JSON.stringify(analysis.intervals)}`);
  const iv = analysis.intervals[i];
  const { clip, apex } = clips[i];
  assert.equal(clip.frames, iv.offset - iv.onset + 1);
  assert.equal(apex, iv.apex - iv.onset);
  const n = S * S;
  const frameOf = (v: Volume, t: number): Image => ({ width: S, height: S, channels: 1, data: v.data.subarray(t * n, (t + 1) * n) });
  const onsetAligned = staticShift(frameOf(clip, 0), frameOf(clip, apex));
  // the same frames cropped with their own (drifting) tracked landmarks
  const perFrame = staticShift(applyAlign(frames[iv.onset], alignTransform(lmAt(iv.onset), { size: S })), applyAlign(frames[iv.apex], alignTransform(lmAt(iv.apex), { size: S })));
  const expected = (DRIFT * (iv.apex - iv.onset)) / alignTransform(lmAt(0), { size: S }).a; // in crop pixels
  assert.ok(Math.abs(perFrame + expected) < 0.25, `per-frame crops carry the drift: ${perFrame.toFixed(3)} vs −${expected.toFixed(3)}`);
  assert.ok(Math.abs(onsetAligned) < 0.1, `onset-aligned clip: static-region flow ${onsetAligned.toFixed(3)} px (per-frame crops: ${perFrame.toFixed(3)}, interval ${iv.onset}/${iv.apex}/${iv.offset})`);
});
