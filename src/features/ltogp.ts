/**
 * LTOGP — local two-order gradient pattern, the frame-level feature of
 * "Micro-expression recognition based on LTOGP, rank pooling and ℓ2,1-norm"
 * (see /work/shared/papers/ltogp-rank-pooling-l21.txt): 8 second-order gradient
 * templates → 8 bits b_i = [response_i ≥ 0] (Eq. 1) → code Σ_{i=0}^{7} b_{i+1}·2^i
 * (Eq. 2) → 256-bin histogram per block, blocks concatenated (paper: 128×128
 * frames, 8×8 blocks → 16 384 values).
 *
 * The templates are only drawn in the paper's Fig. 2 (5×5, blank = 0), which
 * the text does not carry. We use the directional second difference along the
 * 8 compass directions d_i (i·45°, counter-clockwise from "right", y down):
 *   g_i(c) = I(c + 2d_i) − 2·I(c + d_i) + I(c)
 * i.e. a 5×5 template with 1 at the centre, −2 one step and 1 two steps along
 * d_i — eight distinct one-sided second-order gradients (a centred second
 * difference would only give four). This is a reconstruction: bins may be
 * permuted/differ from the authors' figure; the histogram pipeline is theirs.
 * Centres: every pixel at least 2 from the frame edge.
 */
import type { Image, Volume } from '../core/image.ts';
import { volumeFrame } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { blocks } from './blocks.ts';
import { normalizeSegment } from './lbpKernel.ts';

/** template half size: the templates are 5×5 */
const HALF = 2;
const SIZE = 2 * HALF + 1;
/** the 8 directions (dx, dy), counter-clockwise from right, y down */
const DIRS: ReadonlyArray<readonly [number, number]> = [
  [1, 0], [1, -1], [0, -1], [-1, -1], [-1, 0], [-1, 1], [0, 1], [1, 1],
];

/** the 8 templates as 5×5 row-major arrays */
export function ltogpTemplates(): Float32Array[] {
  return DIRS.map(([dx, dy]) => {
    const t = new Float32Array(SIZE * SIZE);
    t[HALF * SIZE + HALF] = 1;
    t[(HALF + dy) * SIZE + HALF + dx] = -2;
    t[(HALF + 2 * dy) * SIZE + HALF + 2 * dx] = 1;
    return t;
  });
}

export interface LtogpOptions {
  /** [rows, cols] of blocks (paper: [8, 8]) */
  grid?: readonly [number, number];
  /** normalise each block histogram to sum 1 (default true) */
  normalize?: boolean;
}

/** LTOGP codes of every pixel at least 2 from the edge: (H − 4) × (W − 4), row-major */
export function ltogpCodes(img: Pick<Image, 'width' | 'height' | 'data'>): { codes: Uint8Array; width: number; height: number } {
  const { width: W, height: H, data } = img;
  if (W <= 2 * HALF || H <= 2 * HALF) throw new MerError('BAD_INPUT', `frame ${W}×${H} is too small for LTOGP`, { expected: 'at least 5×5 pixels' });
  const w = W - 2 * HALF, h = H - 2 * HALF;
  const codes = new Uint8Array(w * h);
  const o1 = DIRS.map(([dx, dy]) => dy * W + dx);
  const o2 = DIRS.map(([dx, dy]) => 2 * (dy * W + dx));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y + HALF) * W + x + HALF;
      const c = data[i];
      let code = 0;
      for (let k = 0; k < 8; k++) if (data[i + o2[k]] - 2 * data[i + o1[k]] + c >= 0) code |= 1 << k;
      codes[y * w + x] = code;
    }
  }
  return { codes, width: w, height: h };
}

/** block-wise 256-bin LTOGP histograms of one frame, blocks row-major */
export function ltogp(img: Pick<Image, 'width' | 'height' | 'data'>, opts: LtogpOptions = {}): Float32Array {
  const [rows, cols] = opts.grid ?? [8, 8];
  const { codes, width: w } = ltogpCodes(img);
  const grid = blocks(img, rows, cols);
  const out = new Float32Array(grid.length * 256);
  for (const b of grid) {
    const o = b.index * 256;
    const y0 = Math.max(b.y0, HALF), y1 = Math.min(b.y1, img.height - HALF);
    const x0 = Math.max(b.x0, HALF), x1 = Math.min(b.x1, img.width - HALF);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[o + codes[(y - HALF) * w + x - HALF]]++;
    if (opts.normalize ?? true) normalizeSegment(out, o, 256);
  }
  return out;
}

/** ltogp of every frame of a volume (the input of rank pooling) */
export function ltogpVolume(volume: Volume, opts: LtogpOptions = {}): Float32Array[] {
  return Array.from({ length: volume.frames }, (_, t) => ltogp(volumeFrame(volume, t), opts));
}
