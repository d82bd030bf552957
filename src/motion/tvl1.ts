/**
 * TV-L1 optical flow: the duality-based scheme of Zach, Pock and Bischof
 * (DAGM 2007) in the form of OpenCV 4.x `cv::optflow::DualTVL1OpticalFlow`
 * (opencv_contrib modules/optflow/src/tvl1flow.cpp, itself after Sánchez,
 * Meinhardt-Llopis, Facciolo, IPOL 2013), step for step:
 *
 * - intensities are scaled to 0–255 first (OpenCV multiplies float input by
 *   255), so `lambda` means the same as in OpenCV;
 * - pyramid: each level is cv::resize(INTER_LINEAR) of the previous by
 *   `scaleStep` (no pre-blur — that is IPOL's variant, not OpenCV's), stopping
 *   before a level narrower or shorter than 16 px;
 * - coarse-to-fine: the flow of level s is resized (bilinear) to level s−1 and
 *   multiplied by 1/scaleStep; the dual variables restart at 0 at each level;
 * - per warp: I1 and its centred gradient (one-sided halves at the borders)
 *   are warped by bicubic remap (1/32-px map quantisation, zero outside);
 * - per outer iteration: 5×5 median filter of u and v (`medianFiltering`),
 *   then up to `innerIterations` of: threshold step (with |∇I1w|²), primal
 *   update u = v + θ·div p (backward differences), dual update with forward
 *   differences, p = (p + τ/θ·∇u)/(1 + τ/θ·|∇u|);
 * - stop when Σ|Δu|² ≤ epsilon²·(pixels of the level).
 * gamma (illumination term) is 0 and useInitialFlow is false, always.
 *
 * Memory: all work buffers are allocated once at full resolution and reused
 * at every level; nothing is allocated inside the iterations.
 */
import { MerError } from '../core/errors.ts';
import type { FlowField, Image } from '../core/image.ts';
import { medianFilter } from './median.ts';
import { remapCubic3, resizeLinear, scaledSize } from './resample.ts';

export interface Tvl1Params {
  /** time step of the numerical scheme (OpenCV 0.25; stable for ≤ 0.25) */
  tau: number;
  /** data-term weight, for intensities in 0–255 (OpenCV 0.15) */
  lambda: number;
  /** tightness of u to v (OpenCV 0.3) */
  theta: number;
  /** pyramid levels (OpenCV 5) */
  nscales: number;
  /** warps per level (OpenCV 5) */
  warps: number;
  /** stopping threshold (OpenCV 0.01) */
  epsilon: number;
  /** inner iterations per outer iteration (OpenCV 30) */
  innerIterations: number;
  /** outer iterations (median filter between them) (OpenCV 10) */
  outerIterations: number;
  /** pyramid down-scaling factor (OpenCV 0.8) */
  scaleStep: number;
  /** illumination-change weight; only 0 is implemented (OpenCV default 0) */
  gamma: number;
  /** median filter size applied to the flow each outer iteration, ≤ 1 = off (OpenCV 5) */
  medianFiltering: number;
}

export const TVL1_DEFAULTS: Readonly<Tvl1Params> = Object.freeze({
  tau: 0.25,
  lambda: 0.15,
  theta: 0.3,
  nscales: 5,
  warps: 5,
  epsilon: 0.01,
  innerIterations: 30,
  outerIterations: 10,
  scaleStep: 0.8,
  gamma: 0,
  medianFiltering: 5,
});

/** OpenCV stops building the pyramid before a level smaller than this (px). */
const MIN_LEVEL_SIZE = 16;
/** Input images are in [0, 1]; OpenCV's lambda is defined on 0–255. */
const INTENSITY_SCALE = 255;
/** float32 machine epsilon: OpenCV's "gradient is zero" threshold. */
const FLT_EPSILON = 1.1920928955078125e-7;
/**
 * The threshold step TH of the scheme is v = u + f·∇I1w with
 *   f = λθ if ρ < −λθ|∇I|², −λθ if ρ > λθ|∇I|², else −ρ/|∇I|²,
 * i.e. f = clamp(q, −λθ, λθ) with q = −ρ/|∇I|². The three cases are
 * unpredictable and their mispredictions dominated the loop, so it is
 * evaluated branch-free as f = ½(|q + λθ| − |q − λθ|). 1/|∇I|² is at most
 * 1/FLT_EPSILON (where OpenCV treats the gradient as zero, TH saturates to
 * ±λθ for any ρ ≠ 0 and gives 0 for ρ = 0 — as the clamp does), so |q| stays
 * below ~1e11 and the cancellation costs < 1e-4·λθ exactly where |∇I| is
 * tiny and f·∇I is negligible anyway; for |∇I|² ≥ 0.01 (0–255 units) it is
 * exact to ~1e-10.
 */
