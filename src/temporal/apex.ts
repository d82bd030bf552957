/**
 * Apex spotting inside a clip whose onset is known.
 *
 * - 'frame-diff' (default; FR paper, Zhou et al. 2022, eq. 1): the apex is
 *   argmax over t of the mean absolute intensity difference between frame t
 *   and the onset frame. With `register: 'translation'` (default) frame t is
 *   first registered to the onset (global head translation removed), the
 *   global brightness change is subtracted, the difference is box-averaged
 *   (5×5) and the score is the mean of its largest 5 %, so sensor noise,
 *   flicker and the still rest of the face do not swamp a 0.3–1.5 px expression;
 *   `register: 'none'` is eq. 1 literally.
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
import { globalShift, unshift } from '../motion/globalShift.ts';

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
  /**
   * Remove the global (head) translation of each frame relative to the onset
   * before scoring (default 'translation'). Databases ship aligned crops, where
   * this changes little; in a person's own video and in the synthetic clips,
   * slow head drift otherwise grows with t and wins the argmax. 'none' is the
   * FR paper's eq. 1 literally.
   */
  register?: 'translation' | 'none';
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
  const register = (opts.register ?? 'translation') === 'translation';
  /** frame t, registered to the onset when asked */
  const frame = (t: number) => {
    const ft = volumeFrame(vol, t);
    if (!register) return ft;
    const { dx, dy } = globalShift(f0, ft);
    return unshift(ft, dx, dy);
  };
  if (method === 'frame-diff') {
    for (let t = onset + 1; t < vol.frames; t++) {
      const ft = frame(t).data;
      if (!register) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.abs(ft[i] - f0.data[i]);
        scores[t] = s / n;
        continue;
      }
      // robust form: remove the global brightness change (flicker, exposure) and
      // average the difference over small boxes so sensor noise cancels while the
      // spatially smooth expression motion stays
      const d = new Float32Array(n);
      let mean = 0;
      for (let i = 0; i < n; i++) { d[i] = ft[i] - f0.data[i]; mean += d[i]; }
      mean /= n;
      for (let i = 0; i < n; i++) d[i] -= mean;
      const sm = boxBlur(d, vol.width, vol.height, DIFF_BOX_RADIUS);
      for (let i = 0; i < n; i++) sm[i] = Math.abs(sm[i]);
      scores[t] = topFractionMean(sm, DIFF_TOP_FRACTION);
    }
  } else if (method === 'flow') {
    for (let t = onset + 1; t < vol.frames; t++) {
      const fl = tvl1Flow(f0, frame(t), opts.tvl1);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.hypot(fl.u[i], fl.v[i]);
      scores[t] = s / n;
    }
  } else if (method === 'lbp') {
    const g = opts.blocks ?? 5;
    if (!Number.isInteger(g) || g < 1) throw new MerError('BAD_OPTION', `lbp blocks ${g}`, { expected: 'a positive integer' });
    const h0 = lbpBlockHistograms(f0.data, vol.width, vol.height, g);
    for (let t = onset + 1; t < vol.frames; t++) {
      const ht = lbpBlockHistograms(frame(t).data, vol.width, vol.height, g);
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

/** Box radius (px) for averaging the registered frame difference: 5×5 cuts noise sd by 5. */
const DIFF_BOX_RADIUS = 2;

/**
 * Score = mean of the largest DIFF_TOP_FRACTION of the smoothed differences: a
 * micro-expression moves a small part of the face, which a whole-image mean
 * dilutes into the noise floor.
 */
const DIFF_TOP_FRACTION = 0.05;

function topFractionMean(a: Float32Array, fraction: number): number {
  const k = Math.max(1, Math.round(a.length * fraction));
  const sorted = Float32Array.from(a).sort();
  let s = 0;
  for (let i = sorted.length - k; i < sorted.length; i++) s += sorted[i];
  return s / k;
}

/** Separable box mean with edge clamping. */
function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  const k = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += src[y * w + Math.min(w - 1, Math.max(0, x + j))];
      tmp[y * w + x] = s / k;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += tmp[Math.min(h - 1, Math.max(0, y + j)) * w + x];
      out[y * w + x] = s / k;
    }
  }
  return out;
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
