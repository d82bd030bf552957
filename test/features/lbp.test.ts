import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { lbpMapping, lbpTransitions } from '../../src/features/mappings.ts';
import { lbp2d } from '../../src/features/lbp.ts';
import { blockEdges, blocks } from '../../src/features/blocks.ts';
import { lbpTop } from '../../src/features/lbpTop.ts';
import { makeVolume } from '../../src/core/image.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

test('u2 mapping, P = 8: 58 uniform codes numbered in code order, the rest in bin 58 (getmapping.m)', () => {
  const m = lbpMapping(8, 'u2');
  assert.equal(m.bins, 59);
  let uniform = 0;
  for (let i = 0; i < 256; i++) if (lbpTransitions(i, 8) <= 2) uniform++;
  assert.equal(uniform, 58);
  // first codes: 0,1,2,3,4 uniform → 0..4; 5 = 00000101 non-uniform; 6,7,8 → 5,6,7
  assert.deepEqual([...m.table.subarray(0, 9)], [0, 1, 2, 3, 4, 58, 5, 6, 7]);
  assert.equal(m.table[255], 57);
  assert.equal(m.table[0b10101010], 58);
  assert.equal(new Set(m.table).size, 59);
});

test("u2-zhao (UniformLBP8.txt): non-uniform → 0, uniform → 1..58; P = 4 codes reach bins 0..11 only", () => {
  const m = lbpMapping(8, 'u2-zhao');
  assert.equal(m.bins, 59);
  assert.deepEqual([...m.table.subarray(0, 16)], [1, 2, 3, 4, 5, 0, 6, 7, 8, 0, 0, 0, 9, 0, 10, 11]);
  assert.equal(m.table[255], 58);
});

test('riu2 (10 bins for P = 8), ri (36 bins), none, and P = 4 u2 (15 bins)', () => {
  const r = lbpMapping(8, 'riu2');
  assert.equal(r.bins, 10);
  assert.equal(r.table[0], 0);
  assert.equal(r.table[255], 8);
  assert.equal(r.table[0b11100001], 4);
  assert.equal(r.table[0b00000101], 9);
  const ri = lbpMapping(8, 'ri');
  assert.equal(ri.bins, 36);
  assert.equal(ri.table[1], ri.table[128]); // rotations share a class
  assert.equal(ri.table[3], ri.table[0b11000000]);
  assert.notEqual(ri.table[1], ri.table[3]);
  assert.equal(lbpMapping(8, 'none').bins, 256);
  const u4 = lbpMapping(4, 'u2');
  assert.equal(u4.bins, 15);
  assert.equal(u4.table[5], 14);
  assert.equal(u4.table[10], 14);
  assert.equal(u4.table[9], 8); // 1001 is uniform in 4 bits
});

test('lbp2d: hand-computed code of a 3×3 ramp, bilinear (code 225 = bits 0,5,6,7)', () => {
  // f(x, y) = 10 + 10x + 30y (×0.01): bilinear sampling of a plane is exact, so every value below is f at the point
  const data = new Float32Array([10, 20, 30, 40, 50, 60, 70, 80, 90].map((v) => v / 100));
  const r = lbp2d({ width: 3, height: 3, data }, { radius: 1, points: 8, bilinear: true });
  // p0 (x+1)=60 ≥ 50 → 1; p1 45° up-right = 35.9 → 0; p2 up = 20 → 0; p3 = 21.7 → 0; p4 = 40 → 0;
  // p5 45° down-left = 64.1 → 1; p6 down = 80 → 1; p7 down-right = 78.3 → 1
  assert.equal(r.codes.length, 1);
  assert.equal(r.codes[0], 0b11100001);
  assert.equal(r.histogram[225], 1);
  const u = lbp2d({ width: 3, height: 3, data }, { mapping: 'riu2' });
  assert.equal(u.codes[0], 4);
  // nearest-pixel sampling: p1 rounds to (2, 0) = 30 < 50, p5 to (0, 2) = 70 → same code here
  assert.equal(lbp2d({ width: 3, height: 3, data }, { bilinear: false }).codes[0], 225);
});

test('lbp2d: a flat image gives code 2^P − 1 everywhere (≥, ties count)', () => {
  const data = new Float32Array(25).fill(0.3);
  const r = lbp2d({ width: 5, height: 5, data }, { radius: 1, points: 8 });
  assert.equal(r.codes.length, 9);
  for (const c of r.codes) assert.equal(c, 255);
});

test('blocks: floor-sized edges, remainder dropped, row-major order (main_CASME2_LBPTOP.m)', () => {
  assert.deepEqual(blockEdges(17, 5), [0, 3, 6, 9, 12, 15]);
  assert.deepEqual(blockEdges(17, 5, 'spread'), [0, 3, 7, 10, 14, 17]);
  assert.deepEqual(blockEdges(340, 5), [0, 68, 136, 204, 272, 340]);
  const b = blocks({ height: 150, width: 120 }, 5, 4);
  assert.equal(b.length, 20);
  assert.deepEqual(b[1], { index: 1, row: 0, col: 1, y0: 0, y1: 30, x0: 30, x1: 60 });
  assert.deepEqual(b[19], { index: 19, row: 4, col: 3, y0: 120, y1: 150, x0: 90, x1: 120 });
  assert.throws(() => blockEdges(3, 5), /cannot cut/);
});

