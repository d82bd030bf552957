/**
 * Long-video spotting: find expression intervals (onset, apex, offset) in a
 * video of aligned gray faces, labelled micro (≤ 0.5 s) or macro (≤ 4 s).
 *
 * MEGC baseline (Li et al. 2018, after Moilanen et al. 2014), at two scales:
 * 1. per-frame block features over the facial ROI blocks (spotFeatures.ts):
 *    'intensity' (default: downscaled, zero-mean block pixels, mean absolute
 *    difference — a cheap stand-in for flow magnitude: it responds to skin
 *    moving across edges) or 'lbp' (the baseline's LBP histograms, χ²; blind
 *    to warp-only motion, F1 ≈ 0 on the synthetic videos) or 'flow' (the
 *    optical-flow-magnitude variant, spotFlow.ts: TV-L1 from the neutral
 *    reference to the frame on a downscaled face with light settings, mean
 *    magnitude per block);
 * 2. for each scale k (half of a typical interval: micro and macro), the
 *    feature difference FD(t) between frame t and the average of t − k and
 *    t + k, its contrast C(t), the adaptive threshold mean + p·(max − mean),
 *    peaks at least k apart = apex candidates;
 * 3. boundaries: around an apex t, the distance of every frame to the
 *    neutral reference (average of frames t − K and t + K, K = 2k) is
 *    computed; onset/offset = the nearest frames on either side where it
 *    falls below BOUNDARY_FRACTION of its apex height above the reference
 *    floor (fallback t ± k, also when the apex is not above that floor, as
 *    under a slow drift of the crop);
 * 4. duration limits: ≤ 0.5 s = micro, ≤ 4 s = macro, longer dropped; a
 *    micro interval overlapping a macro one is dropped (the macro's rise and
 *    fall also peak at the micro scale).
 * The per-frame core is pure (typed arrays in, numbers out).
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { blockDifferences, blockIntensityFeatures, blockLbpFeatures, type BlockFeatures, type FrameDifferences } from './spotFeatures.ts';
import { flowDifferences, type FlowSpotOptions } from './spotFlow.ts';
import { adaptiveThreshold, contrastCurve, findPeaks } from './spotPeaks.ts';

export interface SpotOptions {
  /** frames per second of the video (required) */
  fps: number;
  /** MEGC threshold factor p in mean + p·(max − mean); default 0.35 (synthetic long videos: F1 0.94 at 0.3–0.4, see bench/analyze.ts) */
  p?: number;
  /** shortest interval kept, seconds; default 0.12 (3 frames at 25 fps: single-frame blips are noise) */
  minSeconds?: number;
  /** longest micro-expression, seconds; default 0.5 (the usual definition) */
  microMaxSeconds?: number;
  /** longest macro-expression, seconds; default 4 */
  macroMaxSeconds?: number;
  /** typical micro / macro interval lengths, seconds, that set the scales k = round(len·fps / 2); defaults 0.4 and 1.6 */
  microSeconds?: number;
  macroSeconds?: number;
  /** spot macro-expressions too; default true */
  macro?: boolean;
  /**
   * per-frame block feature: 'intensity' (downscaled pixels, mean absolute
   * difference; default — see blockIntensityFeatures for why) or 'lbp' (the
   * MEGC baseline's LBP histograms, χ²) or 'flow' (TV-L1 flow magnitude from
   * the neutral reference to the frame, per block; see spotFlow.ts)
   */
  features?: 'intensity' | 'lbp' | 'flow';
  /** 'flow' only: crop side and TV-L1 settings (see spotFlow.ts) */
  flow?: Omit<FlowSpotOptions, 'grid' | 'blocks'>;
  /** block grid and block subset of the features (see spotFeatures.ts) */
  grid?: number;
  blocks?: readonly number[];
}

export interface SpottedInterval {
  /** 0-based frame indices, onset ≤ apex ≤ offset (inclusive) */
  onset: number;
  apex: number;
  offset: number;
  kind: 'micro' | 'macro';
  /** contrast at the apex divided by the scale's threshold (> 1) */
  score: number;
}

export interface SpotResult {
  intervals: SpottedInterval[];
  /** the contrast curves (one value per frame) and their thresholds, per scale */
  curves: { micro: Float64Array; macro?: Float64Array };
  thresholds: { micro: number; macro?: number };
  scales: { micro: number; macro?: number };
}

/** onset/offset where the distance to the neutral reference falls below this share of its apex height */
export const BOUNDARY_FRACTION = 0.25;
const DEFAULT_P = 0.35;
const DEFAULT_MIN_SECONDS = 0.12;
/** fewest frames for a scale's half-window */
const MIN_K = 1;