const INV_G_ZERO = 1 / FLT_EPSILON;
/** Smallest image the finite differences of the scheme need. */
const MIN_INPUT_SIZE = 3;

function checkParams(p: Tvl1Params): void {
  const bad = (name: string, expected: string) => {
    throw new MerError('BAD_OPTION', `TV-L1 parameter ${name} = ${String((p as unknown as Record<string, unknown>)[name])}`, { expected });
  };
  if (!(p.tau > 0)) bad('tau', 'a positive number');
  if (!(p.lambda > 0)) bad('lambda', 'a positive number');
  if (!(p.theta > 0)) bad('theta', 'a positive number');
  if (!(Number.isInteger(p.nscales) && p.nscales >= 1)) bad('nscales', 'an integer ≥ 1');
  if (!(Number.isInteger(p.warps) && p.warps >= 1)) bad('warps', 'an integer ≥ 1');
  if (!(p.epsilon >= 0)) bad('epsilon', 'a number ≥ 0');
  if (!(Number.isInteger(p.innerIterations) && p.innerIterations >= 1)) bad('innerIterations', 'an integer ≥ 1');
  if (!(Number.isInteger(p.outerIterations) && p.outerIterations >= 1)) bad('outerIterations', 'an integer ≥ 1');
  if (!(p.scaleStep > 0 && p.scaleStep < 1)) bad('scaleStep', 'a number in (0, 1)');
  if (p.gamma !== 0) bad('gamma', '0 (the illumination term is not implemented)');
  if (!(Number.isInteger(p.medianFiltering) && (p.medianFiltering <= 1 || p.medianFiltering % 2 === 1))) {
    bad('medianFiltering', 'an odd integer, or ≤ 1 for none');
  }
}

/** Work buffers, sized for the finest level and reused (as subarrays) at every level. */
class Work {
  readonly I1x: Float32Array; readonly I1y: Float32Array;
  readonly I1w: Float32Array; readonly I1wx: Float32Array; readonly I1wy: Float32Array;
  /** per pixel: I1wx, I1wy, constant part of ρ, 1/|∇I1w|² (interleaved: one stream for the hot loop) */
  readonly coef: Float64Array;
  /** dual variables per pixel: p11, p12, p21, p22 (interleaved) */
  readonly pd: Float32Array;
  readonly tmp: Float32Array;
  /** median filter work space: 5 sorted columns of the widest level */
  readonly scratch: Float64Array;
  constructor(n: number, width: number) {
    this.scratch = new Float64Array(Math.max(5 * width, 64));
    this.I1x = new Float32Array(n); this.I1y = new Float32Array(n);
    this.I1w = new Float32Array(n); this.I1wx = new Float32Array(n); this.I1wy = new Float32Array(n);
    this.coef = new Float64Array(4 * n);
    this.pd = new Float32Array(4 * n);
    this.tmp = new Float32Array(n);
  }
}

/** OpenCV's centeredGradient: central differences, half one-sided differences on the border. */
export function centeredGradient(src: Float32Array, w: number, h: number, dx: Float32Array, dy: Float32Array): void {
  const lr = h - 1;
  const lc = w - 1;
  for (let y = 0; y < h; y++) {
    const o = y * w;
    const up = y > 0 ? o - w : o;
    const dn = y < lr ? o + w : o;
    for (let x = 1; x < lc; x++) {
      dx[o + x] = 0.5 * (src[o + x + 1] - src[o + x - 1]);
      dy[o + x] = 0.5 * (src[dn + x] - src[up + x]);
    }
    dx[o] = 0.5 * (src[o + 1] - src[o]);
    dy[o] = 0.5 * (src[dn] - src[up]);
    dx[o + lc] = 0.5 * (src[o + lc] - src[o + lc - 1]);
    dy[o + lc] = 0.5 * (src[dn + lc] - src[up + lc]);
  }
}

/**
 * One TV-L1 iteration, OpenCV's order: threshold step v = u + TH(ρ(u)),
 * u = v + θ·div p (backward differences: p₁(x) − p₁(x−1) + p₂(y) − p₂(y−1),
 * a missing neighbour counting 0), then the forward-difference gradient of
 * the new u (0 past the last row/column) and the dual update
 * p = (p + τ/θ·∇u)/(1 + τ/θ·|∇u|). Done as one sweep over rows — primal row
 * y, then dual row y − 1 (which needs the new u of rows y − 1 and y) — so the
 * rows in play stay in cache. Returns Σ|Δu|² (the stopping quantity).
 */
