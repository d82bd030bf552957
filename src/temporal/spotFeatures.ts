/**
 * Per-frame block features for spotting and the MEGC feature difference.
 *
 * Every frame (an aligned gray face) is divided into a grid×grid block
 * partition; each block gets an LBP histogram (P = 8, R = 1, uniform 'u2'
 * mapping: 59 bins, normalised to sum 1) — the MEGC 2018/2019 spotting
 * baseline's appearance feature. `featureDifference` is the baseline's FD:
 * for frame t, the χ² distance of each block's histogram to the average of
 * the histograms of frames t − k and t + k, then the mean of the largest
 * third of the block distances (Moilanen et al. 2014).
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { resizeImage } from '../core/resize.ts';
import { lbp2d } from '../features/lbp.ts';
import { resolveMapping } from '../features/mappings.ts';

export interface BlockFeatureOptions {
  /** blocks per side; default 6 (MEGC baseline: 6×6 over the face) */
  grid?: number;
  /** use only these blocks (row-major indices), e.g. from `roiBlocks`; default all */
  blocks?: readonly number[];
}

/** T × B × bins block histograms (row-major), normalised per block. */
export interface BlockFeatures {
  readonly frames: number;
  readonly blocks: number;
  readonly bins: number;
  readonly data: Float32Array;
  /** block distance: 'chi2' for histograms (default), 'l1' = mean absolute difference (pixels, flow) */
  readonly metric?: 'chi2' | 'l1';
}

const LBP_POINTS = 8;
const LBP_RADIUS = 1;
/** share of blocks averaged into FD: Moilanen et al. keep the largest third */
export const FD_TOP_FRACTION = 1 / 3;
/** χ² terms with a + b below this are skipped (empty bins in both histograms) */
const CHI2_EPS = 1e-12;

export function blockLbpFeatures(vol: Volume, opts: BlockFeatureOptions = {}): BlockFeatures {
  const grid = opts.grid ?? 6;
  const { width: W, height: H, frames: T } = vol;
  if (!(Number.isInteger(grid) && grid >= 1 && W >= 3 * grid && H >= 3 * grid)) {
    throw new MerError('BAD_OPTION', `spotting grid ${grid} on ${W}×${H} frames`, { expected: 'an integer ≥ 1 with blocks of at least 3×3 pixels' });
  }
  const sel = opts.blocks ? [...opts.blocks] : [...Array(grid * grid).keys()];
  if (sel.length === 0 || sel.some((b) => !(b >= 0 && b < grid * grid))) throw new MerError('BAD_OPTION', 'spotting blocks out of range', { expected: `indices in 0..${grid * grid - 1}` });
  const bins = resolveMapping(LBP_POINTS, 'u2').bins;
  const out = new Float32Array(T * sel.length * bins);
  const blockOf = new Int32Array(grid * grid).fill(-1);
  sel.forEach((b, i) => (blockOf[b] = i));
  const n = W * H;
  for (let t = 0; t < T; t++) {
    const r = lbp2d({ width: W, height: H, data: vol.data.subarray(t * n, (t + 1) * n) }, { radius: LBP_RADIUS, points: LBP_POINTS, mapping: 'u2' });
    const base = t * sel.length * bins;
    const counts = new Float64Array(sel.length);
    for (let y = 0; y < r.height; y++) {
      const by = Math.min(grid - 1, Math.floor(((y + 1) * grid) / H));
      for (let x = 0; x < r.width; x++) {
        const bx = Math.min(grid - 1, Math.floor(((x + 1) * grid) / W));
        const b = blockOf[by * grid + bx];
        if (b < 0) continue;
        out[base + b * bins + r.codes[y * r.width + x]]++;
        counts[b]++;
      }
    }
    for (let b = 0; b < sel.length; b++) {
      const inv = counts[b] > 0 ? 1 / counts[b] : 0;
      for (let k = 0; k < bins; k++) out[base + b * bins + k] *= inv;
    }
  }
  return { frames: T, blocks: sel.length, bins, data: out };
}

/** χ² distance of block b of frame t to the average of frames a and c (same block). */
function chi2ToAverage(f: BlockFeatures, t: number, a: number, c: number, b: number): number {
  const { blocks, bins, data } = f;
  const ot = (t * blocks + b) * bins;
  const oa = (a * blocks + b) * bins;
  const oc = (c * blocks + b) * bins;
  let s = 0;
  if (f.metric === 'l1') {
    for (let k = 0; k < bins; k++) s += Math.abs(data[ot + k] - 0.5 * (data[oa + k] + data[oc + k]));
    return s / bins;
  }
  for (let k = 0; k < bins; k++) {
    const x = data[ot + k];
    const y = 0.5 * (data[oa + k] + data[oc + k]);
    const d = x + y;
    if (d > CHI2_EPS) s += ((x - y) * (x - y)) / d;
  }
  return s;
}

