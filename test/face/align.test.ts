/**
 * Alignment geometry (known answers on synthetic landmarks) and tracking with
 * an injected detector (interpolation between key frames, face choice, the
 * no-face error) — no network model needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeImage, type Image } from '../../src/core/image.ts';
import { MerError } from '../../src/core/errors.ts';
import { alignFace, alignLandmarks, alignTransform, applyAlign, scaleTransform, EYE_ROW, FACE_WIDTH_IOD } from '../../src/face/align.ts';
import { eyeCentres, interOcularDistance, roiBlocks, LANDMARK_REGIONS } from '../../src/face/landmarks.ts';
import { chooseFace, FaceTracker, trackFace, toDetectionImage } from '../../src/face/track.ts';
import type { DetectedFace } from '../../src/face/detect.ts';

/** 68 landmarks: right eye points around (rx, ry), left eye around (lx, ly), the rest at the mouth (mx, my). */
function fakeLandmarks(rx: number, ry: number, lx: number, ly: number, mx = (rx + lx) / 2, my = ry + 40): Float32Array {
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    let x = mx, y = my;
    if (i >= 36 && i < 42) [x, y] = [rx + (i % 2 ? 1 : -1), ry];
    if (i >= 42 && i < 48) [x, y] = [lx + (i % 2 ? 1 : -1), ly];
    lm[2 * i] = x;
    lm[2 * i + 1] = y;
  }
  return lm;
}

test('eye centres, IOD, and alignTransform: eyes land level at the documented place and scale', () => {
  // eyes 40 px apart, tilted by 30°
  const a = (30 * Math.PI) / 180;
  const rx = 100, ry = 100;
  const lx = rx + 40 * Math.cos(a), ly = ry + 40 * Math.sin(a);
  const lm = fakeLandmarks(rx, ry, lx, ly);
  const e = eyeCentres(lm);
  assert.ok(Math.abs(e.right.x - rx) < 1e-4 && Math.abs(e.left.y - ly) < 1e-4);
  assert.ok(Math.abs(interOcularDistance(lm) - 40) < 1e-4);
  const S = 100, margin = 0.1;
  const T = alignTransform(lm, { size: S, margin });
  const out = alignLandmarks(lm, T);
  const oe = eyeCentres(out);
  const iod = S / FACE_WIDTH_IOD / (1 + 2 * margin);
  assert.ok(Math.abs(oe.right.y - oe.left.y) < 1e-3, 'eyes level');
  assert.ok(Math.abs(oe.left.x - oe.right.x - iod) < 1e-3, 'IOD scaled');
  assert.ok(Math.abs((oe.left.x + oe.right.x) / 2 - (S - 1) / 2) < 1e-3, 'centred');
  assert.ok(Math.abs(oe.right.y - EYE_ROW * (S - 1)) < 1e-3, 'eye row');
  // the mouth (below the eyes in the tilted face) stays below them once levelled
  assert.ok(out[2 * 60 + 1] > oe.right.y);
  assert.throws(() => alignTransform(new Float32Array(10)), MerError);
  assert.throws(() => alignTransform(lm, { size: 3 }), MerError);
});

test('applyAlign samples the input through the transform (a linear ramp maps to a known linear ramp)', () => {
  const W = 200, H = 160;
  const img = makeImage(W, H, 1);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img.data[y * W + x] = (x + 2 * y) / 1000;
  const lm = fakeLandmarks(80, 70, 120, 70); // level eyes, IOD 40
  const { image, transform: T } = alignFace(img, lm, { size: 64, margin: 0 });
  assert.equal(image.width, 64);
  for (const [x, y] of [[10, 10], [32, 20], [50, 40]]) {
    const xi = T.a * x - T.b * y + T.tx;
    const yi = T.b * x + T.a * y + T.ty;
    assert.ok(Math.abs(image.data[y * 64 + x] - (xi + 2 * yi) / 1000) < 1e-5);
  }
  // scaling a transform found on a half-size image addresses the same points of the full image
  const half = alignTransform(Float32Array.from(lm, (v) => (v + 0.5) / 2 - 0.5), { size: 64 });
  const full = scaleTransform(half, 2);
  const direct = alignTransform(lm, { size: 64 });
  for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(full[k] - direct[k]) < 1e-4, k);
  // a colour image keeps its three planes
  const rgb = applyAlign(makeImage(W, H, 3, new Float32Array(3 * W * H).fill(0.5)), T);
  assert.equal(rgb.channels, 3);
  assert.ok(rgb.data.every((v) => Math.abs(v - 0.5) < 1e-6));
});

test('roiBlocks: the grid blocks holding the expressive landmarks', () => {
  const lm = fakeLandmarks(30, 40, 70, 40, 50, 80); // 100×100 image, grid 2 → eyes in blocks 0 and 1, the rest at (50, 80): block 3
  assert.deepEqual(roiBlocks(lm, 100, 100, 2), [0, 1, 3]);
  assert.deepEqual(roiBlocks(lm, 100, 100, 2, ['rightEye']), [0]);
  assert.equal(LANDMARK_REGIONS.mouth[1] - LANDMARK_REGIONS.mouth[0], 20);
});

const face = (x: number, y: number, w: number, dx = 0): DetectedFace => ({
  box: { x, y, width: w, height: w },
  score: 0.9,
  landmarks: fakeLandmarks(x + 0.3 * w + dx, y + 0.4 * w, x + 0.7 * w + dx, y + 0.4 * w),
});

