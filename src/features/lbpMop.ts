/**
 * LBP-MOP: LBP on the three mean orthogonal planes (Wang et al., "Efficient
 * spatio-temporal local binary patterns for spontaneous facial micro-expression
 * recognition", PLoS ONE 2015). Per block, the sub-volume is averaged along
 * each axis and one 2-D LBP histogram is taken of each mean image:
 *   XY = mean over t (H×W image),  XT = mean over y (rows t, columns x),
 *   YT = mean over x (rows y, columns t).
 * Sampling geometry and bit order as LBPTOP.m's planes (see lbpKernel.ts):
 * XY (x + Rx cos, y − Ry sin), XT (x + Rx cos, t + Rt sin), YT (y − Ry sin, t + Rt cos);
 * centres at least the radius from every edge of each mean image.
 * Output layout as lbpTop: [block][XY | XT | YT][bin], each plane normalised.
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { blocks } from './blocks.ts';
import { accumulateLbp, circle, normalizeSegment, samplePlan } from './lbpKernel.ts';
import { resolveMapping } from './mappings.ts';
import type { LbpTopOptions } from './lbpTop.ts';

export type LbpMopOptions = Omit<LbpTopOptions, 'timeLength' | 'borderLength'>;

export function lbpMop(volume: Volume, opts: LbpMopOptions): Float32Array {
  const { frames: T, height: H, width: W, data } = volume;
  const [Rx, Ry, Rt] = opts.radii;
  const [Pxy, Pxt, Pyt] = opts.points;
  const bilinear = opts.bilinear ?? true;
  const bx = Math.ceil(Rx), by = Math.ceil(Ry), bt = Math.ceil(Rt);
  if (T <= 2 * bt) throw new MerError('BAD_INPUT', `a ${T}-frame volume is too short for Rt = ${Rt}`, { expected: `at least ${2 * bt + 1} frames` });
  const maps = [resolveMapping(Pxy, opts.mapping), resolveMapping(Pxt, opts.mapping), resolveMapping(Pyt, opts.mapping)];
  const per = maps[0].bins + maps[1].bins + maps[2].bins;
  const [rows, cols] = opts.grid ?? [1, 1];
  const grid = blocks(volume, rows, cols);
  const out = new Float32Array(grid.length * per);
  const cxy = circle(Pxy), cxt = circle(Pxt), cyt = circle(Pyt);
  for (const b of grid) {
    const h = b.y1 - b.y0, w = b.x1 - b.x0;
    if (h <= 2 * by || w <= 2 * bx) {
      throw new MerError('BAD_INPUT', `block ${b.index} (${h}×${w} px) is too small for radii (${Rx}, ${Ry})`);
    }
    const xy = new Float32Array(h * w); // [y][x]
    const xt = new Float32Array(T * w); // [t][x]
    const yt = new Float32Array(h * T); // [y][t]
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < h; y++) {
        const row = t * H * W + (b.y0 + y) * W + b.x0;
        for (let x = 0; x < w; x++) {
          const v = data[row + x];
          xy[y * w + x] += v / T;
          xt[t * w + x] += v / h;
          yt[y * T + t] += v / w;
        }
      }
    }
    let o = b.index * per;
    // XY: a = x (stride 1), b = y (stride w)
    accumulateLbp(xy, h, w, { t0: 0, t1: 1, y0: by, y1: h - by, x0: bx, x1: w - bx },
      samplePlan(cxy.cos.map((c) => Rx * c), cxy.sin.map((s) => -Ry * s), 1, w, bilinear), maps[0].table, out, o);
    normalizeIf(opts, out, o, maps[0].bins);
    o += maps[0].bins;
    // XT: a = x (stride 1), b = t (stride w)
    accumulateLbp(xt, T, w, { t0: 0, t1: 1, y0: bt, y1: T - bt, x0: bx, x1: w - bx },
      samplePlan(cxt.cos.map((c) => Rx * c), cxt.sin.map((s) => Rt * s), 1, w, bilinear), maps[1].table, out, o);
    normalizeIf(opts, out, o, maps[1].bins);
    o += maps[1].bins;
    // YT: a = y (stride T), b = t (stride 1)
    accumulateLbp(yt, h, T, { t0: 0, t1: 1, y0: by, y1: h - by, x0: bt, x1: T - bt },
      samplePlan(cyt.sin.map((s) => -Ry * s), cyt.cos.map((c) => Rt * c), T, 1, bilinear), maps[2].table, out, o);
    normalizeIf(opts, out, o, maps[2].bins);
  }
  return out;
}

function normalizeIf(opts: LbpMopOptions, h: Float32Array, o: number, n: number): void {
  if (opts.normalize ?? true) normalizeSegment(h, o, n);
}
