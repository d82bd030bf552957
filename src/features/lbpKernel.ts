/**
 * The shared LBP sampling kernel (used by lbp2d, lbpTop, lbpMop, lbpSip).
 *
 * Data is one flat Float32Array; a "plane" is chosen by two strides (the
 * horizontal axis `a` and the vertical axis `b` of the circle). Neighbour p of
 * P sits at (a, b) = (Ra·cos(2πp/P), Rb·sin(2πp/P)) relative to the centre —
 * the caller chooses the signs so that the geometry is LBPTOP.m's:
 *   XY: x = xc + Rx cos, y = yc − Ry sin
 *   XT: x = xc + Rx cos, t = tc + Rt sin
 *   YT: y = yc − Ry sin, t = tc + Rt cos
 * and bit p is set when neighbour ≥ centre (LBPTOP.m, lbp.m).
 *
 * Bilinear neighbours use the 4 surrounding pixels. LBPTOP.m floors the
 * interpolated 8-bit value before comparing; for an integer centre
 * floor(v) ≥ c ⇔ v ≥ c, so we compare the interpolated value directly, with
 * a tolerance TIE_EPS so that a flat patch (all corners = centre, weights
 * summing to 1 up to rounding) counts as ≥, the mathematically exact answer.
 * Offsets within SNAP_EPS of an integer (cos(π/2) = 6e-17) are snapped to it.
 */

/** a neighbour equal to the centre up to float rounding of the bilinear weights counts as ≥ */
export const TIE_EPS = 1e-6;
/** sampling offsets this close to an integer are treated as exact pixel positions */
const SNAP_EPS = 1e-9;

/** where one neighbour is read from: up to 4 flat-index offsets and weights */
export interface SamplePlan {
  /** per neighbour p: number of taps (1 for exact / nearest, up to 4 bilinear) */
  readonly taps: Int32Array;
  /** flat offsets, 4 per neighbour */
  readonly offsets: Int32Array;
  /** weights, 4 per neighbour */
  readonly weights: Float64Array;
  readonly points: number;
}

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < SNAP_EPS ? r : v;
}

/**
 * A sampling plan for P neighbours at offsets (da[p], db[p]) along axes with
 * flat strides strideA, strideB. `bilinear` false → nearest pixel,
 * MATLAB's floor(v + 0.5).
 */
export function samplePlan(
  da: readonly number[],
  db: readonly number[],
  strideA: number,
  strideB: number,
  bilinear: boolean,
): SamplePlan {
  const P = da.length;
  const taps = new Int32Array(P);
  const offsets = new Int32Array(4 * P);
  const weights = new Float64Array(4 * P);
  for (let p = 0; p < P; p++) {
    const a = snap(da[p]);
    const b = snap(db[p]);
    if (!bilinear || (Number.isInteger(a) && Number.isInteger(b))) {
      const ia = bilinear ? a : Math.floor(a + 0.5);
      const ib = bilinear ? b : Math.floor(b + 0.5);
      taps[p] = 1;
      offsets[4 * p] = ia * strideA + ib * strideB;
      weights[4 * p] = 1;
      continue;
    }
    const a0 = Math.floor(a);
    const b0 = Math.floor(b);
    const u = a - a0;
    const v = b - b0;
    const cand: Array<[number, number]> = [
      [a0 * strideA + b0 * strideB, (1 - u) * (1 - v)],
      [a0 * strideA + (b0 + 1) * strideB, (1 - u) * v],
      [(a0 + 1) * strideA + b0 * strideB, u * (1 - v)],
      [(a0 + 1) * strideA + (b0 + 1) * strideB, u * v],
    ];
    let k = 0;
    for (const [off, w] of cand) {
      if (w === 0) continue;
      offsets[4 * p + k] = off;
      weights[4 * p + k] = w;
      k++;
    }
    taps[p] = k;
  }
  return { taps, offsets, weights, points: P };
}

