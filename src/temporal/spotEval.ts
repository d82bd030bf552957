/**
 * The MEGC spotting metric (MEGC 2019–2022 long-video challenge): a spotted
 * interval is a true positive when its IoU with a ground-truth interval is
 * ≥ 0.5 (each ground-truth interval matched at most once); precision =
 * TP / spotted, recall = TP / ground truth, F1 their harmonic mean.
 * Intervals are inclusive frame ranges [onset, offset].
 */
export interface FrameInterval {
  readonly onset: number;
  readonly offset: number;
}

export interface SpottingMetrics {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** for every spotted interval, the index of the ground truth it hit, or -1 */
  matches: number[];
}

/** MEGC hit threshold */
export const MEGC_IOU = 0.5;

/** IoU of two inclusive frame intervals. */
export function intervalIoU(a: FrameInterval, b: FrameInterval): number {
  const inter = Math.min(a.offset, b.offset) - Math.max(a.onset, b.onset) + 1;
  if (inter <= 0) return 0;
  const union = a.offset - a.onset + 1 + (b.offset - b.onset + 1) - inter;
  return inter / union;
}

/**
 * Match spotted to true intervals greedily by decreasing IoU (pairs with
 * IoU ≥ `iou` only) and count. Empty inputs give 0 (never NaN).
 */
export function spottingMetrics(spotted: readonly FrameInterval[], truth: readonly FrameInterval[], iou = MEGC_IOU): SpottingMetrics {
  const pairs: { s: number; g: number; v: number }[] = [];
  spotted.forEach((s, i) => truth.forEach((g, j) => {
    const v = intervalIoU(s, g);
    if (v >= iou) pairs.push({ s: i, g: j, v });
  }));
  pairs.sort((a, b) => b.v - a.v || a.s - b.s || a.g - b.g);
  const matches = new Array<number>(spotted.length).fill(-1);
  const used = new Set<number>();
  for (const p of pairs) {
    if (matches[p.s] >= 0 || used.has(p.g)) continue;
    matches[p.s] = p.g;
    used.add(p.g);
  }
  const tp = used.size;
  const fp = spotted.length - tp;
  const fn = truth.length - tp;
  const precision = spotted.length ? tp / spotted.length : 0;
  const recall = truth.length ? tp / truth.length : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1, matches };
}
