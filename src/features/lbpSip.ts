/**
 * LBP-SIP: LBP with six intersection points (Wang et al., "LBP with six
 * intersection points: reducing redundant information in LBP-TOP for
 * micro-expression recognition", ACCV 2014). Of the 3·4 neighbours of LBP-TOP
 * with P = 4 only 6 are distinct: the 4 spatial ones (the XY circle at 0°,
 * 90°, 180°, 270°, which are also the XT and YT planes' spatial points) and
 * the 2 temporal ones (t − Rt, t + Rt). Per centre:
 *   spatial code  = Σ_p [n_p ≥ c]·2^p, p = right, up, left, down (16 bins)
 *   temporal code = [v(t−Rt) ≥ c] + 2·[v(t+Rt) ≥ c]          (4 bins)
 * Per block the two histograms are concatenated: 20 values, each histogram
 * normalised (sum 1). Centres as LBPTOP.m (frames [Rt, T − Rt), border R).
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { blocks } from './blocks.ts';
import { accumulateLbp, normalizeSegment, samplePlan } from './lbpKernel.ts';
import { lbpMapping } from './mappings.ts';

export interface LbpSipOptions {
  /** [Rx, Ry, Rt] — integers (the six points are pixels) */
  radii: readonly [number, number, number];
  grid?: readonly [number, number];
  normalize?: boolean;
}

/** per block: 16 spatial + 4 temporal bins */
export const LBP_SIP_BINS = 20;

export function lbpSip(volume: Volume, opts: LbpSipOptions): Float32Array {
  const { frames: T, height: H, width: W, data } = volume;
  const [Rx, Ry, Rt] = opts.radii;
  if (![Rx, Ry, Rt].every((r) => Number.isInteger(r) && r > 0)) {
    throw new MerError('BAD_OPTION', `LBP-SIP radii must be positive integers, got ${opts.radii.join(', ')}`);
  }
  if (T <= 2 * Rt) throw new MerError('BAD_INPUT', `a ${T}-frame volume is too short for Rt = ${Rt}`, { expected: `at least ${2 * Rt + 1} frames` });
  const B = Math.max(Rx, Ry);
  const spatial = samplePlan([Rx, 0, -Rx, 0], [0, -Ry, 0, Ry], 1, W, false);
  const temporal = samplePlan([-Rt, Rt], [0, 0], H * W, 0, false);
  const id4 = lbpMapping(4, 'none').table;
  const id2 = lbpMapping(2, 'none').table;
  const [rows, cols] = opts.grid ?? [1, 1];
  const grid = blocks(volume, rows, cols);
  const out = new Float32Array(grid.length * LBP_SIP_BINS);
  for (const b of grid) {
    const box = { t0: Rt, t1: T - Rt, y0: b.y0 + B, y1: b.y1 - B, x0: b.x0 + B, x1: b.x1 - B };
    if (box.y1 <= box.y0 || box.x1 <= box.x0) throw new MerError('BAD_INPUT', `block ${b.index} has no centre pixel for radius ${B}`);
    const o = b.index * LBP_SIP_BINS;
    accumulateLbp(data, H, W, box, spatial, id4, out, o);
    accumulateLbp(data, H, W, box, temporal, id2, out, o + 16);
    if (opts.normalize ?? true) {
      normalizeSegment(out, o, 16);
      normalizeSegment(out, o + 16, 4);
    }
  }
  return out;
}
