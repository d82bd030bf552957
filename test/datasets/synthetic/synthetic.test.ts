import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFlow, type Image } from '../../../src/core/image.ts';
import { Rng } from '../../../src/core/rng.ts';
import {
  evalBumps,
  faceFrame,
  maxMagnitude,
  normaliseBumps,
  placeBumps,
  type AuJitter,
} from '../../../src/datasets/synthetic/actionUnits.ts';
import { faceCatalog, usableFaces, cropFace } from '../../../src/datasets/synthetic/faces.ts';
import { encodeFrameJpeg, planSynthetic, renderPlannedClip, type SyntheticOptions } from '../../../src/datasets/synthetic/generate.ts';
import { groundTruthFlow, headPath, intensityProfile, renderClipFrames, warpBackward } from '../../../src/datasets/synthetic/render.ts';

/** 2 subjects × 5 classes × 1 clip, small frames: the whole file runs in a few seconds */
const SMALL: SyntheticOptions = { seed: 7, subjects: 2, clipsPerClass: 1, size: 96, frames: [18, 22] };
const NO_JITTER: AuJitter = { directionDeg: 0, weight: [1, 1], sigma: [1, 1], centreIod: 0 };

function rms(a: Float32Array, b: Float32Array, mask: (i: number) => boolean): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (!mask(i)) continue;
    s += (a[i] - b[i]) ** 2;
    n++;
  }
  return Math.sqrt(s / n);
}

test('face catalog: 22 faces in the six sample photos, 21 usable, ordered by photo then x', async () => {
  const c = await faceCatalog();
  assert.deepEqual(
    c.photos.map((p) => p.faces.length),
    [3, 3, 3, 4, 5, 4],
  );
  for (const p of c.photos) {
    for (let k = 1; k < p.faces.length; k++) assert.ok(p.faces[k].box.x >= p.faces[k - 1].box.x, `${p.file} faces sorted by x`);
    for (const f of p.faces) assert.equal(f.landmarks.length, 136);
  }
  const u = usableFaces(c);
  assert.equal(u.length, 21);
  for (const f of u) {
    const p = c.photos.find((q) => q.file === f.photo)!;
    assert.ok(f.crop.x >= 0 && f.crop.y >= 0 && f.crop.x + f.crop.side <= p.width && f.crop.y + f.crop.side <= p.height);
  }
});

test('AU directions on a real face (no jitter): AU12 corners out+up, AU15 down, AU1 brows up, AU4 brows down+in, AU17 chin up', async () => {
  const face = await cropFace(usableFaces(await faceCatalog())[0], 'sub01', 128, 1);
  const lm = face.landmarks;
  const fr = faceFrame(lm);
  assert.ok(Math.abs(fr.ex[1]) < 0.3, 'face roughly upright');
  const at = (aus: string[], i: number) => {
    const bumps = placeBumps(lm, aus.map((au) => ({ au, weight: 1 })), new Rng(1), NO_JITTER);
    const f = evalBumps(bumps, 128, 128);
    const p = Math.round(lm[2 * i + 1]) * 128 + Math.round(lm[2 * i]);
    return [f.u[p], f.v[p]];
  };
  // subject's right mouth corner (48) is on the image left: outward = −x; up = −y
  const [u48, v48] = at(['12'], 48);
  const [u54, v54] = at(['12'], 54);
  assert.ok(u48 < 0 && v48 < 0 && u54 > 0 && v54 < 0, `AU12 corners: (${u48}, ${v48}) (${u54}, ${v54})`);
  assert.ok(at(['15'], 48)[1] > 0 && at(['15'], 54)[1] > 0, 'AU15 pulls corners down');
  assert.ok(at(['1'], 21)[1] < 0 && at(['1'], 22)[1] < 0, 'AU1 raises inner brows');
  const [u21, v21] = at(['4'], 21);
  const [u22, v22] = at(['4'], 22);
  assert.ok(v21 > 0 && v22 > 0 && u21 > 0 && u22 < 0, 'AU4 lowers the brows and draws them together');
  assert.ok(at(['17'], 8)[1] < 0, 'AU17 raises the chin');
  assert.ok(at(['5'], 37)[1] < 0, 'AU5 raises the upper lid');
  // unilateral: L12 moves only the subject's left corner (image right, 54)
  const one = evalBumps(placeBumps(lm, [{ au: '12', side: 'L', weight: 1 }], new Rng(1), NO_JITTER), 128, 128);
  const p48 = Math.round(lm[97]) * 128 + Math.round(lm[96]);
  assert.equal(one.u[p48], 0);
  assert.equal(one.v[p48], 0);
});