/** The LBP code of the centre at flat index i under a sample plan. */
export function lbpCodeAt(data: Float32Array, i: number, plan: SamplePlan): number {
  const c = data[i] - TIE_EPS;
  const { taps, offsets, weights, points } = plan;
  let code = 0;
  for (let p = 0; p < points; p++) {
    const o = 4 * p;
    let v: number;
    if (taps[p] === 1) v = data[i + offsets[o]];
    else {
      v = 0;
      for (let k = 0; k < taps[p]; k++) v += weights[o + k] * data[i + offsets[o + k]];
    }
    if (v >= c) code |= 1 << p;
  }
  return code;
}

/** A box of centres: t in [t0, t1), y in [y0, y1), x in [x0, x1) of a T×H×W array. */
export interface CentreBox {
  t0: number;
  t1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * Accumulate mapped LBP codes of every centre of `box` into hist[outOffset + bin]
 * (counts, not normalised). Returns the number of centres.
 */
export function accumulateLbp(
  data: Float32Array,
  height: number,
  width: number,
  box: CentreBox,
  plan: SamplePlan,
  table: Uint16Array,
  hist: Float32Array | Float64Array,
  outOffset: number,
): number {
  const frame = height * width;
  const { taps, offsets, weights, points } = plan;
  const nx = box.x1 - box.x0;
  const ny = box.y1 - box.y0;
  const nt = box.t1 - box.t0;
  if (nx <= 0 || ny <= 0 || nt <= 0) return 0;
  // bit-plane by bit-plane over one row of centres at a time: the neighbour's
  // taps and weights are loop constants, so the inner loops stay branch-free
  const codes = new Int32Array(nx);
  const cen = new Float64Array(nx);
  let bins = 0;
  for (let i = 0; i < 1 << points; i++) if (table[i] >= bins) bins = table[i] + 1;
  const counts = new Int32Array(bins);
  for (let t = box.t0; t < box.t1; t++) {
    for (let y = box.y0; y < box.y1; y++) {
      const base = t * frame + y * width + box.x0;
      codes.fill(0);
      for (let x = 0; x < nx; x++) cen[x] = data[base + x] - TIE_EPS;
      for (let p = 0; p < points; p++) {
        const o = 4 * p;
        const bit = 1 << p;
        const n = taps[p];
        if (n === 1) {
          const o0 = base + offsets[o];
          for (let x = 0; x < nx; x++) if (data[o0 + x] >= cen[x]) codes[x] |= bit;
        } else if (n === 4) {
          const o0 = base + offsets[o], o1 = base + offsets[o + 1], o2 = base + offsets[o + 2], o3 = base + offsets[o + 3];
          const w0 = weights[o], w1 = weights[o + 1], w2 = weights[o + 2], w3 = weights[o + 3];
          for (let x = 0; x < nx; x++) {
            const v = w0 * data[o0 + x] + w1 * data[o1 + x] + w2 * data[o2 + x] + w3 * data[o3 + x];
            if (v >= cen[x]) codes[x] |= bit;
          }
        } else {
          for (let x = 0; x < nx; x++) {
            let v = 0;
            for (let k = 0; k < n; k++) v += weights[o + k] * data[base + offsets[o + k] + x];
            if (v >= cen[x]) codes[x] |= bit;
          }
        }
      }
      for (let x = 0; x < nx; x++) counts[table[codes[x]]]++;
    }
  }
  for (let b = 0; b < counts.length; b++) if (counts[b]) hist[outOffset + b] += counts[b];
  return nx * ny * nt;
}

/** angles of LBPTOP.m: cos and sin of 2πp/P */
export function circle(P: number): { cos: number[]; sin: number[] } {
  const cos: number[] = [];
  const sin: number[] = [];
  for (let p = 0; p < P; p++) {
    cos.push(Math.cos((2 * Math.PI * p) / P));
    sin.push(Math.sin((2 * Math.PI * p) / P));
  }
  return { cos, sin };
}

/** divide a histogram segment by its sum (left as zeros when empty) */
export function normalizeSegment(h: Float32Array, start: number, len: number): void {
  let s = 0;
  for (let i = start; i < start + len; i++) s += h[i];
  if (s > 0) for (let i = start; i < start + len; i++) h[i] /= s;
}
