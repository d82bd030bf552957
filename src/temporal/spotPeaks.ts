/**
 * Peak picking for long-video spotting (MEGC baseline, Li et al. 2018 /
 * Moilanen et al. 2014): contrast of a feature-difference curve, the adaptive
 * threshold T = mean + p·(max − mean), and local maxima above it kept at
 * least `minDistance` frames apart (largest first).
 */

/** MEGC adaptive threshold: mean + p·(max − mean) of the curve (p ∈ [0, 1]). */
export function adaptiveThreshold(curve: ArrayLike<number>, p: number): number {
  let sum = 0;
  let max = -Infinity;
  let n = 0;
  for (let i = 0; i < curve.length; i++) {
    const v = curve[i];
    if (!Number.isFinite(v)) continue;
    sum += v;
    n++;
    if (v > max) max = v;
  }
  if (n === 0) return Infinity;
  const mean = sum / n;
  return mean + p * (max - mean);
}

/**
 * Contrasted difference C(t) = FD(t) − ½(FD(t − k) + FD(t + k)), negatives set
 * to 0 (Moilanen et al.): removes slow drifts so that only rapid changes peak.
 * Frames within 2k of either end get 0 (their FD(t ± k) is undefined).
 */
export function contrastCurve(fd: ArrayLike<number>, k: number): Float64Array {
  const n = fd.length;
  const out = new Float64Array(n);
  // FD itself is only defined on [k, n − k): the contrast on [2k, n − 2k)
  for (let t = 2 * k; t < n - 2 * k; t++) {
    const c = fd[t] - 0.5 * (fd[t - k] + fd[t + k]);
    out[t] = c > 0 ? c : 0;
  }
  return out;
}

export interface PeakOptions {
  threshold: number;
  /** peaks closer than this (frames) to a higher kept peak are dropped */
  minDistance: number;
}

/** Local maxima strictly above the threshold, highest first kept, then sorted by frame. */
export function findPeaks(curve: ArrayLike<number>, opts: PeakOptions): number[] {
  const n = curve.length;
  const cands: number[] = [];
  for (let t = 0; t < n; t++) {
    const v = curve[t];
    if (!(v > opts.threshold)) continue;
    const l = t > 0 ? curve[t - 1] : -Infinity;
    const r = t < n - 1 ? curve[t + 1] : -Infinity;
    if (v >= l && v > r) cands.push(t);
  }
  cands.sort((a, b) => curve[b] - curve[a] || a - b);
  const kept: number[] = [];
  for (const t of cands) if (kept.every((s) => Math.abs(s - t) >= opts.minDistance)) kept.push(t);
  return kept.sort((a, b) => a - b);
}