test('trackFace: detects on key frames only, interpolates landmarks linearly between them, follows the chosen face', async () => {
  const frames: Image[] = Array.from({ length: 9 }, () => makeImage(8, 8, 1));
  const calls: number[] = [];
  let n = 0;
  // the face moves 8 px right per key frame (every 4 frames); a second, smaller face stays put
  const detect = async () => {
    calls.push(n);
    const dx = 8 * n++;
    return [face(200, 10, 40), face(10 + dx, 10, 100)];
  };
  const seen: number[] = [];
  const track = await trackFace(frames, { keyFrameInterval: 4, detect, smoothKeyFrames: 0, onFrame: (t) => void seen.push(t) });
  assert.deepEqual(track.keyFrames, [0, 4, 8]);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(track.maxFaces, 2);
  assert.equal(track.detectedKeyFrames, 3);
  const rx = (t: number) => eyeCentres(track.landmarks[t]!).right.x;
  // largest face: right eye at 10 + 0.3·100 = 40, then +8 per key frame, +2 per frame between
  for (let t = 0; t <= 8; t++) assert.ok(Math.abs(rx(t) - (40 + 2 * t)) < 1e-4, `frame ${t}: ${rx(t)}`);
  // the running median over 3 key frames removes a one-key-frame jump (an expression must not move the track)
  let j = 0;
  const jumpy = async () => [face(10 + (j++ === 2 ? 30 : 0), 10, 100)];
  const sm = await trackFace(Array.from({ length: 17 }, () => makeImage(8, 8, 1)), { keyFrameInterval: 4, detect: jumpy, smoothKeyFrames: 1 });
  for (let t = 0; t <= 16; t++) assert.ok(Math.abs(eyeCentres(sm.landmarks[t]!).right.x - 40) < 1e-4, `smoothed frame ${t}`);
  // --face 1 (from the left) picks the small face
  const t2 = await trackFace(frames.slice(0, 3), { keyFrameInterval: 2, face: 1, smoothKeyFrames: 0, detect: async () => [face(10, 10, 100), face(200, 10, 40)] });
  assert.ok(Math.abs(eyeCentres(t2.landmarks[1]!).right.x - (200 + 12)) < 1e-4);
  await assert.rejects(trackFace(frames.slice(0, 2), { face: 3, detect: async () => [face(0, 0, 50)] }), (e) => e instanceof MerError && e.code === 'BAD_OPTION');
});

test('FaceTracker push/finish: each frame handed over in order at most (smoothKeyFrames + 1) × keyFrameInterval frames late, the same track as trackFace', async () => {
  const K = 4;
  const h = 1;
  const frames: Image[] = Array.from({ length: 23 }, () => makeImage(8, 8, 1));
  const moving = () => {
    let n = 0;
    return async () => [face(10 + 8 * n++, 10, 100)];
  };
  const handed: { t: number; pushed: number }[] = [];
  let pushed = 0;
  const tracker = new FaceTracker({ keyFrameInterval: K, smoothKeyFrames: h, detect: moving(), onFrame: (t) => void handed.push({ t, pushed }) });
  for (const f of frames) {
    await tracker.push(f);
    pushed++;
  }
  const track = await tracker.finish();
  assert.deepEqual(
    handed.map((x) => x.t),
    frames.map((_, t) => t),
  );
  // before finish, frame t leaves by the push of frame t + (h + 1)·K at the latest
  for (const { t, pushed: p } of handed) if (p < frames.length) assert.ok(p - 1 - t <= (h + 1) * K, `frame ${t} handed after ${p} pushes`);
  assert.ok(handed.some((x) => x.pushed < frames.length), 'frames are handed over before finish');
  const whole = await trackFace(frames, { keyFrameInterval: K, smoothKeyFrames: h, detect: moving() });
  assert.deepEqual(track, whole);
});

test('trackFace: no face anywhere is NOT_FOUND; a miss on one key frame holds the last landmarks', async () => {
  const frames: Image[] = Array.from({ length: 5 }, () => makeImage(8, 8, 1));
  await assert.rejects(trackFace(frames, { keyFrameInterval: 2, detect: async () => [] }), (e) => e instanceof MerError && e.code === 'NOT_FOUND' && /no face/.test(e.message));
  let k = 0;
  const track = await trackFace(frames, { keyFrameInterval: 2, detect: async () => (k++ === 1 ? [] : [face(0, 0, 100)]) });
  assert.equal(track.detectedKeyFrames, 2);
  assert.deepEqual(track.landmarks[3], track.landmarks[0]);
  // a face far from the followed one is not a match
  assert.equal(chooseFace([face(500, 500, 50)], { x: 0, y: 0, width: 100, height: 100 }, 'largest'), undefined);
});

test('toDetectionImage: downscales to the detection side and interleaves RGB bytes', () => {
  const img = makeImage(1280, 960, 3, new Float32Array(3 * 1280 * 960).fill(1));
  img.data.fill(0, 0, 1280 * 960); // R = 0, G = B = 1
  const { rgb, scale } = toDetectionImage(img, 640);
  assert.deepEqual([rgb.width, rgb.height, scale], [640, 480, 0.5]);
  assert.deepEqual(Array.from(rgb.data.subarray(0, 6)), [0, 255, 255, 0, 255, 255]);
});
