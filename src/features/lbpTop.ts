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
 *
 * Speed (bench/lbptop.ts): the three planes run in one pass per row of
 * centres with their three codes packed in one int32; a neighbour shared by
 * two planes is read once; a bilinear neighbour whose right tap pair is the
 * next centre's left pair reads 2 values instead of 4; raw codes are counted
 * and mapped once per block. ≈ 30 ms CPU per 30×150×120 clip (5×4 blocks,
 * R = 3, P = 8) — bit-identical to the per-plane kernel of lbpKernel.ts.
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { blocks, type Block } from './blocks.ts';
import { accumulateLbp, circle, normalizeSegment, samplePlan, TIE_EPS, type SamplePlan } from './lbpKernel.ts';
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
  const kernel: TopKernel = { fused: fuseSamples(plans), plans, points: opts.points };
  for (const blk of grid) lbpTopBlock(data, H, W, T, blk, Lt, B, kernel, tables, bins, out, blk.index * per, opts.normalize ?? true);
  return out;
}

/**
 * The neighbours of the three planes merged into unique samples: a sample
 * read by two planes (e.g. x + Rx is XY's and XT's neighbour 0 when the
 * radii agree; 6 of the 24 for P = 8, Rx = Ry = Rt) is read and compared once
 * and sets a bit in both planes' codes.
 */
interface FusedSamples {
  /** per sample: number of taps (1 or up to 4) */
  readonly taps: Int32Array;
  /** 4 offsets and 4 weights per sample */
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
  /** per sample: the bit to set in each plane's code (0 = not this plane's neighbour), 3 per sample */
  readonly bits: Int32Array;
  readonly count: number;
}

function fuseSamples(plans: readonly SamplePlan[]): FusedSamples {
  const keyOf = (pl: SamplePlan, p: number): string => {
    const parts: string[] = [];
    for (let k = 0; k < pl.taps[p]; k++) parts.push(`${pl.offsets[4 * p + k]}:${pl.weights[4 * p + k]}`);
    return parts.sort().join('|');
  };
  const index = new Map<string, number>();
  const taps: number[] = [];
  const offsets: number[] = [];
  const weights: number[] = [];
  const bits: number[] = [];
  plans.forEach((pl, plane) => {
    for (let p = 0; p < pl.points; p++) {
      const key = keyOf(pl, p);
      let s = index.get(key);
      if (s === undefined) {
        s = taps.length;
        index.set(key, s);
        taps.push(pl.taps[p]);
        for (let k = 0; k < 4; k++) {
          offsets.push(pl.offsets[4 * p + k]);
          weights.push(pl.weights[4 * p + k]);
        }
        bits.push(0, 0, 0);
      }
      bits[3 * s + plane] |= 1 << p;
    }
  });
  return { taps: Int32Array.from(taps), offsets: Int32Array.from(offsets), weights: Float64Array.from(weights), bits: Int32Array.from(bits), count: taps.length };
}

/**
 * Raw LBP code counts of the three planes for every centre of a box, in one
 * pass per row of centres. The three codes of a centre are packed in one
 * int32 (XY bits 0…Pxy−1, XT next, YT above: Σ P ≤ 31, checked by the
 * caller), so a sample read by two planes sets its two bits with one mask.
 * Sample by sample (loop-invariant taps and weights, inner loops over the
 * row), then the codes are unpacked into the three raw-code histograms. Same
 * codes as accumulateLbp per plane (lbpKernel.ts), bit for bit: the
 * interpolated value is summed in the same order.
 */
