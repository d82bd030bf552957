import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBmp, encodeBmp } from '../../src/io/bmp.ts';
import { MerError } from '../../src/core/errors.ts';

/**
 * Hand-built BMP files. `rows` are the pixel rows in FILE order (bottom row
 * first unless topDown), unpadded; padding to 4 bytes is added here.
 */
function bmp(o: {
  w: number;
  h: number;
  bpp: number;
  rows: number[][];
  topDown?: boolean;
  compression?: number;
  headerSize?: 12 | 40 | 108;
  palette?: [number, number, number][];
  masks?: [number, number, number];
  rle?: number[];
}): Uint8Array {
  const headerSize = o.headerSize ?? 40;
  const palBytes = (o.palette?.length ?? 0) * (headerSize === 12 ? 3 : 4);
  const maskBytes = o.masks && headerSize === 40 ? 12 : 0;
  const stride = Math.floor((o.bpp * o.w + 31) / 32) * 4;
  const pixels: number[] = [];
  if (o.rle) pixels.push(...o.rle);
  else for (const r of o.rows) pixels.push(...r, ...new Array(stride - r.length).fill(0));
  const offset = 14 + headerSize + maskBytes + palBytes;
  const out = new Uint8Array(offset + pixels.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, out.length, true);
  dv.setUint32(10, offset, true);
  dv.setUint32(14, headerSize, true);
  if (headerSize === 12) {
    dv.setUint16(18, o.w, true);
    dv.setInt16(20, o.topDown ? -o.h : o.h, true);
    dv.setUint16(22, 1, true);
    dv.setUint16(24, o.bpp, true);
  } else {
    dv.setInt32(18, o.w, true);
    dv.setInt32(22, o.topDown ? -o.h : o.h, true);
    dv.setUint16(26, 1, true);
    dv.setUint16(28, o.bpp, true);
    dv.setUint32(30, o.compression ?? 0, true);
    dv.setUint32(46, o.palette?.length ?? 0, true);
    if (o.masks) o.masks.forEach((m, i) => dv.setUint32(54 + 4 * i, m, true));
  }
  let p = 14 + headerSize + maskBytes;
  for (const [r, g, b] of o.palette ?? []) {
    out[p] = b;
    out[p + 1] = g;
    out[p + 2] = r;
    p += headerSize === 12 ? 3 : 4;
  }
  out.set(pixels, offset);
  return out;
}

const px = (img: { width: number; channels: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels));

test('1-bit palette, bottom-up, rows padded to 4 bytes', () => {
  // 3×2: top row red black red, bottom row black red black
  const img = decodeBmp(bmp({ w: 3, h: 2, bpp: 1, palette: [[0, 0, 0], [255, 0, 0]], rows: [[0b01000000], [0b10100000]] }));
  assert.equal(img.channels, 3);
  assert.deepEqual(px(img, 0, 0), [255, 0, 0]);
  assert.deepEqual(px(img, 1, 0), [0, 0, 0]);
  assert.deepEqual(px(img, 2, 0), [255, 0, 0]);
  assert.deepEqual(px(img, 1, 1), [255, 0, 0]);
  assert.deepEqual(px(img, 0, 1), [0, 0, 0]);
});

test('4-bit palette: nibbles high first', () => {
  const pal: [number, number, number][] = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, 7]);
  const img = decodeBmp(bmp({ w: 3, h: 1, bpp: 4, palette: pal, rows: [[0x1f, 0x50]] }));
  assert.deepEqual(px(img, 0, 0), [16, 239, 7]);
  assert.deepEqual(px(img, 1, 0), [240, 15, 7]);
  assert.deepEqual(px(img, 2, 0), [80, 175, 7]);
});

test('8-bit gray palette, top-down → 1 channel with the palette values', () => {
  const pal: [number, number, number][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);
  const img = decodeBmp(bmp({ w: 2, h: 2, bpp: 8, palette: pal, topDown: true, rows: [[10, 20], [30, 40]] }));
  assert.equal(img.channels, 1);
  assert.deepEqual(Array.from(img.data), [10, 20, 30, 40]);
});

test('8-bit palette with fewer colours than 256 (biClrUsed)', () => {
  const img = decodeBmp(bmp({ w: 2, h: 1, bpp: 8, palette: [[1, 2, 3], [200, 100, 50]], rows: [[1, 0]] }));
  assert.deepEqual(Array.from(img.data), [200, 100, 50, 1, 2, 3]);
});

