/**
 * Blinks from the eye aspect ratio (src/face/blink.ts): the EAR of hand-placed
 * eyes, and the dip detector on EAR series with a known blink, a slow
 * narrowing of the eyes, a closure still going at the end, jitter alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectBlinks, eyeAspectRatio, meanEyeAspectRatio } from '../../src/face/blink.ts';
import { isMerError } from '../../src/core/errors.ts';

/** 68 landmarks with both eyes 10 px wide, lids `h` px above and below the corners' line */
function eyes(h: number): Float32Array {
  const lm = new Float32Array(136);
  for (const [o, x0] of [[36, 0], [42, 20]] as const) {
    const pts = [[0, 0], [3, -h], [7, -h], [10, 0], [7, h], [3, h]];
    pts.forEach(([x, y], k) => {
      lm[2 * (o + k)] = x0 + x;
      lm[2 * (o + k) + 1] = 50 + y;
    });
  }
  return lm;
}

test('eye aspect ratio: (|p2−p6| + |p3−p5|) / 2|p1−p4| (Soukupová & Čech 2016)', () => {
  assert.equal(eyeAspectRatio(eyes(2), 36), 0.4);
  assert.equal(eyeAspectRatio(eyes(0.5), 42), 0.1);
  assert.equal(meanEyeAspectRatio(eyes(1.5)), 0.3);
  assert.throws(() => eyeAspectRatio(new Float32Array(10), 36), (e) => isMerError(e));
});

/** an open-eye EAR of 0.3 with a deterministic ±0.002 ripple (landmark jitter) */
const open = (T: number) => Float64Array.from({ length: T }, (_, t) => 0.3 + 0.002 * Math.sin(t * 2.1));

test('detectBlinks: a 5-frame dip of 20 % is a blink with its most closed frame as apex', () => {
  const ear = open(60);
  [0.29, 0.26, 0.24, 0.26, 0.29].forEach((v, k) => (ear[20 + k] = v));
  const b = detectBlinks(ear, { fps: 25 });
  assert.equal(b.length, 1, JSON.stringify(b));
  assert.equal(b[0].apex, 22);
  // half depth (≈ 10 %): frames 21–23 are below 0.27
  assert.deepEqual([b[0].onset, b[0].offset], [21, 23]);
  assert.ok(Math.abs(b[0].depth - 0.2) < 0.01, String(b[0].depth));
  // NaN frames (no landmarks) are ignored
  ear[5] = NaN;
  assert.equal(detectBlinks(ear, { fps: 25 }).length, 1);
});

test('detectBlinks: slow narrowing, a closure cut by the end, jitter, shallow dips are not blinks', () => {
  const slow = open(60);
  for (let t = 20; t < 34; t++) slow[t] = 0.27; // 14 frames = 0.56 s below half depth
  assert.deepEqual(detectBlinks(slow, { fps: 25 }), []);
  const end = open(40);
  [0.28, 0.25, 0.22].forEach((v, k) => (end[37 + k] = v));
  assert.deepEqual(detectBlinks(end, { fps: 25 }), []);
  // ±3 % jitter every frame: a 6 % dip is within it
  const noisy = Float64Array.from({ length: 60 }, (_, t) => 0.3 * (1 + 0.03 * (t % 2 ? 1 : -1)));
  noisy[30] = 0.3 * 0.94;
  assert.deepEqual(detectBlinks(noisy, { fps: 25 }), []);
  const shallow = open(60);
  shallow[30] = 0.3 * 0.97; // 3 % < minDrop 4 %
  assert.deepEqual(detectBlinks(shallow, { fps: 25 }), []);
  assert.throws(() => detectBlinks(open(10), { fps: 0 }), (e) => isMerError(e) && e.code === 'BAD_OPTION');
  assert.throws(() => detectBlinks(open(10), { fps: 25, minDrop: 2 }), (e) => isMerError(e) && e.code === 'BAD_OPTION');
});