function iterate(
  w: number, h: number, coef: Float64Array, pd: Float32Array,
  u1: Float32Array, u2: Float32Array, lt: number, theta: number, taut: number,
): number {
  let error = 0;
  const w4 = 4 * w;
  for (let y = 0; y <= h; y++) {
    if (y < h) {
      const o = y * w;
      const up4 = y > 0 ? w4 : 0;
      for (let x = 0; x < w; x++) {
        const i = o + x;
        const k = 4 * i;
        const ix = coef[k], iy = coef[k + 1];
        const a1 = u1[i], a2 = u2[i];
        // TH step, f = clamp(−ρ/|∇I|², −λθ, λθ) evaluated branch-free (see INV_G_ZERO)
        const q = -(coef[k + 2] + (ix * a1 + iy * a2)) * coef[k + 3];
        const f = 0.5 * (Math.abs(q + lt) - Math.abs(q - lt));
        let div1 = pd[k] + pd[k + 1], div2 = pd[k + 2] + pd[k + 3];
        if (x > 0) { div1 -= pd[k - 4]; div2 -= pd[k - 2]; }
        if (up4 !== 0) { div1 -= pd[k + 1 - up4]; div2 -= pd[k + 3 - up4]; }
        const n1 = a1 + f * ix + theta * div1;
        const n2 = a2 + f * iy + theta * div2;
        u1[i] = n1; u2[i] = n2;
        const e1 = n1 - a1, e2 = n2 - a2;
        error += e1 * e1 + e2 * e2;
      }
    }
    if (y > 0) {
      const o = (y - 1) * w;
      const dn = y < h ? w : 0;
      const last = o + w - 1;
      for (let i = o; i < last; i++) {
        const k = 4 * i;
        const b1 = u1[i], b2 = u2[i];
        const u1x = u1[i + 1] - b1, u2x = u2[i + 1] - b2;
        const u1y = u1[i + dn] - b1, u2y = u2[i + dn] - b2;
        const r1 = 1 / (1 + taut * Math.sqrt(u1x * u1x + u1y * u1y));
        const r2 = 1 / (1 + taut * Math.sqrt(u2x * u2x + u2y * u2y));
        pd[k] = (pd[k] + taut * u1x) * r1;
        pd[k + 1] = (pd[k + 1] + taut * u1y) * r1;
        pd[k + 2] = (pd[k + 2] + taut * u2x) * r2;
        pd[k + 3] = (pd[k + 3] + taut * u2y) * r2;
      }
      // last column: no right neighbour, u_x = 0
      const k = 4 * last;
      const u1y = u1[last + dn] - u1[last], u2y = u2[last + dn] - u2[last];
      const r1 = 1 / (1 + taut * Math.abs(u1y));
      const r2 = 1 / (1 + taut * Math.abs(u2y));
      pd[k] = pd[k] * r1;
      pd[k + 1] = (pd[k + 1] + taut * u1y) * r1;
      pd[k + 2] = pd[k + 2] * r2;
      pd[k + 3] = (pd[k + 3] + taut * u2y) * r2;
    }
  }
  return error;
}

function procOneScale(I0: Float32Array, I1: Float32Array, w: number, h: number, u1: Float32Array, u2: Float32Array, p: Tvl1Params, wk: Work): void {
  const n = w * h;
  const sub = (a: Float32Array) => a.subarray(0, n);
  const I1x = sub(wk.I1x), I1y = sub(wk.I1y);
  const I1w = sub(wk.I1w), I1wx = sub(wk.I1wx), I1wy = sub(wk.I1wy);
  const coef = wk.coef.subarray(0, 4 * n);
  const pd = wk.pd.subarray(0, 4 * n);
  const tmp = sub(wk.tmp);
  pd.fill(0);

  const scaledEpsilon = Math.fround(p.epsilon * p.epsilon * n);
  const lt = Math.fround(p.lambda * p.theta);
  const taut = Math.fround(p.tau / p.theta);
  const theta = Math.fround(p.theta);

  centeredGradient(I1, w, h, I1x, I1y);

  for (let warp = 0; warp < p.warps; warp++) {
    remapCubic3(w, h, u1, u2, I1, I1x, I1y, I1w, I1wx, I1wy);
    for (let i = 0; i < n; i++) {
      const ix = I1wx[i], iy = I1wy[i];
      const g = ix * ix + iy * iy;
      // 1/|∇I1w|²; where OpenCV treats the gradient as zero (≤ FLT_EPSILON) TH gives ±λθ or 0,
      // which the clamp reproduces with an effectively infinite 1/g (ρ = 0 → 0)
      const k = 4 * i;
      coef[k] = ix;
      coef[k + 1] = iy;
      coef[k + 2] = I1w[i] - ix * u1[i] - iy * u2[i] - I0[i]; // constant part of ρ
      coef[k + 3] = g > FLT_EPSILON ? 1 / g : INV_G_ZERO;
    }

    let error = Number.MAX_VALUE;
    for (let outer = 0; error > scaledEpsilon && outer < p.outerIterations; outer++) {
      if (p.medianFiltering > 1) {
        tmp.set(u1);
        medianFilter(tmp, u1, w, h, p.medianFiltering, wk.scratch);
        tmp.set(u2);
        medianFilter(tmp, u2, w, h, p.medianFiltering, wk.scratch);
      }
      for (let inner = 0; error > scaledEpsilon && inner < p.innerIterations; inner++) {
        error = iterate(w, h, coef, pd, u1, u2, lt, theta, taut);
      }
    }
  }
}

