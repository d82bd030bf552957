/**
 * Apex spotting inside a clip whose onset is known.
 *
 * - 'frame-diff' (default; FR paper, Zhou et al. 2022, eq. 1): the apex is
 *   argmax over t of the mean absolute intensity difference between frame t
 *   and the onset frame.
 * - 'flow': argmax over t of the mean TV-L1 flow magnitude from the onset to
 *   frame t (slower: one flow per frame; `tvl1` parameters can make it cheaper).
 * - 'lbp': argmax over t of the chi-square distance between block-wise LBP
 *   histograms (basic 8-neighbour LBP, radius 1, 256 codes, `blocks`×`blocks`
 *   grid) of frame t and of the onset — the LBP-difference feature of
 *   Liong et al.'s apex spotting.
 * Ties go to the earliest frame. Frames before the onset are not candidates.
 */
import { MerError } from '../core/errors.ts';
import { volumeFrame, type Volume } from '../core/image.ts';
import { tvl1Flow, type Tvl1Params } from '../motion/tvl1.ts';

export type ApexMethod = 'frame-diff' | 'flow' | 'lbp';

export interface SpotApexOptions {
  /** default 'frame-diff' */
  method?: ApexMethod;
  /** 0-based onset index (default 0) */
  onset?: number;
  /** TV-L1 parameters for method 'flow' (default OpenCV's) */
  tvl1?: Partial<Tvl1Params>;
  /** grid side for method 'lbp' (default 5 → 5×5 blocks) */
  blocks?: number;
}

/** Score of every frame (0 at and before the onset). */
export function apexScores(vol: Volume, opts: SpotApexOptions = {}): Float64Array {
  const method = opts.method ?? 'frame-diff';
  const onset = opts.onset ?? 0;
  if (!Number.isInteger(onset) || onset < 0 || onset >= vol.frames) {
    throw new MerError('BAD_OPTION', `onset index ${onset} outside the clip's ${vol.frames} frames`, { expected: `0..${vol.frames - 1}` });
  }
  const n = vol.width * vol.height;
  const scores = new Float64Array(vol.frames);
  const f0 = volumeFrame(vol, onset);
  if (method === 'frame-diff') {
    for (let t = onset + 1; t < vol.frames; t++) {
      const ft = vol.data.subarray(t * n, (t + 1) * n);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs(ft[i] - f0.data[i]);
      scores[t] = s / n;
    }
  } else if (method === 'flow') {
    for (let t = onset + 1; t < vol.frames; t++) {
      const fl = tvl1Flow(f0, volumeFrame(vol, t), opts.tvl1);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.hypot(fl.u[i], fl.v[i]);
      scores[t] = s / n;
    }
  } else if (method === 'lbp') {
    const g = opts.blocks ?? 5;
    if (!Number.isInteger(g) || g < 1) throw new MerError('BAD_OPTION', `lbp blocks ${g}`, { expected: 'a positive integer' });
    const h0 = lbpBlockHistograms(f0.data, vol.width, vol.height, g);
    for (let t = onset + 1; t < vol.frames; t++) {
      const ht = lbpBlockHistograms(vol.data.subarray(t * n, (t + 1) * n), vol.width, vol.height, g);
      let s = 0;
      for (let i = 0; i < ht.length; i++) {
        const a = ht[i], b = h0[i];
        if (a + b > 0) s += ((a - b) * (a - b)) / (a + b);
      }
      scores[t] = s;
    }
  } else {
    throw new MerError('BAD_OPTION', `unknown apex method '${String(method)}'`, { expected: "'frame-diff', 'flow' or 'lbp'" });
  }
  return scores;
}

/** 0-based index of the apex frame (the onset itself only for a 1-frame clip). */
export function spotApex(vol: Volume, opts: SpotApexOptions = {}): number {
  const onset = opts.onset ?? 0;
  const s = apexScores(vol, opts);
  let best = onset;
  let bv = -Infinity;
  for (let t = onset + 1; t < vol.frames; t++) if (s[t] > bv) { bv = s[t]; best = t; }
  return best;
}

/** 8 neighbours clockwise from the top-left, radius 1. */
const NB_DX = [-1, 0, 1, 1, 1, 0, -1, -1];
const NB_DY = [-1, -1, -1, 0, 1, 1, 1, 0];
const LBP_CODES = 256;

/** Normalised LBP code histograms per block (interior pixels only), concatenated. */
function lbpBlockHistograms(img: Float32Array, w: number, h: number, g: number): Float64Array {
  const hist = new Float64Array(g * g * LBP_CODES);
  const counts = new Float64Array(g * g);
  for (let y = 1; y < h - 1; y++) {
    const by = Math.min(g - 1, Math.floor((y * g) / h));
    for (let x = 1; x < w - 1; x++) {
      const c = img[y * w + x];
      let code = 0;
      for (let k = 0; k < 8; k++) if (img[(y + NB_DY[k]) * w + x + NB_DX[k]] >= c) code |= 1 << k;
      const b = by * g + Math.min(g - 1, Math.floor((x * g) / w));
      hist[b * LBP_CODES + code]++;
      counts[b]++;
    }
  }
  for (let b = 0; b < g * g; b++) if (counts[b] > 0) for (let k = 0; k < LBP_CODES; k++) hist[b * LBP_CODES + k] /= counts[b];
  return hist;
}
