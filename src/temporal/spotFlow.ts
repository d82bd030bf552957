/**
 * The optical-flow-magnitude variant of long-video spotting.
 *
 * FD(t) at scale k is the TV-L1 flow from the neutral reference — the
 * average of frames t − k and t + k — to frame t, as the magnitude of each
 * facial block's mean flow (pixels of the input crop), the largest third of
 * the blocks averaged (as the MEGC baseline's block distances). The
 * boundary distances (`toReference`) are the same measure against the
 * reference of the apex window. Everything else (contrast, adaptive
 * threshold, peaks, durations) is spot.ts.
 *
 * Cost: one flow per frame and scale plus 4k + 1 per apex candidate, so the
 * face is downscaled to `side` pixels and TV-L1 runs with light settings
 * (FLOW_SPOT_TVL1): a spotting cue, not a measurement.
 *
 * Accuracy and cost (bench:analyze part 2, synthetic 30 s videos through
 * mp4 and face tracking, seeds 21–23, p 0.35): MEGC F1 0.73 (P 0.65,
 * R 0.83) against 0.95 for the 'intensity' default, and ≈ 1 s of CPU per
 * second of 25 fps video for spotting against ≈ 0.02 s: TV-L1's response to
 * sensor noise is close to a weak micro-expression's sub-pixel motion.
 */
