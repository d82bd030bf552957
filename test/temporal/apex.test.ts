import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apexScores, spotApex } from '../../src/temporal/apex.ts';
import { clipFlowImage } from '../../src/stages/clipFlow.ts';
import { MerError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { bump, makePair, makeTexture } from '../motion/synth.ts';

const S = 40;
const T = 16;
const APEX = 9;
const ONSET = 2;

/** A clip: still until the onset, a smooth 1.2 px bump rising to the apex and decaying, plus sensor noise. */
function syntheticClip() {
  const tex = makeTexture(21);
  const rng = new Rng(4);
  const n = S * S;
  const data = new Float32Array(T * n);
  for (let t = 0; t < T; t++) {
    const k = t <= ONSET ? 0 : t <= APEX ? (t - ONSET) / (APEX - ONSET) : Math.max(0, 1 - (t - APEX) / 5);
    const { b } = makePair(tex, S, S, bump(20, 22, 7, 1.2 * k, -0.4 * k));
    for (let i = 0; i < n; i++) data[t * n + i] = b.data[i] + rng.normal(0, 0.002);
  }
  return { frames: T, height: S, width: S, data };
}

const clip = syntheticClip();

test('frame-difference apex spotting (FR eq. 1) finds the synthetic apex within ±2 frames', () => {
  const a = spotApex(clip, { onset: ONSET });
  assert.ok(Math.abs(a - APEX) <= 2, `spotted ${a}`);
  const s = apexScores(clip, { onset: ONSET });
  assert.equal(s[ONSET], 0);
});

test('LBP-difference and flow-magnitude apex spotting find it too', () => {
  const l = spotApex(clip, { onset: ONSET, method: 'lbp', blocks: 2 });
  assert.ok(Math.abs(l - APEX) <= 2, `lbp spotted ${l}`);
  const f = spotApex(clip, { onset: ONSET, method: 'flow', tvl1: { nscales: 2, warps: 2, outerIterations: 2, innerIterations: 10 } });
  assert.ok(Math.abs(f - APEX) <= 2, `flow spotted ${f}`);
});

test('clipFlowImage: onset→apex flow, strain and a 28×28 flow image; the spotted apex is used', () => {
  const r = clipFlowImage(clip, { onset: ONSET, apex: 'spot' });
  assert.ok(Math.abs(r.apex - APEX) <= 2);
  assert.equal(r.image.width, 28);
  assert.equal(r.image.data.length, 28 * 28 * 3);
  assert.equal(r.strain.length, S * S);
  // the bump moves right at its centre: u there is clearly positive
  const c = 22 * S + 20;
  assert.ok(r.flow.u[c] > 0.5, `u at the bump centre ${r.flow.u[c]}`);
  const fixed = clipFlowImage(clip, { onset: ONSET, apex: APEX, size: 14 });
  assert.equal(fixed.apex, APEX);
  assert.equal(fixed.image.width, 14);
});

test('apex spotting refuses a bad onset or method', () => {
  assert.throws(() => spotApex(clip, { onset: T }), MerError);
  assert.throws(() => spotApex(clip, { method: 'magic' as never }), MerError);
  assert.throws(() => clipFlowImage(clip, { apex: T + 3 }), MerError);
});
