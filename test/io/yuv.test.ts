/**
 * The one YUV → RGB conversion of video analysis (src/io/yuv.ts) and the
 * MP4 demuxer of the page (src/io/mp4.ts): known answers for the colour
 * matrices and ranges and the resampling; on videos encoded here, the
 * demuxer's samples against ffmpeg's frame count, and ffmpeg's raw planes
 * (decodeVideoYuv) converted by merkit against ffmpeg's own rgb24 — the
 * documented tolerance between the two conversions (ffmpeg's swscale rounds
 * in fixed point, merkit in floats). On a real video of ../shared/data/videos
 * (skipped without it) the same comparison at the analysis size.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colourOf, splitYuv420, yuv420Bytes, yuv420ToRgb, DEFAULT_COLOUR } from '../../src/io/yuv.ts';
import { bytesSource, demuxMp4 } from '../../src/io/mp4.ts';
import { trackColour } from '../../src/io/h264.ts';
import { decodeVideoFrames, decodeVideoYuv, encodeVideo, ffmpegPath, probeVideo, streamColour } from '../../src/io/video.ts';
import { spawnSync } from 'node:child_process';
import { analysisSize } from '../../src/run/analyze.ts';
import { makeImage, type Image } from '../../src/core/image.ts';
import { isMerError } from '../../src/core/errors.ts';
import { sharedData } from '../helpers/shared.ts';

const px = (img: Image, i: number) => [img.data[i], img.data[img.width * img.height + i], img.data[2 * img.width * img.height + i]];
const flat = (w: number, h: number, y: number, u: number, v: number) => {
  const c = ((w + 1) >> 1) * ((h + 1) >> 1);
  return { width: w, height: h, y: new Uint8Array(w * h).fill(y), u: new Uint8Array(c).fill(u), v: new Uint8Array(c).fill(v) };
};

test('yuv420ToRgb: limited-range black, white and gray; full range; BT.601 and BT.709 primaries', () => {
  assert.deepEqual(px(yuv420ToRgb(flat(4, 2, 16, 128, 128), 4, 2), 0), [0, 0, 0]);
  assert.deepEqual(px(yuv420ToRgb(flat(4, 2, 235, 128, 128), 4, 2), 5), [1, 1, 1]);
  const g = px(yuv420ToRgb(flat(2, 2, 126, 128, 128), 2, 2), 0);
  for (const v of g) assert.ok(Math.abs(v - 110 / 219) < 1e-6, String(v));
  assert.deepEqual(px(yuv420ToRgb(flat(2, 2, 255, 128, 128), 2, 2, { matrix: 'bt601', fullRange: true }), 3), [1, 1, 1]);
  // studio-swing red: BT.601 (81, 90, 240), BT.709 (63, 102, 240) — each decodes to ≈ (1, 0, 0) only with its own matrix
  const red601 = px(yuv420ToRgb(flat(2, 2, 81, 90, 240), 2, 2, { matrix: 'bt601', fullRange: false }), 0);
  const red709 = px(yuv420ToRgb(flat(2, 2, 63, 102, 240), 2, 2, { matrix: 'bt709', fullRange: false }), 0);
  for (const [c, want] of [[red601, [1, 0, 0]], [red709, [1, 0, 0]]] as const) c.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 0.01, `${c} vs ${want}`));
  const wrong = px(yuv420ToRgb(flat(2, 2, 63, 102, 240), 2, 2, { matrix: 'bt601', fullRange: false }), 0);
  assert.ok(Math.abs(wrong[1]) > 0.05 || Math.abs(wrong[0] - 1) > 0.05, 'the matrix matters');
  assert.deepEqual(DEFAULT_COLOUR, { matrix: 'bt601', fullRange: false });
  assert.deepEqual(colourOf('bt709', 'tv'), { matrix: 'bt709', fullRange: false });
  assert.deepEqual(colourOf('smpte170m', true), { matrix: 'bt601', fullRange: true });
  assert.deepEqual(colourOf(null, null), { matrix: 'bt601', fullRange: false });
});

test('yuv420ToRgb resamples every plane: 2× area shrink of a luma checkerboard is its mean; odd sizes; chroma centred', () => {
  const W = 8, H = 4;
  const f = flat(W, H, 0, 128, 128);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f.y[y * W + x] = (x + y) % 2 ? 235 : 16;
  const small = yuv420ToRgb(f, 4, 2);
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(small.data[i] - 0.5) < 1e-6, `pixel ${i}: ${small.data[i]}`);
  // 5×3: chroma 3×2; a chroma step between columns shows as a colour step at the luma grid's middle
  const o = flat(5, 3, 126, 128, 128);
  o.v.set([128, 128, 240, 128, 128, 240]);
  const img = yuv420ToRgb(o, 5, 3);
  assert.ok(px(img, 0)[0] < px(img, 4)[0], 'red grows to the right');
  assert.equal(yuv420Bytes(5, 3), 15 + 2 * 6);
  assert.equal(splitYuv420(new Uint8Array(27), 5, 3).v.length, 6);
  assert.throws(() => splitYuv420(new Uint8Array(20), 5, 3), (e) => isMerError(e) && e.code === 'BAD_INPUT');
  assert.throws(() => yuv420ToRgb(o, 0, 3), (e) => isMerError(e) && e.code === 'BAD_OPTION');
});

test('yuv420ToRgb into a used buffer (a frame pool): every value overwritten, the same frame as a fresh one; a wrong size is refused', () => {
  const f = flat(9, 7, 0, 0, 0);
  for (let i = 0; i < f.y.length; i++) f.y[i] = 16 + ((i * 37) % 220);
  for (let i = 0; i < f.u.length; i++) {
    f.u[i] = 16 + ((i * 53) % 225);
    f.v[i] = 16 + ((i * 71) % 225);
  }
  for (const [w, h] of [[9, 7], [4, 3], [12, 10]]) {
    const fresh = yuv420ToRgb(f, w, h);
    const used = new Float32Array(3 * w * h).fill(NaN);
    const img = yuv420ToRgb(f, w, h, DEFAULT_COLOUR, used);
    assert.equal(img.data, used, 'written in place');
    assert.deepEqual(img.data, fresh.data);
  }
  assert.throws(() => yuv420ToRgb(f, 4, 3, DEFAULT_COLOUR, new Float32Array(35)), (e) => isMerError(e) && e.code === 'BAD_OPTION');
});

test('analysisSize: the longer side to 640, even sizes, never enlarged', () => {
  assert.deepEqual(analysisSize(2880, 2160), { width: 640, height: 480 });
  assert.deepEqual(analysisSize(1920, 1080), { width: 640, height: 360 });
  assert.deepEqual(analysisSize(192, 192), { width: 192, height: 192 });
  assert.deepEqual(analysisSize(1001, 999, 500), { width: 500, height: 500 });
});

let dir = '';
let clip = '';
const W = 96, H = 64, FRAMES = 30;
/** moving colour gradients: every pixel changes, B-frames are used */
function* colourFrames(): Generator<Image> {
  for (let t = 0; t < FRAMES; t++) {
    const d = new Float32Array(3 * W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = y * W + x;
      d[i] = 0.5 + 0.4 * Math.sin((x + 2 * t) / 9);
      d[W * H + i] = 0.5 + 0.4 * Math.cos((y - t) / 7);
      d[2 * W * H + i] = (x + y) / (W + H);
    }
    yield makeImage(W, H, 3, d);
  }
}
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merkit-yuv-'));
  clip = join(dir, 'colour.mp4');
  await encodeVideo(clip, colourFrames(), { fps: 25 });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('demuxMp4 on an mp4 written by libx264: one sample per decoded frame, key first, presentation times 0…n−1 frames', async () => {
  const t = await demuxMp4(bytesSource(await readFile(clip)));
  const info = await probeVideo(clip);
  assert.match(t.codec, /^avc1\.[0-9a-f]{6}$/);
  assert.equal(t.description[0], 1, 'avcC configurationVersion');
  assert.deepEqual([t.width, t.height], [W, H]);
  assert.equal(t.samples.length, info.frames);
  assert.equal(t.fps, 25);
  assert.ok(t.samples[0].key);
  const delta = t.timescale / 25;
  assert.deepEqual(t.samples.map((s) => s.pts / delta).sort((a, b) => a - b), [...Array(FRAMES).keys()]);
  assert.ok(t.samples.some((s) => s.pts !== s.dts), 'B-frames: presentation differs from decode order');
  await assert.rejects(demuxMp4(bytesSource(new TextEncoder().encode('not a video at all, just text'))), (e) => isMerError(e));
});

