/**
 * Bad-input catalogue row "a video with no face": a blank synthetic video
 * (encodeVideo) decoded and passed to face detection finds no face, so the
 * face stage has nothing to crop. Face tracking over a video (src/face/track.ts)
 * is not there yet; this checks detectFaces on every decoded frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeVideo, decodeVideoFrames } from '../../src/io/video.ts';
import { detectFaces } from '../../src/face/detect.ts';

test('a video with no face: detection finds none in any frame', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-noface-'));
  try {
    const file = join(dir, 'blank.mp4');
    const side = 64;
    const frames = Array.from({ length: 3 }, (_, t) => ({ width: side, height: side, channels: 1 as const, data: new Float32Array(side * side).fill(0.4 + 0.05 * t) }));
    await encodeVideo(file, frames, { fps: 25 });
    let n = 0;
    for await (const f of decodeVideoFrames(file, { mode: 'rgb' })) {
      const data = new Uint8Array(f.width * f.height * 3);
      const plane = f.width * f.height;
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = Math.round(255 * f.data[c * plane + i]);
      const faces = await detectFaces({ width: f.width, height: f.height, data });
      assert.deepEqual(faces, [], `frame ${n}`);
      n++;
    }
    assert.equal(n, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
