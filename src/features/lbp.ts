/**
 * 2-D local binary patterns (Ojala et al. 2002), sampled as LBPTOP.m / lbp.m do:
 * neighbour p of P on a circle of radius R at x = xc + R·cos(2πp/P),
 * y = yc − R·sin(2πp/P) (p = 0 to the right, counter-clockwise), bit p set
 * when neighbour ≥ centre; bilinear interpolation off the pixel grid
 * (or MATLAB's floor(v + 0.5) nearest pixel when bilinear is false).
 * Centres: every pixel at least ceil(R) from the border.
 */
import type { Image } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { accumulateLbp, circle, lbpCodeAt, samplePlan } from './lbpKernel.ts';
import { resolveMapping, type LbpMapping, type LbpMappingKind } from './mappings.ts';

export interface Lbp2dOptions {
  /** circle radius in pixels (default 1) */
  radius?: number;
  /** sampling points P (default 8) */
  points?: number;
  /** code → bin mapping (default 'none' = raw codes) */
  mapping?: LbpMappingKind | LbpMapping;
  /** bilinear interpolation of off-grid neighbours (default true, as lbp.m) */
  bilinear?: boolean;
}

export interface Lbp2dResult {
  /** mapped code of every centre pixel, row-major, (H − 2b) × (W − 2b) with b = ceil(radius) */
  readonly codes: Uint16Array;
  readonly width: number;
  readonly height: number;
  /** counts per bin (sum = number of centres) */
  readonly histogram: Float32Array;
  readonly bins: number;
}

export function lbp2d(img: Pick<Image, 'width' | 'height' | 'data'> & { channels?: number }, opts: Lbp2dOptions = {}): Lbp2dResult {
  const R = opts.radius ?? 1;
  const P = opts.points ?? 8;
  const bilinear = opts.bilinear ?? true;
  if (img.channels !== undefined && img.channels !== 1) throw new MerError('BAD_INPUT', 'lbp2d needs a gray image', { expected: '1 channel' });
  if (!(R > 0)) throw new MerError('BAD_OPTION', `LBP radius must be > 0, got ${R}`);
  const map = resolveMapping(P, opts.mapping ?? 'none');
  const b = Math.ceil(R);
  const w = img.width - 2 * b;
  const h = img.height - 2 * b;
  if (w <= 0 || h <= 0) {
    throw new MerError('BAD_INPUT', `image ${img.width}×${img.height} is too small for LBP radius ${R}`, {
      expected: `at least ${2 * b + 1}×${2 * b + 1} pixels`,
    });
  }
  const { cos, sin } = circle(P);
  const plan = samplePlan(
    cos.map((c) => R * c),
    sin.map((s) => -R * s),
    1,
    img.width,
    bilinear,
  );
  const codes = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) codes[y * w + x] = map.table[lbpCodeAt(img.data, (y + b) * img.width + x + b, plan)];
  }
  const histogram = new Float32Array(map.bins);
  accumulateLbp(img.data, img.height, img.width, { t0: 0, t1: 1, y0: b, y1: img.height - b, x0: b, x1: img.width - b }, plan, map.table, histogram, 0);
  return { codes, width: w, height: h, histogram, bins: map.bins };
}