function tiny(before: number, after: number): Float32Array {
  const f1 = [0.2, 0.6, 0.3, 0.7, 0.5, 0.4, 0.8, 0.1, 0.9];
  return new Float32Array([...new Array(9).fill(before), ...f1, ...new Array(9).fill(after)]);
}

test('lbpTop: hand-computed XY / XT / YT codes of one centre in a 3×3×3 volume (P = 4, R = 1)', () => {
  // centre (t=1, y=1, x=1) = 0.5. XY: p0 right 0.4→0, p1 up 0.6→1, p2 left 0.7→1, p3 down 0.1→0: code 6
  // XT: p0 right 0.4→0, p1 t+1, p2 left 0.7→1, p3 t−1.  YT: p0 t+1, p1 up 0.6→1, p2 t−1, p3 down 0.1→0
  const opts = { radii: [1, 1, 1] as const, points: [4, 4, 4] as const, mapping: 'none' as const };
  const a = lbpTop(makeVolume(3, 3, 3, tiny(0.1, 0.9)), opts); // later frame brighter
  assert.equal(a.length, 48);
  const argmax = (h: Float32Array, o: number) => [...h.subarray(o, o + 16)].findIndex((v) => v === 1);
  assert.deepEqual([argmax(a, 0), argmax(a, 16), argmax(a, 32)], [6, 0b0110, 0b0011]);
  const b = lbpTop(makeVolume(3, 3, 3, tiny(0.95, 0.05)), opts); // earlier frame brighter
  assert.deepEqual([argmax(b, 0), argmax(b, 16), argmax(b, 32)], [6, 0b1100, 0b0110]);
});

test('lbpTop: per-plane counts sum to the number of centres of every block; normalised sums are 1', () => {
  const T = 7, H = 17, W = 13;
  const data = new Float32Array(T * H * W);
  let s = 1;
  for (let i = 0; i < data.length; i++) data[i] = ((s = (s * 16807) % 2147483647) % 256) / 255;
  const vol = makeVolume(T, H, W, data);
  const counts = lbpTop(vol, { radii: [1, 2, 2], points: [8, 8, 8], mapping: 'u2', grid: [2, 2], normalize: false });
  assert.equal(counts.length, 4 * 3 * 59);
  // blocks 8×6 px; border 2 → 4×2 centres; frames 2..4 → 3 → 24 centres per block and plane
  for (let k = 0; k < 12; k++) assert.equal(counts.subarray(k * 59, (k + 1) * 59).reduce((a, b) => a + b, 0), 24);
  const norm = lbpTop(vol, { radii: [1, 2, 2], points: [8, 8, 8], mapping: 'u2', grid: [2, 2] });
  for (let k = 0; k < 12; k++) assert.ok(Math.abs(norm.subarray(k * 59, (k + 1) * 59).reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.throws(() => lbpTop(makeVolume(4, 17, 13, data.subarray(0, 4 * 17 * 13)), { radii: [1, 1, 2], points: [8, 8, 8], mapping: 'u2' }), /no centre frame/);
});

test('lbpTop on the real CASME II TIM-10 clip: shape and sums', { skip: skipUnlessShared('casme2-tim10-sequence') }, () => {
  const dir = sharedData('casme2-tim10-sequence')!;
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  const frames = files.map((f) => jpeg.decode(readFileSync(join(dir, f)), { useTArray: true }));
  const { width, height } = frames[0];
  const data = new Float32Array(files.length * width * height);
  frames.forEach((fr, t) => {
    for (let i = 0; i < width * height; i++) data[t * width * height + i] = fr.data[4 * i] / 255;
  });
  const vol = makeVolume(files.length, height, width, data);
  const f = lbpTop(vol, { radii: [1, 1, 4], points: [4, 4, 4], mapping: lbpMapping(8, 'u2-zhao'), grid: [5, 5] });
  assert.equal(f.length, 25 * 3 * 59);
  for (let k = 0; k < 75; k++) {
    const h = f.subarray(k * 59, (k + 1) * 59);
    assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    for (let j = 12; j < 59; j++) assert.equal(h[j], 0); // P = 4 through the 8-bit table: bins 0..11 only
  }
  const g = lbpTop(vol, { radii: [3, 3, 3], points: [8, 8, 8], mapping: 'u2', grid: [5, 4], normalize: false });
  // 340×280 → blocks 68×70; centres (68−6)(70−6) × (10−6) frames
  assert.equal(g.length, 20 * 177);
  assert.equal(g.subarray(0, 59).reduce((a, b) => a + b, 0), 62 * 64 * 4);
});
