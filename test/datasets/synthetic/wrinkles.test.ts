/**
 * Skin folds (render.ts `wrinkles`): where an action unit compresses the skin
 * the face darkens in lines across the motion, scaled by the event's
 * intensity; no wrinkles = the pure warp, byte for byte; the ground-truth
 * flow never changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFlow, makeImage } from '../../../src/core/image.ts';
import { planSynthetic, renderPlannedClip, resolveSyntheticOptions, type SyntheticOptions } from '../../../src/datasets/synthetic/generate.ts';
import { applyWrinkles, wrinkleMap, WRINKLE_FULL_STRAIN } from '../../../src/datasets/synthetic/render.ts';
import { ltogp } from '../../../src/features/ltogp.ts';
import { MerError } from '../../../src/core/errors.ts';

const SMALL: SyntheticOptions = { seed: 7, subjects: 2, clipsPerClass: 1, size: 96, frames: [18, 22] };

test('wrinkleMap: a converging field u = −a·(x − 16) folds where it compresses, in proportion to the strain, across the motion', () => {
  const W = 33;
  for (const a of [0.02, 0.05, 0.3]) {
    const f = makeFlow(W, W);
    for (let j = 0; j < W; j++) for (let i = 0; i < W; i++) f.u[j * W + i] = -a * (i - 16);
    const m = wrinkleMap(f);
    const p = 10 * W + 8; // interior, left of the centre: moving right (+x)
    assert.ok(Math.abs(m.weight[p] - Math.min(1, a / WRINKLE_FULL_STRAIN)) < 1e-6, `a ${a}: weight ${m.weight[p]}`);
    assert.ok(Math.abs(m.nx[p] - 1) < 1e-6 && Math.abs(m.ny[p]) < 1e-6);
    assert.equal(m.weight[10 * W + 16], 0, 'no motion at the centre: no direction, no fold');
    // a diverging field (stretch) never folds
    const g = makeFlow(W, W, f.u.map((x) => -x), f.v);
    assert.ok(wrinkleMap(g).weight.every((w) => w === 0));
  }
});

test('applyWrinkles: lines run across the motion with the set period, as deep as depth × intensity × fold', () => {
  const W = 24;
  const img = makeImage(W, W, 1);
  img.data.fill(0.5);
  const weight = new Float32Array(W * W).fill(1);
  const map = { width: W, height: W, weight, nx: new Float32Array(W * W).fill(1), ny: new Float32Array(W * W) };
  applyWrinkles(img, [map], [0.5], makeFlow(W, W), 0.2, 4);
  // along x: 0.5·(1 − 0.2·0.5·½(1 + cos(2πx/4))); constant along y
  for (let x = 0; x < 8; x++) {
    const want = 0.5 * (1 - 0.1 * 0.5 * (1 + Math.cos((2 * Math.PI * x) / 4)));
    assert.ok(Math.abs(img.data[5 * W + x] - want) < 1e-6, `x ${x}`);
    assert.equal(img.data[5 * W + x], img.data[17 * W + x]);
  }
  // intensity 0 (before onset): untouched
  const still = makeImage(W, W, 1);
  still.data.fill(0.5);
  applyWrinkles(still, [map], [0], makeFlow(W, W), 0.2, 4);
  assert.ok(still.data.every((v) => v === 0.5));
});

test('synthetic clips with wrinkles: the pure warp when off, identical onset frames and ground truth when on, darker folds at the apex that LTOGP sees', async () => {
  // no sensor noise: it flips most LTOGP codes of smooth skin from frame to frame and would hide the comparison
  const quiet: SyntheticOptions = { ...SMALL, amplitude: [1.2, 1.2], noiseSd: 0, flicker: 0, headMotionPx: 0 };
  const plan = await planSynthetic(quiet);
  const on = resolveSyntheticOptions({ ...quiet, wrinkles: 0.3 });
  assert.equal(plan.manifest.options.wrinkles, 0, 'off by default');
  const p = plan.clips[2]; // disgust: AU4/9/10 compress the brows and nose
  const off = renderPlannedClip(p, plan.manifest.options);
  const offExplicit = renderPlannedClip(p, { ...plan.manifest.options, wrinkles: 0 });
  const wr = renderPlannedClip(p, on);
  const k0 = p.meta.onset - 1;
  const ka = p.meta.apex - 1;
  assert.deepEqual(Buffer.from(off.frames[ka].data.buffer), Buffer.from(offExplicit.frames[ka].data.buffer));
  assert.deepEqual(Buffer.from(wr.frames[k0].data.buffer), Buffer.from(off.frames[k0].data.buffer), 'no fold before the onset');
  assert.deepEqual(wr.gt, off.gt, 'wrinkles change brightness, not motion');
  let darker = 0;
  let lighter = 0;
  for (let i = 0; i < wr.frames[ka].data.length; i++) {
    const d = wr.frames[ka].data[i] - off.frames[ka].data[i];
    if (d < -1e-3) darker++;
    else if (d > 1e-3) lighter++;
  }
  assert.ok(darker > 100, `${darker} darker values at the apex`);
  assert.equal(lighter, 0, 'folds only darken');
  // LTOGP (a texture histogram) moves more from onset to apex with folds than with the warp alone
  const dist = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
  const gray = (img: { width: number; height: number; data: Float32Array }) => ({ width: img.width, height: img.height, data: img.data.subarray(0, img.width * img.height) });
  const hOff = dist(ltogp(gray(off.frames[ka])), ltogp(gray(off.frames[k0])));
  const hWr = dist(ltogp(gray(wr.frames[ka])), ltogp(gray(wr.frames[k0])));
  assert.ok(hWr > 1.2 * hOff, `LTOGP onset→apex change ${hWr} with folds vs ${hOff} without`);
});

test('wrinkles outside 0..1 are refused with a clear error', () => {
  for (const w of [-0.1, 1.5, Number.NaN]) {
    assert.throws(() => resolveSyntheticOptions({ ...SMALL, wrinkles: w }), (e: unknown) => e instanceof MerError && /wrinkles/.test(e.message));
  }
});
