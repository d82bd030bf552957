import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  decodeImage,
  decodeImage8,
  detectImageFormat,
  encodeBmp,
  encodeJpeg,
  encodePng,
  readImage,
  readImage8,
  writeImage,
} from '../../src/io/image.ts';
import { MerError } from '../../src/core/errors.ts';
import { makeImage, toGray, type Image } from '../../src/core/image.ts';
import { sharedData } from '../helpers/shared.ts';

/** w×h image whose values are exact multiples of 1/255 (so 8-bit round trips are exact) */
function pattern(w: number, h: number, channels: 1 | 3): Image {
  const n = w * h;
  const d = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) d[c * n + i] = ((i * 7 + c * 80) % 256) / 255;
  return makeImage(w, h, channels, d);
}

/** smooth gradient (JPEG-friendly) */
function gradient(w: number, h: number, channels: 1 | 3): Image {
  const n = w * h;
  const d = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[c * n + y * w + x] = (0.2 + 0.5 * (x / w) + 0.2 * (y / h) + 0.05 * c) % 1;
  return makeImage(w, h, channels, d);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const isMer = (re: RegExp, file?: string) => (e: unknown) =>
  e instanceof MerError && re.test(e.message) && (file === undefined || (e.file === file && e.describe().includes(file)));

test('format detection by magic bytes', () => {
  assert.equal(detectImageFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'png');
  assert.equal(detectImageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
  assert.equal(detectImageFormat(Uint8Array.from([0x42, 0x4d, 0, 0])), 'bmp');
  assert.equal(detectImageFormat(Uint8Array.from([1, 2, 3])), undefined);
});

test('PNG round trip is exact for gray and planar RGB, with both decoders', async () => {
  for (const ch of [1, 3] as const) {
    const img = pattern(13, 7, ch);
    const png = await encodePng(img);
    for (const decoder of ['sharp', 'js'] as const) {
      const back = await decodeImage(png, { mode: ch === 1 ? 'gray' : 'rgb', decoder });
      assert.equal(back.channels, ch);
      assert.equal(back.width, 13);
      assert.equal(back.height, 7);
      assert.deepEqual(back.data, img.data, `${ch} channels via ${decoder}`);
    }
  }
});

test('gray from colour is BT.601 toGray, identical whichever path decoded it', async () => {
  const rgb = pattern(9, 5, 3);
  const expected = toGray(rgb).data;
  const png = await encodePng(rgb);
  const bmp = encodeBmp(rgb);
  const viaSharp = await decodeImage(png, { decoder: 'sharp' });
  const viaJs = await decodeImage(png, { decoder: 'js' });
  const viaBmp = await decodeImage(bmp);
  assert.equal(viaSharp.channels, 1);
  assert.deepEqual(viaSharp.data, expected);
  assert.deepEqual(viaJs.data, expected);
  assert.deepEqual(viaBmp.data, expected);
  // one pixel by hand: R=0, G=80, B=160 (i = 0) → 0.587·80/255 + 0.114·160/255
  assert.ok(Math.abs(viaSharp.data[0] - (0.587 * 80 + 0.114 * 160) / 255) < 1e-6);
});

test('JPEG round trip within tolerance (gray and RGB, both decoders)', async () => {
  for (const ch of [1, 3] as const) {
    const img = gradient(32, 24, ch);
    const jpg = await encodeJpeg(img, 95);
    assert.equal(detectImageFormat(jpg), 'jpeg');
    for (const decoder of ['sharp', 'js'] as const) {
      const back = await decodeImage(jpg, { mode: ch === 1 ? 'gray' : 'rgb', decoder });
      assert.equal(back.channels, ch);
      assert.ok(maxAbsDiff(back.data, img.data) < 0.06, `max diff ${maxAbsDiff(back.data, img.data)} (${ch} ch, ${decoder})`);
    }
  }
});

test('16-bit PNG: reduced to 8 bits as v >> 8 by both decoders', async () => {
  const png = new PNG({ width: 2, height: 1, bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const samples = [51200, 21515, 257, 65535, 0, 32768];
  png.data = Buffer.alloc(12);
  samples.forEach((v, i) => png.data.writeUInt16LE(v, i * 2)); // pngjs takes 16-bit input in host (LE) order
  const buf = PNG.sync.write(png, { bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  for (const decoder of ['sharp', 'js'] as const) {
    const raw = await decodeImage8(buf, { decoder });
    assert.deepEqual(Array.from(raw.data), samples.map((v) => v >> 8), decoder);
  }
});

test('decodeImage8 gives raw interleaved 0–255 bytes; mode forces channels', async () => {
  const img = pattern(4, 3, 3);
  const png = await encodePng(img);
  const raw = await decodeImage8(png);
  assert.equal(raw.channels, 3);
  assert.equal(raw.data.length, 36);
  // pixel 1: R = 7, G = 87, B = 167
  assert.deepEqual(Array.from(raw.data.subarray(3, 6)), [7, 87, 167]);
  const gray = await decodeImage8(await encodePng(pattern(4, 3, 1)));
  assert.equal(gray.channels, 1);
  assert.deepEqual(Array.from(gray.data.subarray(0, 3)), [0, 7, 14]);
  const forced = await decodeImage8(await encodePng(pattern(4, 3, 1)), { mode: 'rgb' });
  assert.equal(forced.channels, 3);
  assert.deepEqual(Array.from(forced.data.subarray(3, 6)), [7, 7, 7]);
  const luma = await decodeImage8(png, { mode: 'gray' });
  assert.equal(luma.data[1], Math.round(0.299 * 7 + 0.587 * 87 + 0.114 * 167));
});

test('encodePng clamps and rounds out-of-range values', async () => {
  const img = makeImage(4, 1, 1, Float32Array.from([-0.5, 0.5, 1.7, 0.1]));
  const raw = await decodeImage8(await encodePng(img));
  assert.deepEqual(Array.from(raw.data), [0, 128, 255, 26]);
});

test('truncated PNG, truncated/corrupt JPEG, random bytes → MerError naming the file', async () => {
  const png = await encodePng(pattern(32, 32, 3));
  await assert.rejects(decodeImage(png.subarray(0, 100), { file: 'cut.png' }), isMer(/truncated PNG/, 'cut.png'));
  const jpg = await encodeJpeg(gradient(32, 32, 3));
  await assert.rejects(decodeImage(jpg.subarray(0, jpg.length - 200), { file: 'cut.jpg' }), isMer(/truncated JPEG/, 'cut.jpg'));
  // a JPEG signature followed by junk, properly terminated
  const junk = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x03, 0x00, ...Array.from({ length: 60 }, (_, i) => (i * 37) & 0xff), 0xff, 0xd9]);
  await assert.rejects(decodeImage(junk, { file: 'junk.jpg' }), isMer(/corrupt JPEG|truncated JPEG/, 'junk.jpg'));
  const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff);
  await assert.rejects(decodeImage(random, { file: 'noise.png' }), isMer(/not an image: unknown signature/, 'noise.png'));
  await assert.rejects(decodeImage8(new Uint8Array(0), { file: 'empty.jpg' }), isMer(/empty file/, 'empty.jpg'));
});

test('writeImage / readImage: png, jpg, bmp; nested folders; atomic (no temp files left)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merkit-img-'));
  try {
    const img = pattern(6, 4, 3);
    const p = join(dir, 'a', 'b', 'x.png');
    await writeImage(p, img);
    assert.deepEqual((await readImage(p, { mode: 'rgb' })).data, img.data);
    await writeImage(join(dir, 'x.bmp'), img);
    assert.deepEqual((await readImage(join(dir, 'x.bmp'), { mode: 'rgb' })).data, img.data);
    await writeImage(join(dir, 'x.jpg'), gradient(16, 16, 1));
    const j = await readImage8(join(dir, 'x.jpg'));
    assert.equal(j.width, 16);
    assert.equal(j.channels, 1);
    assert.deepEqual((await readdir(dir)).sort(), ['a', 'x.bmp', 'x.jpg']);
    await assert.rejects(writeImage(join(dir, 'x.gif'), img), (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION');
    await assert.rejects(readImage(join(dir, 'missing.png')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND' && e.file === join(dir, 'missing.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('real data: MEGC 2019 flow PNG (28×28 RGB) and apex JPEG (224×224)', async (t) => {
  const root = sharedData('megc2019-cde-dev');
  if (!root) return t.skip('real data absent');
  const flowPath = join(root, 'flow', 'casme2_sub01_EP02_01f.png');
  const flow8 = await readImage8(flowPath);
  assert.equal(flow8.width, 28);
  assert.equal(flow8.height, 28);
  assert.equal(flow8.channels, 3);
  // each channel is min-max scaled to 0–255 per image: every channel reaches 0 and 255
  for (let c = 0; c < 3; c++) {
    let lo = 255, hi = 0;
    for (let i = c; i < flow8.data.length; i += 3) {
      lo = Math.min(lo, flow8.data[i]);
      hi = Math.max(hi, flow8.data[i]);
    }
    assert.ok(lo <= 1 && hi >= 254, `channel ${c}: ${lo}..${hi}`);
  }
  const flowRgb = await readImage(flowPath, { mode: 'rgb' });
  const n = 28 * 28;
  for (const i of [0, 100, 783]) for (let c = 0; c < 3; c++) assert.equal(flowRgb.data[c * n + i], Math.fround(flow8.data[i * 3 + c] / 255));
  const js = await readImage(flowPath, { mode: 'rgb', decoder: 'js' });
  assert.deepEqual(js.data, flowRgb.data);
  const apex = await readImage(join(root, 'apex', 'casme2_sub01_EP02_01f.jpg'));
  assert.equal(apex.width, 224);
  assert.equal(apex.height, 224);
  assert.equal(apex.channels, 1);
  let mean = 0;
  for (const v of apex.data) mean += v;
  mean /= apex.data.length;
  assert.ok(mean > 0.1 && mean < 0.9, `mean intensity ${mean}`);
});