function accumulateTop(
  data: Float32Array,
  H: number,
  W: number,
  box: { t0: number; t1: number; y0: number; y1: number; x0: number; x1: number },
  fs: FusedSamples,
  points: readonly [number, number, number],
  counts: [Int32Array, Int32Array, Int32Array],
): void {
  const frame = H * W;
  const nx = box.x1 - box.x0;
  const code = new Int32Array(nx);
  const cen = new Float64Array(nx);
  const { taps, offsets, weights, bits, count } = fs;
  // packed masks per sample
  const s1 = points[0], s2 = points[0] + points[1];
  const mask = new Int32Array(count);
  const pair = new Uint8Array(count);
  for (let s = 0; s < count; s++) {
    mask[s] = bits[3 * s] | (bits[3 * s + 1] << s1) | (bits[3 * s + 2] << s2);
    const o = 4 * s;
    // taps 2, 3 = taps 0, 1 one pixel to the right (a = x)
    pair[s] = taps[s] === 4 && offsets[o + 2] === offsets[o] + 1 && offsets[o + 3] === offsets[o + 1] + 1 ? 1 : 0;
  }
  const m0 = (1 << s1) - 1, m1 = (1 << points[1]) - 1;
  const [h0, h1, h2] = counts;
  for (let t = box.t0; t < box.t1; t++) {
    for (let y = box.y0; y < box.y1; y++) {
      const base = t * frame + y * W + box.x0;
      for (let x = 0; x < nx; x++) {
        cen[x] = data[base + x] - TIE_EPS;
        code[x] = 0;
      }
      for (let s = 0; s < count; s++) {
        const o = 4 * s;
        const m = mask[s];
        const o0 = base + offsets[o];
        if (taps[s] === 1) {
          for (let x = 0; x < nx; x++) if (data[o0 + x] >= cen[x]) code[x] |= m;
        } else {
          // up to 4 bilinear taps (absent taps have weight 0 and offset 0: the centre itself, always in range)
          const o1 = base + offsets[o + 1], o2 = base + offsets[o + 2], o3 = base + offsets[o + 3];
          const w0 = weights[o], w1 = weights[o + 1], w2 = weights[o + 2], w3 = weights[o + 3];
          if (pair[s] === 1) {
            // the right pair of centre x is the left pair of centre x + 1: read once
            let a = data[o0], b = data[o1];
            for (let x = 0; x < nx; x++) {
              const a1 = data[o2 + x], b1 = data[o3 + x];
              if (w0 * a + w1 * b + w2 * a1 + w3 * b1 >= cen[x]) code[x] |= m;
              a = a1;
              b = b1;
            }
          } else {
            for (let x = 0; x < nx; x++) {
              if (w0 * data[o0 + x] + w1 * data[o1 + x] + w2 * data[o2 + x] + w3 * data[o3 + x] >= cen[x]) code[x] |= m;
            }
          }
        }
      }
      for (let x = 0; x < nx; x++) {
        const c = code[x];
        h0[c & m0]++;
        h1[(c >>> s1) & m1]++;
        h2[c >>> s2]++;
      }
    }
  }
}

/** the packed kernel holds the three codes in one int32 */
const PACKED_BITS = 31;

interface TopKernel {
  readonly fused: FusedSamples;
  readonly plans: PlanePlans['plans'];
  readonly points: readonly [number, number, number];
}

function lbpTopBlock(
  data: Float32Array,
  H: number,
  W: number,
  T: number,
  blk: Block,
  Lt: number,
  B: number,
  kernel: TopKernel,
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
  const counts: [Int32Array, Int32Array, Int32Array] = [new Int32Array(tables[0].length), new Int32Array(tables[1].length), new Int32Array(tables[2].length)];
  const { fused, plans, points } = kernel;
  if (points[0] + points[1] + points[2] <= PACKED_BITS) accumulateTop(data, H, W, box, fused, points, counts);
  else {
    // codes too wide to pack: the per-plane kernel, raw codes through an identity table
    for (let k = 0; k < 3; k++) {
      const raw = new Float64Array(counts[k].length);
      accumulateLbp(data, H, W, box, plans[k], Uint16Array.from({ length: 1 << points[k] }, (_, i) => i), raw, 0);
      for (let c = 0; c < raw.length; c++) counts[k][c] = raw[c];
    }
  }
  let o = offset;
  for (let k = 0; k < 3; k++) {
    const raw = counts[k], table = tables[k];
    for (let code = 0; code < raw.length; code++) if (raw[code]) out[o + table[code]] += raw[code];
    if (normalize) normalizeSegment(out, o, bins[k]);
    o += bins[k];
  }
}
