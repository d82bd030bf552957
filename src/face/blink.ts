/**
 * Eye blinks from the 68 landmarks: the eye aspect ratio (EAR) of
 * Soukupová & Čech, "Real-Time Eye Blink Detection using Facial Landmarks"
 * (CVWW 2016),
 *
 *   EAR = (|p2 − p6| + |p3 − p5|) / (2 |p1 − p4|)
 *
 * with p1…p6 the six landmarks of one eye (iBUG 36–41 and 42–47: corners p1,
 * p4; upper lid p2, p3; lower lid p6, p5). It is ≈ 0.2–0.35 for an open eye
 * (lower for narrow eyes), and falls towards 0 as the lids close.
 *
 * A blink is a dip of the EAR (both eyes averaged) that drops and recovers
 * quickly: a local minimum at least `minDrop` (a share of the open-eye
 * level) below the open-eye level and at least NOISE_K times the series'
 * frame-to-frame jitter, whose dip (the frames below half its depth) lasts
 * at most `maxSeconds` and ends inside the series on both sides. The paper
 * thresholds the EAR at a fixed 0.2 (or trains an SVM on 13-frame EAR
 * windows); that assumes landmarks that follow the lids closely. The 68
 * landmarks merkit has (face-api's landmark net) do not: on the real videos
 * of ../shared/data/videos a full closure lowers their EAR by only 7–17 %
 * (0.29 → 0.24–0.27), on the synthetic blinks by 5–8 %, while open eyes
 * jitter by 1–2 % from frame to frame.
 * So the level is relative to each person's open-eye EAR (the median of the
 * series: eyes are open most of the time) and the depth is judged against
 * the jitter, not against a fixed EAR.
 *
 * Pure functions over typed arrays; NaN marks frames without landmarks.
 */
import { MerError } from '../core/errors.ts';
import { checkLandmarks } from './landmarks.ts';

export interface BlinkOptions {
  /** frames per second of the series (required) */
  fps: number;
  /**
   * least depth of the dip, as a share of the open-eye EAR; default 0.04:
   * the weakest full closures seen lowered face-api's EAR by 7 % (real
   * videos) and 4.9 % (synthetic blinks, long-video seeds 201–202); open
   * eyes jitter by 1–2 % on the real videos (the jitter test below then
   * asks for 3–6 %) and by ≈ 0.3 % on synthetic ones
   */
  minDrop?: number;
  /**
   * longest dip (the frames below half its depth), seconds; default 0.3: a
   * blink lasts ≈ 100–400 ms from the lids' first movement to fully open,
   * and its half-depth width is shorter (2–6 frames, 0.08–0.24 s, on the real
   * videos); a slower narrowing of the eyes (a smile's AU6/AU7: 11 frames on
   * metv-hap-1) is not a blink
   */
  maxSeconds?: number;
  /** open-eye EAR; default: the median of the finite values of the series */
  openLevel?: number;
}

export interface Blink {
  /** 0-based frames: the first frame of the dip (below half depth), the most closed frame, the last frame of the dip */
  onset: number;
  apex: number;
  offset: number;
  /** depth at the apex as a share of the open-eye EAR (0 = open, 1 = fully closed) */
  depth: number;
}

/** a blink's dip is measured where the EAR is below this share of its depth (half depth: the dip's width) */
const HALF_DEPTH = 0.5;
const DEFAULT_MIN_DROP = 0.04;
/**
 * the dip must also be this many times the jitter of the series (robust sd
 * of frame-to-frame EAR changes, over √2): a blurry or noisy face whose EAR
 * jumps by 5 % from frame to frame shows no blink by depth alone
 */
export const NOISE_K = 3;
/** MAD → sd of a normal distribution */
const MAD_SD = 1.4826;
const DEFAULT_MAX_SECONDS = 0.3;

function dist(lm: ArrayLike<number>, a: number, b: number): number {
  return Math.hypot(lm[2 * a] - lm[2 * b], lm[2 * a + 1] - lm[2 * b + 1]);
}

/** EAR of one eye whose six landmarks start at index `first` (36: the subject's right eye, 42: the left). */
export function eyeAspectRatio(lm: ArrayLike<number>, first: 36 | 42): number {
  checkLandmarks(lm);
  const w = dist(lm, first, first + 3);
  if (!(w > 0)) return NaN;
  return (dist(lm, first + 1, first + 5) + dist(lm, first + 2, first + 4)) / (2 * w);
}

/** Mean EAR of both eyes (Soukupová & Čech average the two eyes). */
export function meanEyeAspectRatio(lm: ArrayLike<number>): number {
  return 0.5 * (eyeAspectRatio(lm, 36) + eyeAspectRatio(lm, 42));
}

function median(values: ArrayLike<number>): number {
  const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/** Blinks in an EAR series (one value per frame, NaN where no landmarks), in frame order. */
export function detectBlinks(ear: ArrayLike<number>, opts: BlinkOptions): Blink[] {
  const { fps } = opts;
  if (!(fps > 0)) throw new MerError('BAD_OPTION', `blink detection needs the video fps, got ${fps}`);
  const minDrop = opts.minDrop ?? DEFAULT_MIN_DROP;
  if (!(minDrop > 0 && minDrop < 1)) throw new MerError('BAD_OPTION', `blink minDrop ${minDrop}`, { expected: 'a share in (0, 1)' });
  const maxFrames = (opts.maxSeconds ?? DEFAULT_MAX_SECONDS) * fps;
  const open = opts.openLevel ?? median(ear);
  const T = ear.length;
  if (!(open > 0)) return [];
  const depth = new Float64Array(T);
  for (let t = 0; t < T; t++) depth[t] = Number.isFinite(ear[t]) ? Math.max(0, (open - ear[t]) / open) : 0;
  // jitter: robust sd of the relative frame-to-frame changes (a blink adds a few large ones, the median ignores them)
  const steps: number[] = [];
  for (let t = 1; t < T; t++) if (Number.isFinite(ear[t]) && Number.isFinite(ear[t - 1])) steps.push(Math.abs(ear[t] - ear[t - 1]) / open);
  const jitter = steps.length ? (MAD_SD * median(steps)) / Math.SQRT2 : 0;
  const least = Math.max(minDrop, NOISE_K * jitter);
  // candidate minima of the EAR (maxima of depth), deepest first
  const cands: number[] = [];
  for (let t = 0; t < T; t++) {
    const d = depth[t];
    if (!(d >= least)) continue;
    if (d >= (t > 0 ? depth[t - 1] : 0) && d > (t < T - 1 ? depth[t + 1] : 0)) cands.push(t);
  }
  cands.sort((a, b) => depth[b] - depth[a] || a - b);
  const out: Blink[] = [];
  for (const t of cands) {
    if (out.some((b) => t >= b.onset && t <= b.offset)) continue; // a second minimum inside a dip already taken
    const level = HALF_DEPTH * depth[t];
    let on = t;
    while (on > 0 && depth[on - 1] >= level) on--;
    let off = t;
    while (off < T - 1 && depth[off + 1] >= level) off++;
    // the dip must recover on both sides inside the series (a closure still going at either end is not a blink)
    const recovered = on > 0 && off < T - 1;
    if (!recovered || off - on + 1 > maxFrames) continue;
    out.push({ onset: on, apex: t, offset: off, depth: depth[t] });
  }
  return out.sort((a, b) => a.onset - b.onset);
}
