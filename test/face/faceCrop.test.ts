/**
 * Landmark alignment of face crops (src/face/faceCrop.ts): one face cut two
 * ways (tight, and loose and off-centre) comes out framed alike once each
 * crop is aligned by its own landmarks, far closer than the two crops
 * merely resized; and the anti-aliased sampling equals plain sampling on a
 * linear ramp (where bilinear is exact).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { alignFaceCrop, alignAntialiased, supersampledTransform } from '../../src/face/faceCrop.ts';
import { applyAlign } from '../../src/face/align.ts';
import { resizeImage } from '../../src/core/resize.ts';
import { decodePhoto, faceCatalog, samplePhotoDir, usableFaces } from '../../src/datasets/synthetic/faces.ts';
import type { Image } from '../../src/core/image.ts';

function grayCrop(photo: { width: number; data: Uint8Array }, x: number, y: number, side: number): Image {
  const data = new Float32Array(side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const i = ((y + r) * photo.width + (x + c)) * 3;
      data[r * side + c] = (0.299 * photo.data[i] + 0.587 * photo.data[i + 1] + 0.114 * photo.data[i + 2]) / 255;
    }
  }
  return { width: side, height: side, channels: 1, data };
}

const mad = (a: Image, b: Image) => a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]), 0) / a.data.length;

test('one face cut tight and loose: aligned by their own landmarks they match, resized they do not', async () => {
  const face = usableFaces(await faceCatalog())[0];
  const photo = await decodePhoto(join(samplePhotoDir(), face.photo));
  const { x, y, side } = face.crop;
  const tight = grayCrop(photo, x, y, side);
  const grow = Math.round(side * 0.12); // the landmark net wants a face box: a crop 1.24× wider, shifted up-left
  const lx = Math.max(0, x - grow);
  const ly = Math.max(0, y - Math.round(grow / 2));
  const lside = Math.min(side + 2 * grow, photo.width - lx, photo.height - ly);
  const loose = grayCrop(photo, lx, ly, lside);
  const opts = { size: 48, margin: -0.05 };
  const a = await alignFaceCrop(tight, opts);
  const b = await alignFaceCrop(loose, opts);
  const aligned = mad(a, b);
  const resized = mad(resizeImage(tight, 48, 48), resizeImage(loose, 48, 48));
  // measured: aligned 0.042, resized 0.115 (mean absolute grey difference, 0–1); the rest is landmark noise
  assert.ok(aligned < 0.05, `aligned crops differ by ${aligned}`);
  assert.ok(resized > 2 * aligned, `resized ${resized} vs aligned ${aligned}`);
});

test('anti-aliased alignment equals plain bilinear sampling on a linear ramp', () => {
  const W = 64;
  const ramp: Image = { width: W, height: W, channels: 1, data: Float32Array.from({ length: W * W }, (_, i) => (i % W) * 0.01 + Math.floor(i / W) * 0.02) };
  const T = { a: 0.9, b: 0.2, tx: 12, ty: 8, size: 24 };
  const fine = alignAntialiased(ramp, T);
  const plain = applyAlign(ramp, T);
  fine.data.forEach((v, i) => assert.ok(Math.abs(v - plain.data[i]) < 1e-4, `${i}: ${v} vs ${plain.data[i]}`));
  const S = supersampledTransform(T, 4);
  assert.equal(S.size, 96);
});
