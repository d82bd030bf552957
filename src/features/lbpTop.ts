/**
 * LBP-TOP: local binary patterns on three orthogonal planes (Zhao &
 * Pietikäinen, TPAMI 2007), block-wise, following the authors' LBPTOP.m and
 * the CASME II baseline script that calls it per block:
 *
 * - the volume is cut into grid = [rows, cols] blocks (see blocks.ts: floor-
 *   sized blocks, remainder dropped, row-major order) and LBPTOP is run on
 *   each block as its own sub-volume, so borders apply inside every block;
 * - centres: frames t ∈ [Lt, T − Lt) with Lt = timeLength (default Rt), pixels
 *   at least borderLength (default ceil(max(Rx, Ry))) from the block edge;
 * - neighbour p of P: XY (x + Rx cos, y − Ry sin), XT (x + Rx cos, t + Rt sin),
 *   YT (y − Ry sin, t + Rt cos) with angle 2πp/P; bit p = neighbour ≥ centre;
 *   bilinear interpolation (the script sets bBilinearInterpolation = 1);
 * - per block three histograms XY, XT, YT, each normalised to sum 1
 *   (LBPTOP.m's final loop; normalize: false keeps counts).
 *
 * Output layout: [block 0: XY bins | XT bins | YT bins][block 1 …] — the
 * column order `b{block}_{plane}_{bin}` of casme2-lbptop-5x5/features.csv.
 * That file = lbpTop(v, { radii: [1, 1, 4], points: [4, 4, 4],
 * mapping: lbpMapping(8, 'u2-zhao'), grid: [5, 5] }) on 0–255 frames.
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { blocks, type Block } from './blocks.ts';
import { accumulateLbp, circle, normalizeSegment, samplePlan, type SamplePlan } from './lbpKernel.ts';
import { resolveMapping, type LbpMapping, type LbpMappingKind } from './mappings.ts';

export interface LbpTopOptions {
  /** [Rx, Ry, Rt] */
  radii: readonly [number, number, number];
  /** [Pxy, Pxt, Pyt] */
  points: readonly [number, number, number];
  /** code → bin mapping, by name (built per plane's P) or a ready table */
  mapping: LbpMappingKind | LbpMapping;
  /** bilinear interpolation (default true, as the CASME II script) */
  bilinear?: boolean;
  /** [rows, cols] of blocks (default [1, 1]) */
  grid?: readonly [number, number];
  /** normalise each plane histogram to sum 1 (default true, as LBPTOP.m) */
  normalize?: boolean;
  /** frames skipped at each end (default Rt, LBPTOP.m's TimeLength) */
  timeLength?: number;
  /** pixels skipped at each block edge (default ceil(max(Rx, Ry)), LBPTOP.m's BorderLength) */
  borderLength?: number;
}

export interface PlanePlans {
  readonly plans: [SamplePlan, SamplePlan, SamplePlan];
  readonly tables: [Uint16Array, Uint16Array, Uint16Array];
  readonly bins: [number, number, number];
}

/** the three planes' sampling plans for a volume of the given frame size */
export function lbpTopPlans(height: number, width: number, opts: LbpTopOptions): PlanePlans {
  const [Rx, Ry, Rt] = opts.radii;
  const [Pxy, Pxt, Pyt] = opts.points;
  const bilinear = opts.bilinear ?? true;
  if (!(Rx > 0 && Ry > 0 && Rt > 0)) throw new MerError('BAD_OPTION', `LBP-TOP radii must be > 0, got ${opts.radii.join(', ')}`);
  const frame = height * width;
  const cxy = circle(Pxy);
  const cxt = circle(Pxt);
  const cyt = circle(Pyt);
  const mxy = resolveMapping(Pxy, opts.mapping);
  const mxt = resolveMapping(Pxt, opts.mapping);
  const myt = resolveMapping(Pyt, opts.mapping);
  return {
    plans: [
      samplePlan(cxy.cos.map((c) => Rx * c), cxy.sin.map((s) => -Ry * s), 1, width, bilinear),
      samplePlan(cxt.cos.map((c) => Rx * c), cxt.sin.map((s) => Rt * s), 1, frame, bilinear),
      samplePlan(cyt.sin.map((s) => -Ry * s), cyt.cos.map((c) => Rt * c), width, frame, bilinear),
    ],
    tables: [mxy.table, mxt.table, myt.table],
    bins: [mxy.bins, mxt.bins, myt.bins],
  };
}

/** block-wise LBP-TOP histograms, layout [block][XY | XT | YT][bin] */
export function lbpTop(volume: Volume, opts: LbpTopOptions): Float32Array {
  const { frames: T, height: H, width: W, data } = volume;
  const [Rx, Ry, Rt] = opts.radii;
  const Lt = opts.timeLength ?? Math.ceil(Rt);
  const B = opts.borderLength ?? Math.ceil(Math.max(Rx, Ry));
  if (Lt < Math.ceil(Rt) || B < Math.ceil(Math.max(Rx, Ry))) {
    throw new MerError('BAD_OPTION', `timeLength/borderLength (${Lt}, ${B}) must be at least the radii`, {
      expected: `timeLength ≥ ${Math.ceil(Rt)}, borderLength ≥ ${Math.ceil(Math.max(Rx, Ry))}`,
    });
  }
  if (T - 2 * Lt <= 0) {
    throw new MerError('BAD_INPUT', `a ${T}-frame volume has no centre frame for Rt = ${Rt}`, {
      expected: `at least ${2 * Lt + 1} frames`,
    });
  }
  const [rows, cols] = opts.grid ?? [1, 1];
  const grid = blocks(volume, rows, cols);
  const { plans, tables, bins } = lbpTopPlans(H, W, opts);
  const per = bins[0] + bins[1] + bins[2];
  const out = new Float32Array(grid.length * per);
  for (const blk of grid) lbpTopBlock(data, H, W, T, blk, Lt, B, plans, tables, bins, out, blk.index * per, opts.normalize ?? true);
  return out;
}

function lbpTopBlock(
  data: Float32Array,
  H: number,
  W: number,
  T: number,
  blk: Block,
  Lt: number,
  B: number,
  plans: PlanePlans['plans'],
  tables: PlanePlans['tables'],
  bins: PlanePlans['bins'],
  out: Float32Array,
  offset: number,
  normalize: boolean,
): void {
  const box = { t0: Lt, t1: T - Lt, y0: blk.y0 + B, y1: blk.y1 - B, x0: blk.x0 + B, x1: blk.x1 - B };
  if (box.y1 <= box.y0 || box.x1 <= box.x0) {
    throw new MerError('BAD_INPUT', `block ${blk.index} (${blk.y1 - blk.y0}×${blk.x1 - blk.x0} px) has no centre pixel for border ${B}`, {
      expected: `blocks of at least ${2 * B + 1}×${2 * B + 1} pixels (fewer blocks or a larger frame)`,
    });
  }
  let o = offset;
  for (let k = 0; k < 3; k++) {
    accumulateLbp(data, H, W, box, plans[k], tables[k], out, o);
    if (normalize) normalizeSegment(out, o, bins[k]);
    o += bins[k];
  }
}
