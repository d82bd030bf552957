import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globalShift, unshift } from '../../src/motion/globalShift.ts';
import { makePair, makeTexture } from './synth.ts';

test('globalShift recovers a sub-pixel translation and unshift removes it', () => {
  const tex = makeTexture(5);
  for (const [dx, dy] of [[0.4, -0.7], [-1.3, 0.25], [0, 0]]) {
    const { a, b } = makePair(tex, 64, 64, () => [dx, dy]);
    const s = globalShift(a, b);
    assert.ok(Math.abs(s.dx - dx) < 0.05 && Math.abs(s.dy - dy) < 0.05, `(${dx}, ${dy}) → (${s.dx.toFixed(3)}, ${s.dy.toFixed(3)})`);
    const back = unshift(b, s.dx, s.dy);
    let before = 0, after = 0;
    for (let y = 8; y < 56; y++) for (let x = 8; x < 56; x++) {
      const i = y * 64 + x;
      before += Math.abs(b.data[i] - a.data[i]);
      after += Math.abs(back.data[i] - a.data[i]);
    }
    if (dx !== 0 || dy !== 0) assert.ok(after < 0.35 * before, `residual ${after} vs ${before}`);
  }
});