test('16-bit default 5-5-5 and BITFIELDS 5-6-5', () => {
  // 555: pure red max = 0x7c00, green half = 16 << 5
  const a = decodeBmp(bmp({ w: 2, h: 1, bpp: 16, rows: [[0x00, 0x7c, 0x00, 0x02]] }));
  assert.deepEqual(px(a, 0, 0), [255, 0, 0]);
  assert.deepEqual(px(a, 1, 0), [0, Math.round((16 * 255) / 31), 0]);
  // 565: 0x07e0 = full green, 0x001f = full blue
  const b = decodeBmp(bmp({ w: 2, h: 1, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], rows: [[0xe0, 0x07, 0x1f, 0x00]] }));
  assert.deepEqual(px(b, 0, 0), [0, 255, 0]);
  assert.deepEqual(px(b, 1, 0), [0, 0, 255]);
});

test('24-bit bottom-up and top-down give the same image', () => {
  // top row: (1,2,3) (4,5,6); bottom row: (7,8,9) (10,11,12); stored BGR
  const top = [3, 2, 1, 6, 5, 4];
  const bottom = [9, 8, 7, 12, 11, 10];
  const up = decodeBmp(bmp({ w: 2, h: 2, bpp: 24, rows: [bottom, top] }));
  const down = decodeBmp(bmp({ w: 2, h: 2, bpp: 24, rows: [top, bottom], topDown: true }));
  assert.deepEqual(Array.from(up.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(Array.from(down.data), Array.from(up.data));
});

test('24-bit with the old 12-byte core header', () => {
  const img = decodeBmp(bmp({ w: 1, h: 1, bpp: 24, headerSize: 12, rows: [[30, 20, 10]] }));
  assert.deepEqual(Array.from(img.data), [10, 20, 30]);
});

test('32-bit BGRX and 32-bit BITFIELDS with a V4 (108-byte) header', () => {
  const a = decodeBmp(bmp({ w: 1, h: 1, bpp: 32, rows: [[30, 20, 10, 99]] }));
  assert.deepEqual(Array.from(a.data), [10, 20, 30]);
  // RGBA byte order via masks: R in the low byte
  const b = decodeBmp(bmp({ w: 1, h: 1, bpp: 32, compression: 3, headerSize: 108, masks: [0x000000ff, 0x0000ff00, 0x00ff0000], rows: [[10, 20, 30, 255]] }));
  assert.deepEqual(Array.from(b.data), [10, 20, 30]);
});

test('RLE8: encoded run, absolute run, end of line, end of bitmap', () => {
  const pal: [number, number, number][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);
  // bottom row: run 2×5, absolute 6,7,8 (+1 pad byte), end of line; top row: run 5×9; end of bitmap
  const rle = [2, 5, 0, 3, 6, 7, 8, 0, 0, 0, 5, 9, 0, 1];
  const img = decodeBmp(bmp({ w: 5, h: 2, bpp: 8, compression: 1, palette: pal, rows: [], rle }));
  assert.deepEqual(Array.from(img.data), [9, 9, 9, 9, 9, 5, 5, 6, 7, 8]);
});

test('RLE4: nibble runs', () => {
  const pal: [number, number, number][] = Array.from({ length: 16 }, (_, i) => [i * 17, i * 17, i * 17]);
  // 4 pixels alternating 1,2 then end of bitmap
  const rle = [4, 0x12, 0, 1];
  const img = decodeBmp(bmp({ w: 4, h: 1, bpp: 4, compression: 2, palette: pal, rows: [], rle }));
  assert.deepEqual(Array.from(img.data), [17, 34, 17, 34]);
});

test('encodeBmp → decodeBmp round trip, gray and RGB, odd widths', () => {
  const gray = { width: 3, height: 2, channels: 1 as const, data: Uint8Array.from([0, 50, 100, 150, 200, 255]) };
  assert.deepEqual(decodeBmp(encodeBmp(gray)), gray);
  const rgb = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
  assert.deepEqual(decodeBmp(encodeBmp(rgb)), rgb);
});

test('truncated or foreign data → MerError naming the file', () => {
  const good = encodeBmp({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(9) });
  assert.throws(() => decodeBmp(good.subarray(0, good.length - 10), 'x.bmp'), (e: unknown) => e instanceof MerError && e.file === 'x.bmp' && /truncated BMP/.test(e.message));
  assert.throws(() => decodeBmp(new Uint8Array(40), 'y.bmp'), (e: unknown) => e instanceof MerError && /not a BMP/.test(e.message));
  const badDepth = bmp({ w: 1, h: 1, bpp: 7, rows: [[0]] });
  assert.throws(() => decodeBmp(badDepth, 'z.bmp'), /bit depth 7/);
});