test('apex field: max magnitude in [0.3, 1.5] px (= the manifest amplitude), exactly 0 far from the face', async () => {
  const plan = await planSynthetic(SMALL);
  assert.equal(plan.clips.length, 10);
  for (const c of plan.clips) {
    const f = evalBumps(c.events[0].bumps, 96, 96);
    const m = maxMagnitude(f);
    assert.ok(m >= 0.3 && m <= 1.5, `${c.meta.clip}: ${m}`);
    assert.ok(Math.abs(m - c.meta.amplitudePx) < 1e-4, `${c.meta.clip}: ${m} vs ${c.meta.amplitudePx}`);
    // the 6×6 corners of the crop are far from every landmark-anchored bump
    for (const [x0, y0] of [[0, 0], [90, 0]]) {
      for (let y = y0; y < y0 + 6; y++) for (let x = x0; x < x0 + 6; x++) assert.equal(Math.hypot(f.u[y * 96 + x], f.v[y * 96 + x]), 0);
    }
  }
});

test('timing: 1 ≤ onset < apex < offset ≤ frames, frames within the asked range, AUs match the class', async () => {
  const { manifest } = await planSynthetic(SMALL);
  const want: Record<string, RegExp> = {
    happiness: /^(6\+)?(7\+)?12$/,
    surprise: /^1\+2(\+5)?$/,
    disgust: /^(4|9|10)\+(9|10)(\+10)?$/,
    repression: /^(14|15|17)(\+17)?$/,
    others: /^(4|7|24|4\+7|20|R2|L12|L14)$/,
  };
  for (const c of manifest.clips) {
    assert.ok(c.frames >= 18 && c.frames <= 22);
    assert.ok(1 <= c.onset && c.onset < c.apex && c.apex < c.offset && c.offset <= c.frames, `${c.clip}: ${c.onset}/${c.apex}/${c.offset}/${c.frames}`);
    assert.ok(c.onset > 1, 'neutral frames before the onset');
    assert.match(c.actionUnits, want[c.emotion]);
  }
  assert.deepEqual(
    manifest.clips.map((c) => `${c.subject}/${c.clip}/${c.emotion}`).slice(0, 5),
    ['sub01/EP01_01/happiness', 'sub01/EP02_01/surprise', 'sub01/EP03_01/disgust', 'sub01/EP04_01/repression', 'sub01/EP05_01/others'],
  );
});

test('raised-cosine profile: 0 at onset and offset, 1 at apex, ½ halfway up', () => {
  const ev = { onset: 4, apex: 10, offset: 20 };
  assert.equal(intensityProfile(4, ev), 0);
  assert.equal(intensityProfile(10, ev), 1);
  assert.equal(intensityProfile(20, ev), 0);
  assert.ok(Math.abs(intensityProfile(7, ev) - 0.5) < 1e-12);
  assert.ok(Math.abs(intensityProfile(15, ev) - 0.5) < 1e-12);
  assert.equal(intensityProfile(2, ev), 0);
});

test('determinism: same seed → identical manifest and frame bytes; another seed → different', async () => {
  const a = await planSynthetic(SMALL);
  const b = await planSynthetic({ ...SMALL });
  assert.deepEqual(JSON.parse(JSON.stringify(a.manifest)), JSON.parse(JSON.stringify(b.manifest)));
  const ra = renderPlannedClip(a.clips[3], a.manifest.options);
  const rb = renderPlannedClip(b.clips[3], b.manifest.options);
  const k = a.clips[3].meta.apex - 1;
  assert.deepEqual(Buffer.from(ra.frames[k].data.buffer), Buffer.from(rb.frames[k].data.buffer));
  assert.deepEqual(await encodeFrameJpeg(ra.frames[k]), await encodeFrameJpeg(rb.frames[k]));
  const c = await planSynthetic({ ...SMALL, seed: 8 });
  assert.notDeepEqual(c.manifest.clips, a.manifest.clips);
  const rc = renderPlannedClip(c.clips[3], c.manifest.options);
  assert.notDeepEqual(Buffer.from(rc.frames[0].data.buffer), Buffer.from(ra.frames[0].data.buffer));
});

