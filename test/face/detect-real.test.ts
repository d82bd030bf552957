/**
 * Detection + landmarks + alignment on real faces:
 * - CI (no ../shared): the sample photos shipped in @vladmandic/face-api;
 * - real data when present: every image of ../shared/data/onset-apex-pairs and
 *   of megc2019-cde-dev/apex yields a face with 68 landmarks (tight crops:
 *   detectFaceInCrop pads and, for dim SMIC frames, stretches contrast). The
 *   apex folder holds 309 crops (~0.5 s each): every 20th by default, all
 *   with MERKIT_FULL_REALDATA=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImage } from '../../src/io/image.ts';
import { detectFaceInCrop, detectOnImage } from '../../src/face/track.ts';
import { alignFace } from '../../src/face/align.ts';
import { eyeCentres } from '../../src/face/landmarks.ts';
import { samplePhotoDir } from '../../src/datasets/synthetic/faces.ts';
import { detectFaces, type DetectedFace } from '../../src/face/detect.ts';
import type { Image } from '../../src/core/image.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

/** plausible anatomy: eyes above the nose tip above the mouth above the chin, right eye on the image left */
function plausible(f: DetectedFace, what: string): void {
  const lm = f.landmarks!;
  assert.equal(lm.length, 136, what);
  const y = (i: number) => lm[2 * i + 1];
  assert.ok(y(37) < y(33) && y(33) < y(51) && y(51) < y(8), `${what}: landmark order`);
  assert.ok(lm[2 * 36] < lm[2 * 45], `${what}: eye order`);
}

function alignedLevel(img: Image, f: DetectedFace, what: string): void {
  const { landmarks } = alignFace(img, f.landmarks!, { size: 128 });
  const e = eyeCentres(landmarks);
  assert.ok(Math.abs(e.left.y - e.right.y) < 1e-3, `${what}: eyes level after alignment`);
}

test('sample photo (CI): sample2.jpg faces detected on the downscaled image, landmarks in full-size pixels, aligned level', async () => {
  const img = await readImage(join(samplePhotoDir(), 'sample2.jpg'), { mode: 'rgb' });
  const full = await detectOnImage(img, { detectSide: Math.max(img.width, img.height) }, detectFaces);
  const small = await detectOnImage(img, { detectSide: 512 }, detectFaces);
  assert.ok(full.length >= 1);
  assert.equal(small.length, full.length);
  full.forEach((f, i) => {
    plausible(f, `face ${i}`);
    alignedLevel(img, f, `face ${i}`);
    // detection at reduced size maps back onto the same face (within a few % of its size)
    const d = Math.hypot(small[i].box.x - f.box.x, small[i].box.y - f.box.y);
    assert.ok(d < 0.1 * f.box.width, `face ${i}: ${d.toFixed(1)} px apart`);
  });
});

async function oneFaceEach(dir: string, files: string[]): Promise<void> {
  for (const f of files) {
    const img = await readImage(join(dir, f), { mode: 'rgb' });
    const face = await detectFaceInCrop(img, {}, detectFaces);
    assert.ok(face, `${f}: no face`);
    plausible(face, f);
    alignedLevel(img, face, f);
    // the face fills the crop: its box centre lies inside the image
    assert.ok(face.box.x + face.box.width / 2 > 0 && face.box.x + face.box.width / 2 < img.width, f);
  }
}

test('real onset/apex pairs: every image yields one face with landmarks', { skip: skipUnlessShared('onset-apex-pairs') }, async () => {
  const dir = sharedData('onset-apex-pairs')!;
  await oneFaceEach(dir, readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort());
});

test('real MEGC 2019 apex crops: one face with landmarks each', { skip: skipUnlessShared('megc2019-cde-dev/apex') }, async () => {
  const dir = sharedData('megc2019-cde-dev/apex')!;
  const all = readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  const files = process.env.MERKIT_FULL_REALDATA ? all : all.filter((_, i) => i % 20 === 0);
  await oneFaceEach(dir, files);
});
