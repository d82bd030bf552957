import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFlo, encodeFlo, readFlo, writeFlo } from '../../src/io/flo.ts';
import { makeFlow } from '../../src/core/image.ts';
import { MerError } from '../../src/core/errors.ts';

test('layout: "PIEH" magic, width, height, then interleaved u, v', () => {
  const flow = makeFlow(2, 1, Float32Array.from([1.5, -2]), Float32Array.from([0.25, 3]));
  const b = encodeFlo(flow);
  assert.equal(b.length, 12 + 2 * 8);
  assert.equal(new TextDecoder().decode(b.subarray(0, 4)), 'PIEH'); // 202021.25 as little-endian float32
  const dv = new DataView(b.buffer);
  assert.equal(dv.getInt32(4, true), 2);
  assert.equal(dv.getInt32(8, true), 1);
  assert.deepEqual([12, 16, 20, 24].map((o) => dv.getFloat32(o, true)), [1.5, 0.25, -2, 3]);
  assert.deepEqual(decodeFlo(b), flow);
});

test('file round trip', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merkit-flo-'));
  try {
    const n = 5 * 3;
    const flow = makeFlow(5, 3, Float32Array.from({ length: n }, (_, i) => i / 4 - 1), Float32Array.from({ length: n }, (_, i) => -i / 8));
    const p = join(dir, 'sub', 'f.flo');
    await writeFlo(p, flow);
    assert.deepEqual(await readFlo(p), flow);
    await assert.rejects(readFlo(join(dir, 'none.flo')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad magic and truncation → MerError naming the file', () => {
  const b = encodeFlo(makeFlow(3, 3));
  const wrong = b.slice();
  wrong[0] = 0;
  assert.throws(() => decodeFlo(wrong, 'x.flo'), (e: unknown) => e instanceof MerError && e.file === 'x.flo' && /not a Middlebury \.flo/.test(e.message));
  assert.throws(() => decodeFlo(b.subarray(0, 30), 'y.flo'), /truncated \.flo/);
  assert.throws(() => decodeFlo(b.subarray(0, 5), 'z.flo'), /truncated \.flo/);
});
