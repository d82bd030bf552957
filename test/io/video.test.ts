import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVideoFrames, encodeVideo, ffmpegPath, probeVideo, readVideo } from '../../src/io/video.ts';
import { makeImage, type Image } from '../../src/core/image.ts';
import { MerError } from '../../src/core/errors.ts';
import { sharedData } from '../helpers/shared.ts';

const W = 64;
const H = 48;
const FRAMES = 12;
/** frame t is a flat gray level 0.2 + 0.04·t: easy to check after lossy coding */
const level = (t: number) => 0.2 + 0.04 * t;

function* synthetic(): Generator<Image> {
  for (let t = 0; t < FRAMES; t++) yield makeImage(W, H, 1, new Float32Array(W * H).fill(level(t)));
}

const mean = (img: Image) => img.data.reduce((s, v) => s + v, 0) / img.data.length;
/** ±2 grey levels: libx264 at CRF 18 on flat frames, plus limited-range YUV rounding */
const TOL = 2 / 255;
/** RGB adds ffmpeg's YUV→RGB matrix rounding: ±3 grey levels */
const TOL_RGB = 3 / 255;

let dir = '';
let clip = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merkit-video-'));
  clip = join(dir, 'synthetic.mp4');
  await encodeVideo(clip, synthetic(), { fps: 25 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('ffmpegPath points at a binary', () => {
  const p = ffmpegPath();
  assert.ok(p === 'ffmpeg' || existsSync(p), p);
});

test('encodeVideo writes an mp4 that probes as 12 frames at 25 fps, 64×48; no temp files left', async () => {
  const info = await probeVideo(clip);
  assert.equal(info.width, W);
  assert.equal(info.height, H);
  assert.equal(info.fps, 25);
  assert.equal(info.frames, FRAMES);
  assert.ok(Math.abs(info.duration - FRAMES / 25) < 0.05, `duration ${info.duration}`);
  assert.deepEqual(await readdir(dir), ['synthetic.mp4']);
});

test('readVideo decodes every frame back with the intensity that was written', async () => {
  const { fps, frames } = await readVideo(clip);
  assert.equal(fps, 25);
  assert.equal(frames.length, FRAMES);
  frames.forEach((f, t) => {
    assert.equal(f.width, W);
    assert.equal(f.channels, 1);
    assert.ok(Math.abs(mean(f) - level(t)) < TOL, `frame ${t}: mean ${mean(f)} vs ${level(t)}`);
  });
});

test('partial range, RGB and scaling inside ffmpeg; progress is reported', async () => {
  const seen: [number, number][] = [];
  const got: Image[] = [];
  for await (const f of decodeVideoFrames(clip, { start: 3, end: 7, mode: 'rgb', width: 32, onProgress: (d, t) => seen.push([d, t]) })) got.push(f);
  assert.equal(got.length, 4);
  assert.deepEqual(seen, [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.equal(got[0].channels, 3);
  assert.equal(got[0].width, 32);
  assert.equal(got[0].height, 24);
  got.forEach((f, k) => assert.ok(Math.abs(mean(f) - level(3 + k)) < TOL_RGB, `frame ${3 + k}: ${mean(f)}`));
});

test('breaking out of the frame loop early stops cleanly', async () => {
  let n = 0;
  for await (const f of decodeVideoFrames(clip)) {
    assert.equal(f.width, W);
    if (++n === 2) break;
  }
  assert.equal(n, 2);
});

test('odd sizes are padded to even; RGB frames; mpeg4 codec', async () => {
  const p = join(dir, 'odd.avi');
  const frames = [0, 1, 2].map(() => makeImage(7, 5, 3, new Float32Array(105).fill(0.5)));
  await encodeVideo(p, frames, { fps: 10, codec: 'mpeg4' });
  const info = await probeVideo(p);
  assert.equal(info.width, 8);
  assert.equal(info.height, 6);
  assert.equal(info.frames, 3);
  await assert.rejects(
    encodeVideo(join(dir, 'mixed.mp4'), [makeImage(8, 8), makeImage(4, 4)], { fps: 5 }),
    (e: unknown) => e instanceof MerError && /frame 1 is 4×4/.test(e.message),
  );
  assert.ok(!existsSync(join(dir, 'mixed.mp4')));
});

test('truncated mp4, non-video file and missing file → MerError naming the file', async () => {
  const bytes = await readFile(clip);
  const cut = join(dir, 'cut.mp4');
  await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(probeVideo(cut), (e: unknown) => e instanceof MerError && e.code === 'BAD_INPUT' && e.file === cut && e.message.length > 10);
  const txt = join(dir, 'notes.mp4');
  await writeFile(txt, 'this is not a video');
  await assert.rejects(readVideo(txt), (e: unknown) => e instanceof MerError && e.file === txt && /not a readable video/.test(e.message));
  await assert.rejects(readVideo(join(dir, 'none.mp4')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
});

test('real data: first frames of a 2880×2160 posed-expression video, scaled in ffmpeg', async (t) => {
  const root = sharedData('videos/metv-hap-1.mp4');
  if (!root) return t.skip('real data absent');
  const info = await probeVideo(root);
  assert.equal(info.width, 2880);
  assert.equal(info.height, 2160);
  assert.equal(info.fps, 25);
  assert.ok(info.frames > 50);
  const { frames } = await readVideo(root, { end: 3, width: 160 });
  assert.equal(frames.length, 3);
  assert.equal(frames[0].height, 120);
  const m = mean(frames[0]);
  assert.ok(m > 0.05 && m < 0.95, `mean ${m}`);
});