/** Spot intervals from precomputed block features (any appearance feature laid out as BlockFeatures). */
export function spotFromFeatures(f: BlockFeatures, opts: SpotOptions): SpotResult {
  return spotFromDifferences(blockDifferences(f), opts);
}

/** Spot intervals from any per-frame difference (block features or optical flow; see FrameDifferences). */
export function spotFromDifferences(f: FrameDifferences, opts: SpotOptions): SpotResult {
  const fps = opts.fps;
  if (!(fps > 0)) throw new MerError('BAD_OPTION', `spotting needs the video fps, got ${fps}`);
  const p = opts.p ?? DEFAULT_P;
  const minLen = Math.max(1, Math.round((opts.minSeconds ?? DEFAULT_MIN_SECONDS) * fps));
  if (!(p >= 0 && p <= 1)) throw new MerError('BAD_OPTION', `spotting p = ${p}`, { expected: 'a number in [0, 1]' });
  const microMax = Math.floor((opts.microMaxSeconds ?? 0.5) * fps);
  const macroMax = Math.floor((opts.macroMaxSeconds ?? 4) * fps);
  const kMicro = Math.max(MIN_K, Math.round(((opts.microSeconds ?? 0.4) * fps) / 2));
  const kMacro = Math.max(kMicro + 1, Math.round(((opts.macroSeconds ?? 1.6) * fps) / 2));
  const T = f.frames;

  const scale = (k: number) => {
    const c = contrastCurve(f.fd(k), k);
    const thr = adaptiveThreshold(c, p);
    const peaks = findPeaks(c, { threshold: thr, minDistance: k });
    const out: SpottedInterval[] = [];
    for (const t of peaks) {
      const K = 2 * k;
      const a = Math.max(0, t - K);
      const b = Math.min(T - 1, t + K);
      const d = f.toReference(a, b, a, b);
      const floor = Math.min(d[0], d[d.length - 1]);
      const level = floor + BOUNDARY_FRACTION * (d[t - a] - floor);
      let on = t - k;
      let off = t + k;
      // a slow drift (the crop sliding over the face) can lift the window's ends above the apex: then keep t ± k
      if (d[t - a] > level) {
        for (let u = t; u >= a; u--) if (d[u - a] <= level) { on = u; break; }
        for (let u = t; u <= b; u++) if (d[u - a] <= level) { off = u; break; }
      }
      on = Math.max(0, Math.min(on, t));
      off = Math.min(T - 1, Math.max(off, t));
      const len = off - on + 1;
      if (len > macroMax || len < minLen) continue;
      out.push({ onset: on, apex: t, offset: off, kind: len <= microMax ? 'micro' : 'macro', score: thr > 0 ? c[t] / thr : 0 });
    }
    return { c, thr, out };
  };

  const micro = scale(kMicro);
  const doMacro = opts.macro ?? true;
  const macro = doMacro && T > 2 * kMacro + 1 ? scale(kMacro) : undefined;
  let all = [...micro.out, ...(macro?.out ?? [])];
  // overlapping candidates (the same event seen at both scales): keep the longer macro, else the higher score
  all.sort((x, y) => (y.kind === 'macro' ? 1 : 0) - (x.kind === 'macro' ? 1 : 0) || y.score - x.score);
  const kept: SpottedInterval[] = [];
  for (const s of all) if (kept.every((q) => s.offset < q.onset || s.onset > q.offset)) kept.push(s);
  all = kept.sort((x, y) => x.onset - y.onset);
  return {
    intervals: all,
    curves: { micro: micro.c, ...(macro ? { macro: macro.c } : {}) },
    thresholds: { micro: micro.thr, ...(macro ? { macro: macro.thr } : {}) },
    scales: { micro: kMicro, ...(macro ? { macro: kMacro } : {}) },
  };
}

/** Spot intervals in a volume of aligned gray faces (see the module comment). */
export function spotIntervals(vol: Volume, opts: SpotOptions): SpotResult {
  const kind = opts.features ?? 'intensity';
  const sel = { grid: opts.grid, blocks: opts.blocks };
  if (kind === 'flow') return spotFromDifferences(flowDifferences(vol, { ...opts.flow, ...sel }), opts);
  if (kind !== 'intensity' && kind !== 'lbp') throw new MerError('BAD_OPTION', `spotting features '${String(kind)}'`, { expected: 'intensity, lbp or flow' });
  return spotFromFeatures(kind === 'lbp' ? blockLbpFeatures(vol, sel) : blockIntensityFeatures(vol, sel), opts);
}