import type { Image, Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { resizeImage } from '../core/resize.ts';
import { tvl1Flow, type Tvl1Params } from '../motion/tvl1.ts';
import { FD_TOP_FRACTION, topMean, type FrameDifferences } from './spotFeatures.ts';

export interface FlowSpotOptions {
  /** blocks per side; default 6 (MEGC baseline) */
  grid?: number;
  /** use only these blocks (row-major), e.g. roiBlocks; default all */
  blocks?: readonly number[];
  /** side the aligned face is area-downscaled to before the flow; default FLOW_SPOT_SIDE */
  side?: number;
  /** frames are averaged over t − h … t + h before the flow; default FLOW_SPOT_TEMPORAL_HALF */
  temporalHalf?: number;
  /** TV-L1 settings; default FLOW_SPOT_TVL1 */
  tvl1?: Partial<Tvl1Params>;
}

/**
 * 64 px: the face's motion (0.3–1.5 px at 128 px in the synthetic videos)
 * stays ≥ 0.15 px, above TV-L1's noise floor; 48 px lost the weaker
 * micro-expressions (synthetic 16 s videos, seeds 101 and 5: F1 0.30/0.31 at
 * 48 px vs 0.53/0.44 at 64 px), and a pair costs ≈ 4 ms.
 */
export const FLOW_SPOT_SIDE = 64;
/**
 * Light TV-L1 (OpenCV defaults: 5 scales, 5 warps, 10 outer iterations):
 * the motion is sub-pixel at 64 px, so 3 pyramid levels are plenty; 2 warps
 * and 3 outer iterations cost ≈ 1/3 of the defaults (3.7 vs 10.9 ms a
 * 64² pair) and the FD peaks kept their height (0.167 vs 0.165 px at a
 * synthetic micro apex).
 */
export const FLOW_SPOT_TVL1: Readonly<Partial<Tvl1Params>> = Object.freeze({ nscales: 3, warps: 2, outerIterations: 3 });

/**
 * Temporal smoothing half-width: sensor noise makes TV-L1 report ≈ 0.1 px of
 * flow everywhere at 64 px, the size of a weak micro-expression's;
 * averaging 3 frames cuts the noise by √3 while a micro-expression (≥ 5
 * frames at 25 fps) keeps most of its amplitude (F1 0.18/0.25 without it,
 * 0.53/0.44 with it, same videos as FLOW_SPOT_SIDE).
 */
export const FLOW_SPOT_TEMPORAL_HALF = 1;

/** Flow-magnitude frame differences of a volume of aligned gray faces. */
export function flowDifferences(vol: Volume, opts: FlowSpotOptions = {}): FrameDifferences {
  const grid = opts.grid ?? 6;
  const S = opts.side ?? FLOW_SPOT_SIDE;
  if (!(Number.isInteger(grid) && grid >= 1 && Number.isInteger(S) && S >= 2 * grid && S >= 8)) {
    throw new MerError('BAD_OPTION', `flow spotting grid ${grid} / side ${S}`, { expected: 'integers with side ≥ max(8, 2·grid)' });
  }
  const sel = opts.blocks ? [...opts.blocks] : [...Array(grid * grid).keys()];
  if (sel.length === 0 || sel.some((b) => !(b >= 0 && b < grid * grid))) throw new MerError('BAD_OPTION', 'spotting blocks out of range', { expected: `indices in 0..${grid * grid - 1}` });
  const params = { ...FLOW_SPOT_TVL1, ...opts.tvl1 };
  const T = vol.frames;
  const n = vol.width * vol.height;
  const m = S * S;
  // magnitudes are reported in pixels of the input crop
  const toInput = vol.width / S;
  const raw = new Float32Array(T * m);
  for (let t = 0; t < T; t++) {
    const img: Image = { width: vol.width, height: vol.height, channels: 1, data: vol.data.subarray(t * n, (t + 1) * n) };
    raw.set(vol.width === S && vol.height === S ? img.data : resizeImage(img, S, S, { method: 'area' }).data, t * m);
  }
  const h = opts.temporalHalf ?? FLOW_SPOT_TEMPORAL_HALF;
  if (!(Number.isInteger(h) && h >= 0)) throw new MerError('BAD_OPTION', `flow spotting temporalHalf ${h}`, { expected: 'an integer ≥ 0' });
  // temporal box filter over 2h + 1 frames (clamped at the ends)
  const small = h === 0 ? raw : new Float32Array(T * m);
  if (h > 0) {
    for (let t = 0; t < T; t++) {
      const lo = Math.max(0, t - h);
      const hi = Math.min(T - 1, t + h);
      const o = small.subarray(t * m, (t + 1) * m);
      for (let s = lo; s <= hi; s++) for (let i = 0; i < m; i++) o[i] += raw[s * m + i];
      const inv = 1 / (hi - lo + 1);
      for (let i = 0; i < m; i++) o[i] *= inv;
    }
  }
  // block of every pixel of the small grid (-1 = not selected)
  const blockOf = new Int32Array(m).fill(-1);
  const index = new Int32Array(grid * grid).fill(-1);
  sel.forEach((b, i) => (index[b] = i));
  const count = new Float64Array(sel.length);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const b = index[Math.min(grid - 1, Math.floor((y * grid) / S)) * grid + Math.min(grid - 1, Math.floor((x * grid) / S))];
      blockOf[y * S + x] = b;
      if (b >= 0) count[b]++;
    }
  }
  const frame = (t: number): Image => ({ width: S, height: S, channels: 1, data: small.subarray(t * m, (t + 1) * m) });
  const ref = (a: number, c: number): Image => {
    const d = new Float32Array(m);
    for (let i = 0; i < m; i++) d[i] = 0.5 * (small[a * m + i] + small[c * m + i]);
    return { width: S, height: S, channels: 1, data: d };
  };
  const per = new Float64Array(sel.length);
  const su = new Float64Array(sel.length);
  const sv = new Float64Array(sel.length);
  const distance = (r: Image, t: number): number => {
    const f = tvl1Flow(r, frame(t), params);
    su.fill(0);
    sv.fill(0);
    for (let i = 0; i < m; i++) {
      const b = blockOf[i];
      if (b < 0) continue;
      su[b] += f.u[i];
      sv[b] += f.v[i];
    }
    // magnitude of the block's MEAN flow: noise flow points every way and cancels, skin moving together does not
    for (let b = 0; b < per.length; b++) per[b] = (Math.hypot(su[b], sv[b]) / count[b]) * toInput;
    return topMean(per, FD_TOP_FRACTION);
  };
  return {
    frames: T,
    fd(k) {
      const out = new Float64Array(T);
      for (let t = k; t < T - k; t++) out[t] = distance(ref(t - k, t + k), t);
      return out;
    },
    toReference(lo, hi, a, c) {
      const r = ref(a, c);
      const out = new Float64Array(hi - lo + 1);
      for (let t = lo; t <= hi; t++) out[t - lo] = distance(r, t);
      return out;
    },
  };
}
