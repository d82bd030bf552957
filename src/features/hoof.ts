/**
 * HOOF — histograms of oriented optical flow (Chaudhry, Ravichandran, Hager,
 * Vidal, CVPR 2009), block-wise as used in micro-expression work.
 *
 * Each flow vector (u, v) falls in an orientation bin and adds its magnitude.
 * Orientation θ = atan2(−v, u) (counter-clockwise from +x, image v points
 * down). Binning:
 *  - 'full' (default): `bins` equal sectors of [0, 2π), sector 0 starting at
 *    −π/bins (centred on +x);
 *  - 'symmetric': Chaudhry's mirror-invariant binning — θ is folded about the
 *    vertical axis (left/right motion alike) and [−π/2, π/2] is cut into
 *    `bins` equal sectors.
 * Each block's histogram is divided by its sum (L1; an all-zero block stays
 * zero) unless normalize = 'none'. Blocks: a rows×cols grid, block (r, c)
 * covering rows ⌊r·H/rows⌋ … ⌊(r+1)·H/rows⌋ − 1 (same for columns).
 * Output: rows·cols·bins values, block-major (row of blocks, column, bin).
 */
import { MerError } from '../core/errors.ts';
import type { FlowField } from '../core/image.ts';

export interface HoofOptions {
  /** orientation bins (default 8) */
  bins?: number;
  /** block grid rows × cols (default [1, 1]: one histogram of the whole field) */
  grid?: [number, number];
  /** 'full' (default) or 'symmetric' (Chaudhry et al.) */
  binning?: 'full' | 'symmetric';
  /** 'l1' (default) or 'none' */
  normalize?: 'l1' | 'none';
  /** optional per-pixel weights multiplied into the magnitude (e.g. a face mask) */
  weights?: Float32Array;
}

/** Orientation bin of (u, v) under the given binning. */
export function orientationBin(u: number, v: number, bins: number, binning: 'full' | 'symmetric'): number {
  const th = Math.atan2(-v, u);
  if (binning === 'symmetric') {
    // fold about the vertical axis: angle in [−π/2, π/2]
    const f = Math.abs(th) > Math.PI / 2 ? (th > 0 ? Math.PI - th : -Math.PI - th) : th;
    const b = Math.floor(((f + Math.PI / 2) / Math.PI) * bins);
    return b >= bins ? bins - 1 : b;
  }
  let a = th + Math.PI / bins;
  a = a - 2 * Math.PI * Math.floor(a / (2 * Math.PI));
  const b = Math.floor((a / (2 * Math.PI)) * bins);
  return b >= bins ? bins - 1 : b;
}

export function blockRange(i: number, n: number, size: number): [number, number] {
  return [Math.floor((i * size) / n), Math.floor(((i + 1) * size) / n)];
}

export function hoof(flow: FlowField, opts: HoofOptions = {}): Float32Array {
  const bins = opts.bins ?? 8;
  const [R, C] = opts.grid ?? [1, 1];
  const binning = opts.binning ?? 'full';
  const { width: w, height: h, u, v } = flow;
  if (!Number.isInteger(bins) || bins < 1) throw new MerError('BAD_OPTION', `HOOF bins ${bins}`, { expected: 'a positive integer' });
  if (!Number.isInteger(R) || !Number.isInteger(C) || R < 1 || C < 1 || R > h || C > w) {
    throw new MerError('BAD_OPTION', `HOOF grid ${R}×${C} on a ${w}×${h} flow`, { expected: 'positive integers no larger than the flow' });
  }
  if (opts.weights && opts.weights.length !== w * h) throw new MerError('BAD_INPUT', 'HOOF weights do not match the flow size', { expected: `${w * h} values` });
  const out = new Float32Array(R * C * bins);
  for (let r = 0; r < R; r++) {
    const [y0, y1] = blockRange(r, R, h);
    for (let c = 0; c < C; c++) {
      const [x0, x1] = blockRange(c, C, w);
      const o = (r * C + c) * bins;
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const i = y * w + x;
        let m = Math.hypot(u[i], v[i]);
        if (opts.weights) m *= opts.weights[i];
        if (m === 0) continue;
        out[o + orientationBin(u[i], v[i], bins, binning)] += m;
        sum += m;
      }
      if ((opts.normalize ?? 'l1') === 'l1' && sum > 0) for (let k = 0; k < bins; k++) out[o + k] /= sum;
    }
  }
  return out;
}