/** Mean of the largest `fraction` of the values (at least one). */
export function topMean(values: Float64Array, fraction: number): number {
  const m = Math.max(1, Math.round(values.length * fraction));
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = s.length - m; i < s.length; i++) sum += s[i];
  return sum / m;
}

/**
 * FD(t) for every frame, comparing t with the average of t − k and t + k,
 * top third of blocks averaged; 0 where t − k or t + k is outside the video.
 */
export function featureDifference(f: BlockFeatures, k: number, topFraction = FD_TOP_FRACTION): Float64Array {
  const T = f.frames;
  const out = new Float64Array(T);
  const per = new Float64Array(f.blocks);
  for (let t = k; t < T - k; t++) {
    for (let b = 0; b < f.blocks; b++) per[b] = chi2ToAverage(f, t, t - k, t + k, b);
    out[t] = topMean(per, topFraction);
  }
  return out;
}

/** χ² distance (top-third block mean) of every frame in [lo, hi] to a reference pair (a, c). */
export function differenceToReference(f: BlockFeatures, lo: number, hi: number, a: number, c: number, topFraction = FD_TOP_FRACTION): Float64Array {
  const out = new Float64Array(hi - lo + 1);
  const per = new Float64Array(f.blocks);
  for (let t = lo; t <= hi; t++) {
    for (let b = 0; b < f.blocks; b++) per[b] = chi2ToAverage(f, t, a, c, b);
    out[t - lo] = topMean(per, topFraction);
  }
  return out;
}

export interface IntensityFeatureOptions {
  /** blocks per side; default 6 */
  grid?: number;
  /** pixels per block side after downscaling (area); default 8 — the face is resampled to grid·cell square */
  cell?: number;
  /** use only these blocks; default all */
  blocks?: readonly number[];
}

/**
 * Block intensity features: every frame area-downscaled to (grid·cell)²,
 * each block's cell² pixels minus their mean as its feature, compared by
 * mean absolute difference ('l1'). A warp-only change (skin moving, no new texture) barely
 * alters LBP histograms but changes pixels along every edge it moves;
 * downscaling averages the sensor noise away.
 */
export function blockIntensityFeatures(vol: Volume, opts: IntensityFeatureOptions = {}): BlockFeatures {
  const grid = opts.grid ?? 6;
  const cell = opts.cell ?? 8;
  if (!(Number.isInteger(grid) && grid >= 1 && Number.isInteger(cell) && cell >= 1)) {
    throw new MerError('BAD_OPTION', `spotting grid ${grid} / cell ${cell}`, { expected: 'positive integers' });
  }
  const S = grid * cell;
  const sel = opts.blocks ? [...opts.blocks] : [...Array(grid * grid).keys()];
  if (sel.length === 0 || sel.some((b) => !(b >= 0 && b < grid * grid))) throw new MerError('BAD_OPTION', 'spotting blocks out of range', { expected: `indices in 0..${grid * grid - 1}` });
  const bins = cell * cell;
  const T = vol.frames;
  const n = vol.width * vol.height;
  const out = new Float32Array(T * sel.length * bins);
  for (let t = 0; t < T; t++) {
    const img = { width: vol.width, height: vol.height, channels: 1 as const, data: vol.data.subarray(t * n, (t + 1) * n) };
    const small = vol.width === S && vol.height === S ? img : resizeImage(img, S, S, { method: 'area' });
    sel.forEach((blk, i) => {
      const by = Math.floor(blk / grid);
      const bx = blk % grid;
      const o = (t * sel.length + i) * bins;
      let mean = 0;
      for (let y = 0; y < cell; y++) {
        for (let x = 0; x < cell; x++) {
          const v = small.data[(by * cell + y) * S + bx * cell + x];
          out[o + y * cell + x] = v;
          mean += v;
        }
      }
      // zero-mean per block: brightness flicker (a per-frame gain) must not look like motion
      mean /= bins;
      for (let j = 0; j < bins; j++) out[o + j] -= mean;
    });
  }
  return { frames: T, blocks: sel.length, bins, data: out, metric: 'l1' };
}

/**
 * What the spotter needs from a per-frame feature, whatever it is: the
 * MEGC feature difference FD(t) at scale k, and the distance of frames
 * lo…hi to the neutral reference made of frames a and c (boundaries).
 */
export interface FrameDifferences {
  readonly frames: number;
  /** FD(t) for every frame (0 where t ± k falls outside the video) */
  fd(k: number): Float64Array;
  /** distance of every frame in [lo, hi] to the reference (frames a and c averaged) */
  toReference(lo: number, hi: number, a: number, c: number): Float64Array;
}

/** Block features (histograms, pixels) as FrameDifferences. */
export function blockDifferences(f: BlockFeatures): FrameDifferences {
  return {
    frames: f.frames,
    fd: (k) => featureDifference(f, k),
    toReference: (lo, hi, a, c) => differenceToReference(f, lo, hi, a, c),
  };
}