test('the stream colour merkit converts with: the SPS VUI (x264 told BT.709 / full range), else the default — as ffmpeg reports it', async () => {
  const cases: [string[], { matrix: string; fullRange: boolean }][] = [
    [[], { matrix: 'bt601', fullRange: false }],
    [['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'], { matrix: 'bt709', fullRange: false }],
    [['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'pc'], { matrix: 'bt709', fullRange: true }],
    [['-colorspace', 'smpte170m', '-color_primaries', 'smpte170m', '-color_trc', 'smpte170m'], { matrix: 'bt601', fullRange: false }],
  ];
  for (const [k, [extra, want]] of cases.entries()) {
    const f = join(dir, `tagged-${k}.mp4`);
    const r = spawnSync(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', clip, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...extra, f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const t = await demuxMp4(bytesSource(await readFile(f)));
    assert.deepEqual(trackColour(t.description, t.colour), want, `case ${k}: ${extra.join(' ')}`);
    const info = await probeVideo(f);
    assert.deepEqual(info.colour, want, `ffmpeg agrees (case ${k})`);
    assert.deepEqual(await streamColour(f, info), want);
  }
});

/** max and mean |Δ| (grey levels) between two planar RGB images */
function diff(a: Image, b: Image): { max: number; mean: number } {
  let max = 0, sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]) * 255;
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.data.length };
}

