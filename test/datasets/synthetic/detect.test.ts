import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { detectFaces } from '../../../src/face/detect.ts';
import { decodePhoto, faceCatalog, samplePhotoDir } from '../../../src/datasets/synthetic/faces.ts';
import { MerError } from '../../../src/core/errors.ts';

// One detection (wasm backend, model from disk, no network): a couple of seconds.
test('detectFaces on sample1.jpg: 3 faces with 68 landmarks, matching the shipped face catalog', async () => {
  const img = await decodePhoto(join(samplePhotoDir(), 'sample1.jpg'));
  const faces = await detectFaces(img, { detector: 'ssd', minConfidence: 0.5, withLandmarks: true });
  assert.equal(faces.length, 3);
  const cat = (await faceCatalog()).photos[0];
  faces.forEach((f, k) => {
    assert.ok(f.score > 0.9 && f.score <= 1);
    assert.ok(f.landmarks && f.landmarks.length === 136);
    const lm = f.landmarks!;
    // every landmark inside its box (with slack: the jaw line may leave the detector's box)
    const b = f.box;
    for (let i = 0; i < 68; i++) {
      assert.ok(lm[2 * i] > b.x - 0.2 * b.width && lm[2 * i] < b.x + 1.2 * b.width);
      assert.ok(lm[2 * i + 1] > b.y - 0.2 * b.height && lm[2 * i + 1] < b.y + 1.2 * b.height);
    }
    // anatomy: eyes above the nose tip above the mouth above the chin; right eye (36–41) left of the left eye
    const y = (i: number) => lm[2 * i + 1];
    assert.ok(y(37) < y(33) && y(33) < y(51) && y(51) < y(8));
    assert.ok(lm[2 * 36] < lm[2 * 45]);
    // the shipped catalog holds this very detection (rounded to 0.01 px)
    for (let i = 0; i < 136; i++) assert.ok(Math.abs(lm[i] - cat.faces[k].landmarks[i]) < 0.5, `face ${k} coord ${i}`);
  });
  // sorted left to right
  assert.ok(faces[0].box.x < faces[1].box.x && faces[1].box.x < faces[2].box.x);
});

test('detectFaces rejects a buffer of the wrong size with a MerError', async () => {
  await assert.rejects(detectFaces({ width: 10, height: 10, data: new Uint8Array(10) }), (e) => e instanceof MerError && e.code === 'BAD_INPUT');
});