/**
 * Dense TV-L1 flow from `a` to `b` (I0 = a, I1 = b: b(x + flow(x)) ≈ a(x)).
 * Inputs: gray images in [0, 1] of the same size (≥ 3×3). Returns the flow in
 * pixels, u right, v down, at the input resolution.
 */
export function tvl1Flow(a: Image, b: Image, params: Partial<Tvl1Params> = {}): FlowField {
  const p: Tvl1Params = { ...TVL1_DEFAULTS, ...params };
  checkParams(p);
  if (a.channels !== 1 || b.channels !== 1) {
    throw new MerError('BAD_INPUT', 'TV-L1 needs gray images', { expected: 'channels = 1 (use toGray first)' });
  }
  if (a.width !== b.width || a.height !== b.height) {
    throw new MerError('BAD_INPUT', `TV-L1 images differ in size: ${a.width}×${a.height} vs ${b.width}×${b.height}`, { expected: 'two images of the same size' });
  }
  const W = a.width;
  const H = a.height;
  if (W < MIN_INPUT_SIZE || H < MIN_INPUT_SIZE) {
    throw new MerError('BAD_INPUT', `TV-L1 image is ${W}×${H}`, { expected: `at least ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} pixels` });
  }
  const N = W * H;
  const I0s: Float32Array[] = [new Float32Array(N)];
  const I1s: Float32Array[] = [new Float32Array(N)];
  for (let i = 0; i < N; i++) {
    I0s[0][i] = a.data[i] * INTENSITY_SCALE;
    I1s[0][i] = b.data[i] * INTENSITY_SCALE;
  }
  const ws = [W];
  const hs = [H];
  let nscales = p.nscales;
  for (let s = 1; s < nscales; s++) {
    const pw = ws[s - 1], ph = hs[s - 1];
    const nw = scaledSize(pw, p.scaleStep), nh = scaledSize(ph, p.scaleStep);
    if (nw < MIN_LEVEL_SIZE || nh < MIN_LEVEL_SIZE) {
      nscales = s;
      break;
    }
    const i0 = new Float32Array(nw * nh), i1 = new Float32Array(nw * nh);
    resizeLinear(I0s[s - 1], pw, ph, i0, nw, nh, 1 / p.scaleStep, 1 / p.scaleStep);
    resizeLinear(I1s[s - 1], pw, ph, i1, nw, nh, 1 / p.scaleStep, 1 / p.scaleStep);
    I0s.push(i0); I1s.push(i1); ws.push(nw); hs.push(nh);
  }

  const wk = new Work(N, W);
  // flow planes: two full-size pairs, ping-ponged between levels
  const bufU = [new Float32Array(N), new Float32Array(N)];
  const bufV = [new Float32Array(N), new Float32Array(N)];
  let cur = 0;
  let s = nscales - 1;
  let u1 = bufU[cur].subarray(0, ws[s] * hs[s]);
  let u2 = bufV[cur].subarray(0, ws[s] * hs[s]);
  u1.fill(0); u2.fill(0);
  const up = 1 / p.scaleStep;
  for (; s >= 0; s--) {
    procOneScale(I0s[s], I1s[s], ws[s], hs[s], u1, u2, p, wk);
    if (s === 0) break;
    const nw = ws[s - 1], nh = hs[s - 1];
    const nxt = 1 - cur;
    const n1 = bufU[nxt].subarray(0, nw * nh);
    const n2 = bufV[nxt].subarray(0, nw * nh);
    resizeLinear(u1, ws[s], hs[s], n1, nw, nh);
    resizeLinear(u2, ws[s], hs[s], n2, nw, nh);
    for (let i = 0; i < nw * nh; i++) { n1[i] *= up; n2[i] *= up; }
    u1 = n1; u2 = n2; cur = nxt;
  }
  return { width: W, height: H, u: Float32Array.from(u1), v: Float32Array.from(u2) };
}