/**
 * merkit's conversion of ffmpeg's planes against ffmpeg's own rgb24 at the
 * same size, in grey levels (0–255): swscale converts with fixed-point
 * tables, ≈ 1.2 levels darker than exact BT.601/709 arithmetic on coloured
 * pixels (measured: max 2.9, mean 1.2 on a synthetic face video); scaling
 * (area in both, swscale in fixed point) adds a little. The page and the
 * CLI do not differ at all (both run merkit's conversion:
 * test/web/browser.test.ts).
 */
const FFMPEG_TOLERANCE = { max: 6, mean: 2 };
/**
 * with scaling (2880×2160 → 640×480): both average areas, swscale with its
 * own fixed-point filter taps, and measured up to 13 levels (mean 2.1) at
 * the face's sharp edges on metv-sad-2
 */
const FFMPEG_SCALED_TOLERANCE = { max: 16, mean: 3 };

test('decodeVideoYuv + yuv420ToRgb against ffmpeg rgb24: same frames, within the documented tolerance', async () => {
  const info = await probeVideo(clip);
  const ours: Image[] = [];
  for await (const f of decodeVideoYuv(clip)) ours.push(yuv420ToRgb(f, W, H, info.colour));
  const theirs: Image[] = [];
  for await (const f of decodeVideoFrames(clip, { mode: 'rgb' })) theirs.push(f);
  assert.equal(ours.length, FRAMES);
  assert.equal(theirs.length, FRAMES);
  let worst = { max: 0, mean: 0 };
  ours.forEach((o, t) => {
    const d = diff(o, theirs[t]);
    worst = { max: Math.max(worst.max, d.max), mean: Math.max(worst.mean, d.mean) };
  });
  assert.ok(worst.max <= FFMPEG_TOLERANCE.max && worst.mean <= FFMPEG_TOLERANCE.mean, JSON.stringify(worst));
});

test('a real posed video (2880×2160, BT.709): merkit at 640×480 against ffmpeg area-scaled rgb24', async (t) => {
  const videos = sharedData('videos');
  if (!videos) return t.skip('../shared/data/videos is absent');
  const file = join(videos, 'metv-sad-2.mp4');
  const info = await probeVideo(file);
  assert.deepEqual(info.colour, { matrix: 'bt709', fullRange: false });
  const { width, height } = analysisSize(info.width, info.height);
  const ours: Image[] = [];
  for await (const f of decodeVideoYuv(file, { end: 3 })) ours.push(yuv420ToRgb(f, width, height, info.colour));
  let k = 0;
  for await (const f of decodeVideoFrames(file, { mode: 'rgb', width, height, end: 3 })) {
    const d = diff(ours[k++], f);
    console.log(`# frame ${k - 1}: max |Δ| ${d.max.toFixed(1)}, mean ${d.mean.toFixed(2)} grey levels`);
    assert.ok(d.max <= FFMPEG_SCALED_TOLERANCE.max && d.mean <= FFMPEG_SCALED_TOLERANCE.mean, JSON.stringify(d));
  }
  assert.equal(k, 3);
});