test('ground truth: with head motion only, the flow is the head translation between the two frames', () => {
  const h = headPath(10, 0.5, new Rng(3));
  const f = groundTruthFlow([], h.x, h.y, 2, 7, 16);
  for (let i = 0; i < 256; i++) {
    assert.ok(Math.abs(f.u[i] - (h.x[7] - h.x[2])) < 1e-6);
    assert.ok(Math.abs(f.v[i] - (h.y[7] - h.y[2])) < 1e-6);
  }
});

test('ground truth: warping the apex back by the GT flow reproduces the onset (and the wrong sign does not)', async () => {
  const plan = await planSynthetic({ ...SMALL, size: 128, amplitude: [1.5, 1.5], noiseSd: 0, flicker: 0, headMotionPx: 0.4 });
  for (const idx of [0, 2, 6]) {
    const p = plan.clips[idx];
    const { frames, gt } = renderPlannedClip(p, plan.manifest.options);
    const on = frames[p.meta.onset - 1];
    const ap = frames[p.meta.apex - 1];
    // onset_est(x) = apex(x + F(x)) = warpBackward(apex, −F)
    const neg = makeFlow(128, 128, gt.u.map((x) => -x), gt.v.map((x) => -x));
    const back = warpBackward(ap, neg);
    const wrong = warpBackward(ap, gt);
    // compare where the expression moves the skin (≥ 0.2 px), away from the border
    const moving = (i: number) => {
      const q = i % (128 * 128);
      const x = q % 128;
      const y = Math.floor(q / 128);
      return x > 4 && y > 4 && x < 123 && y < 123 && Math.hypot(gt.u[q] - p.meta.headMotionPx[0], gt.v[q] - p.meta.headMotionPx[1]) >= 0.2;
    };
    const eBack = rms(back.data, on.data, moving);
    const eNone = rms(ap.data, on.data, moving);
    const eWrong = rms(wrong.data, on.data, moving);
    assert.ok(eBack < 0.4 * eNone, `${p.meta.clip}: back ${eBack} vs none ${eNone}`);
    assert.ok(eBack < 0.25 * eWrong, `${p.meta.clip}: back ${eBack} vs wrong sign ${eWrong}`);
    // the GT magnitude (head motion removed) matches the apex amplitude within the inversion's stretch
    let m = 0;
    for (let i = 0; i < gt.u.length; i++) m = Math.max(m, Math.hypot(gt.u[i] - p.meta.headMotionPx[0], gt.v[i] - p.meta.headMotionPx[1]));
    assert.ok(Math.abs(m - 1.5) < 0.3, `${p.meta.clip}: GT max ${m}`);
  }
});

test('renderer: a neutral clip with no events and no motion/noise reproduces the crop exactly', async () => {
  const face = await cropFace(usableFaces(await faceCatalog())[1], 'subX', 48, 1);
  const r = renderClipFrames(face, [], 3, new Rng(1), { noiseSd: 0, flicker: 0, headMotionPx: 0 });
  const img: Image = r.frames[2];
  let maxDiff = 0;
  for (let i = 0; i < img.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(img.data[i] - face.image.data[i]));
  assert.ok(maxDiff < 1e-6, `max diff ${maxDiff}`);
});

test('normaliseBumps hits the asked amplitude', async () => {
  const face = await cropFace(usableFaces(await faceCatalog())[0], 'sub01', 64, 1);
  const b = normaliseBumps(placeBumps(face.landmarks, [{ au: '9', weight: 1 }], new Rng(2)), 64, 64, 0.8);
  assert.ok(Math.abs(maxMagnitude(evalBumps(b, 64, 64)) - 0.8) < 1e-5);
});
