import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { skipUnlessShared, SHARED_DATA } from '../helpers/shared.ts';
import { readImage } from '../../src/io/image.ts';
import { stackFrames } from '../../src/core/image.ts';
import { tvl1Flow } from '../../src/motion/tvl1.ts';
import { opticalStrain } from '../../src/motion/strain.ts';
import { flowImage } from '../../src/motion/flowImage.ts';
import { tim } from '../../src/temporal/tim.ts';
import { spotApex } from '../../src/temporal/apex.ts';

const PAIRS = 'onset-apex-pairs';
const SEQ = 'casme2-tim10-sequence';

test('real CASME II onset/apex pair: TV-L1 → strain → 28×28 flow image, subtle motion', { skip: skipUnlessShared(PAIRS) }, async () => {
  const dir = join(SHARED_DATA, PAIRS);
  const a = await readImage(join(dir, 'sub11_EP15_04f_1.png'), { mode: 'gray' });
  const b = await readImage(join(dir, 'sub11_EP15_04f_2.png'), { mode: 'gray' });
  const f = tvl1Flow(a, b);
  let mean = 0, max = 0;
  for (let i = 0; i < f.u.length; i++) { const m = Math.hypot(f.u[i], f.v[i]); mean += m; max = Math.max(max, m); }
  mean /= f.u.length;
  // a micro-expression: sub-pixel on average, a few px at most (OpenCV gives mean 0.117, max 1.61 px here)
  assert.ok(mean > 0.02 && mean < 0.5, `mean |flow| ${mean}`);
  assert.ok(max < 5, `max |flow| ${max}`);
  const s = opticalStrain(f);
  assert.ok(s.every(Number.isFinite));
  const img = flowImage(f, s);
  assert.equal(img.data.length, 28 * 28 * 3);
  // like every one of the 309 reference MEGC 2019 flow images, each channel spans exactly 0…255
  for (let c = 0; c < 3; c++) {
    let lo = 255, hi = 0;
    for (let i = 0; i < 784; i++) { lo = Math.min(lo, img.data[3 * i + c]); hi = Math.max(hi, img.data[3 * i + c]); }
    assert.deepEqual([lo, hi], [0, 255], `channel ${c}`);
  }
});

test('real TIM-10 sequence: TIM to 10 frames is the identity, apex spotting stays inside the clip', { skip: skipUnlessShared(SEQ) }, async () => {
  const dir = join(SHARED_DATA, SEQ);
  const files = readdirSync(dir).filter((n) => n.endsWith('.jpg')).sort();
  const frames = [];
  for (const f of files) frames.push(await readImage(join(dir, f), { mode: 'gray' }));
  const vol = stackFrames(frames);
  const same = tim(vol, vol.frames);
  let e = 0;
  for (let i = 0; i < vol.data.length; i++) e = Math.max(e, Math.abs(same.data[i] - vol.data[i]));
  assert.ok(e < 1e-4, `max deviation ${e}`);
  const apex = spotApex(vol, { onset: 0 });
  assert.ok(apex >= 1 && apex < vol.frames);
});

test('the reference MEGC 2019 flow images: 28×28 RGB, every channel min–max scaled to exactly 0…255', { skip: skipUnlessShared('megc2019-cde-dev/flow') }, async () => {
  const dir = join(SHARED_DATA, 'megc2019-cde-dev', 'flow');
  const files = readdirSync(dir).filter((n) => n.endsWith('.png')).sort().slice(0, 20);
  for (const f of files) {
    const img = await readImage(join(dir, f), { mode: 'rgb' });
    assert.equal(img.width, 28);
    for (let c = 0; c < 3; c++) {
      const p = img.data.subarray(c * 784, (c + 1) * 784);
      let lo = 1, hi = 0;
      for (const x of p) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
      assert.deepEqual([lo, hi], [0, 1], `${f} channel ${c}`);
    }
  }
});
