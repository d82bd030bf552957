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
 *
 * Speed: the inner iterations (~60–75% of the time in JavaScript) run in a
 * WebAssembly SIMD kernel (`assembleIterate`, two pixels per f64x2 step)
 * wherever wasm SIMD exists — Node ≥ 16, current browsers — and the 5×5
 * median likewise (median.ts). Both perform the JavaScript code's double
 * precision operations in the same order, so the flow is bit-identical to the
 * JavaScript path (`tvl1FlowWith(a, b, p, 'js')`, the fallback; the tests
 * compare the two). About 2.4× faster than the JavaScript path; see
 * `npm run bench:flow` for the comparison with OpenCV.
 */
import { MerError } from '../core/errors.ts';
import type { FlowField, Image } from '../core/image.ts';
import { medianFilter } from './median.ts';
import { ensureWasmMemory, instantiateWasm, SIMD, W, wasmModule, WT } from '../core/wasm.ts';
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
  /** `jsState`: allocate coef/pd for the JavaScript iteration (the wasm kernel keeps its own) */
  constructor(n: number, width: number, jsState: boolean) {
    this.scratch = new Float64Array(Math.max(5 * width, 64));
    this.I1x = new Float32Array(n); this.I1y = new Float32Array(n);
    this.I1w = new Float32Array(n); this.I1wx = new Float32Array(n); this.I1wy = new Float32Array(n);
    this.coef = new Float64Array(jsState ? 4 * n : 0);
    this.pd = new Float32Array(jsState ? 4 * n : 0);
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

// ---------------------------------------------------------------------------
// The same iteration as a WebAssembly SIMD kernel (two pixels per step in
// f64x2 lanes). It performs exactly the double-precision operations of
// `iterate` above, in the same order, with the same float32 rounding of u and
// p on store, so u and p come out bit-identical; only Σ|Δu|² is summed in two
// interleaved partial sums (even / odd columns), a difference of rounding in
// the last bit of the stopping quantity.
//
// Layout (built by `WasmPlanes`): every plane has row stride S = w + 2
// elements and one pad row above and one pad column left and right of the
// data. The p planes' pads are 0, so the backward differences of the
// divergence need no border tests (p(−1) = 0 is OpenCV's convention); the
// kernel copies u's last column into its right pad after each primal row,
// which makes the forward difference at the last column exactly 0 (and
// √(0 + u_y²) = |u_y| exactly, since u_y, a difference of two floats, has an
// exact double square), i.e. OpenCV's border rule. An odd last pixel is done
// with lane 1 discarded (stored lane 0 only, its error masked out).
// ---------------------------------------------------------------------------

/** v128.const with lane 0 all ones, lane 1 zero (the odd-pixel error mask). */
const LANE0_MASK = [0xfd, 12, ...new Array<number>(8).fill(0xff), ...new Array<number>(8).fill(0)];

function assembleIterate(): Uint8Array<ArrayBuffer> {
  const { get, set, tee } = W;
  const F = (op: number) => W.simd(op);
  // params
  const U1 = 0, U2 = 1, P11 = 2, P12 = 3, P21 = 4, P22 = 5, CX = 6, CY = 7, CR = 8, CG = 9, WD = 10, HT = 11, ST = 12, LTs = 13, THs = 14, TAs = 15;
  // i32 locals
  const Y = 16, X = 17, O4 = 18, O8 = 19, S4 = 20, DN = 21, RB4 = 22, RB8 = 23;
  // v128 locals
  const LT = 24, TH = 25, TA = 26, HALF = 27, ONE = 28, ERR = 29, MASK = 30, A1 = 31, A2 = 32, IX = 33, IY = 34, Q = 35,
    N1 = 36, N2 = 37, D1 = 38, D2 = 39, E = 40, B1 = 41, B2 = 42, U1X = 43, U1Y = 44, U2X = 45, U2Y = 46, R1 = 47, R2 = 48;
  const b: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) b.push(...x); };
  const at4 = (plane: number) => [...get(plane), ...get(O4), ...W.i32add()];
  const at8 = (plane: number) => [...get(plane), ...get(O8), ...W.i32add()];

  const primal = (tail: boolean) => {
    e(at4(U1), W.loadF32x2(), set(A1), at4(U2), W.loadF32x2(), set(A2));
    e(at8(CX), W.load(), set(IX), at8(CY), W.load(), set(IY));
    // q = −(ρc + (ix·a1 + iy·a2))·(1/|∇I|²)
    e(at8(CR), W.load(), get(IX), get(A1), F(SIMD.f64mul), get(IY), get(A2), F(SIMD.f64mul), F(SIMD.f64add), F(SIMD.f64add), F(SIMD.f64neg));
    e(at8(CG), W.load(), F(SIMD.f64mul), set(Q));
    // f = ½(|q + λθ| − |q − λθ|)
    e(get(HALF), get(Q), get(LT), F(SIMD.f64add), F(SIMD.f64abs), get(Q), get(LT), F(SIMD.f64sub), F(SIMD.f64abs), F(SIMD.f64sub), F(SIMD.f64mul), set(Q));
    // div = ((p·1 + p·2) − p·1(x−1)) − p·2(y−1)
    for (const [pa, pb, D] of [[P11, P12, D1], [P21, P22, D2]]) {
      e(at4(pa), W.loadF32x2(), at4(pb), W.loadF32x2(), F(SIMD.f64add));
      e(at4(pa), W.i32(4), W.i32sub(), W.loadF32x2(), F(SIMD.f64sub));
      e(at4(pb), get(S4), W.i32sub(), W.loadF32x2(), F(SIMD.f64sub), set(D));
    }
    // n = (a + f·i) + θ·div
    e(get(A1), get(Q), get(IX), F(SIMD.f64mul), F(SIMD.f64add), get(TH), get(D1), F(SIMD.f64mul), F(SIMD.f64add), set(N1));
    e(get(A2), get(Q), get(IY), F(SIMD.f64mul), F(SIMD.f64add), get(TH), get(D2), F(SIMD.f64mul), F(SIMD.f64add), set(N2));
    const st = tail ? W.storeF32x1 : W.storeF32x2;
    e(at4(U1), get(N1), st(), at4(U2), get(N2), st());
    e(get(N1), get(A1), F(SIMD.f64sub), tee(E), get(E), F(SIMD.f64mul), get(N2), get(A2), F(SIMD.f64sub), tee(E), get(E), F(SIMD.f64mul), F(SIMD.f64add));
    if (tail) e(get(MASK), F(SIMD.and));
    e(get(ERR), F(SIMD.f64add), set(ERR));
  };
  const dual = (tail: boolean) => {
    e(at4(U1), W.loadF32x2(), set(B1), at4(U2), W.loadF32x2(), set(B2));
    e(at4(U1), W.loadF32x2(4), get(B1), F(SIMD.f64sub), set(U1X), at4(U2), W.loadF32x2(4), get(B2), F(SIMD.f64sub), set(U2X));
    e(at4(U1), get(DN), W.i32add(), W.loadF32x2(), get(B1), F(SIMD.f64sub), set(U1Y));
    e(at4(U2), get(DN), W.i32add(), W.loadF32x2(), get(B2), F(SIMD.f64sub), set(U2Y));
    // r = 1 / (1 + τ/θ·√(ux² + uy²))
    for (const [ux, uy, R] of [[U1X, U1Y, R1], [U2X, U2Y, R2]]) {
      e(get(ONE), get(ONE), get(TA), get(ux), get(ux), F(SIMD.f64mul), get(uy), get(uy), F(SIMD.f64mul), F(SIMD.f64add), F(SIMD.f64sqrt));
      e(F(SIMD.f64mul), F(SIMD.f64add), F(SIMD.f64div), set(R));
    }
    const st = tail ? W.storeF32x1 : W.storeF32x2;
    // p = (p + τ/θ·∇u)·r
    for (const [pl, g, R] of [[P11, U1X, R1], [P12, U1Y, R1], [P21, U2X, R2], [P22, U2Y, R2]]) {
      e(at4(pl), at4(pl), W.loadF32x2(), get(TA), get(g), F(SIMD.f64mul), F(SIMD.f64add), get(R), F(SIMD.f64mul), st());
    }
  };
  /** loop over the pixel pairs of the row at (RB4, RB8), then the odd last pixel */
  const row = (body: (tail: boolean) => void) => {
    e(W.i32(0), set(X), get(RB4), set(O4), get(RB8), set(O8));
    e(W.block(), W.loop());
    e(get(X), W.i32(2), W.i32add(), get(WD), W.i32gtS(), W.brIf(1));
    body(false);
    e(get(X), W.i32(2), W.i32add(), set(X), get(O4), W.i32(8), W.i32add(), set(O4), get(O8), W.i32(16), W.i32add(), set(O8));
    e(W.br(0), W.end(), W.end());
    e(get(X), get(WD), W.i32ltS(), W.if());
    body(true);
    e(W.end());
  };

  e(get(ST), W.i32(4), W.i32mul(), set(S4));
  e(get(LTs), F(SIMD.f64splat), set(LT), get(THs), F(SIMD.f64splat), set(TH), get(TAs), F(SIMD.f64splat), set(TA));
  e(W.f64(0.5), F(SIMD.f64splat), set(HALF), W.f64(1), F(SIMD.f64splat), set(ONE), LANE0_MASK, set(MASK));
  e(W.i32(0), set(Y));
  e(W.loop());
  // primal row y (y < h), then u's last column copied into its right pad
  e(get(Y), get(HT), W.i32ltS(), W.if());
  e(get(Y), get(S4), W.i32mul(), tee(RB4), W.i32(2), W.i32mul(), set(RB8));
  row(primal);
  for (const pl of [U1, U2]) {
    e(get(pl), get(RB4), W.i32add(), get(WD), W.i32(4), W.i32mul(), W.i32add(), W.i32(4), W.i32sub(), tee(O4), get(O4), W.f32load(), W.f32store(4));
  }
  e(W.end());
  // dual row y − 1 (y > 0); forward difference down is 0 on the last row
  e(get(Y), W.i32(0), W.i32gtS(), W.if());
  e(get(Y), W.i32(1), W.i32sub(), get(S4), W.i32mul(), tee(RB4), W.i32(2), W.i32mul(), set(RB8));
  e(get(Y), get(HT), W.i32ltS(), W.if(), get(S4), set(DN), [0x05], W.i32(0), set(DN), W.end());
  row(dual);
  e(W.end());
  e(get(Y), W.i32(1), W.i32add(), tee(Y), get(HT), W.i32leS(), W.brIf(0), W.end());
  e(get(ERR), F(SIMD.f64extract), [0], get(ERR), F(SIMD.f64extract), [1], W.f64add());
  const I = WT.i32, D = WT.f64;
  return wasmModule([{
    name: 'iterate', params: [I, I, I, I, I, I, I, I, I, I, I, I, I, D, D, D], results: [D],
    locals: [[8, I], [25, WT.v128]], body: b,
  }]);
}

type IterateFn = (u1: number, u2: number, p11: number, p12: number, p21: number, p22: number,
  cx: number, cy: number, cr: number, cg: number, w: number, h: number, s: number, lt: number, theta: number, taut: number) => number;
let wasmIterate: { mem: WebAssembly.Memory; run: IterateFn } | null | undefined;

function loadWasmIterate(): { mem: WebAssembly.Memory; run: IterateFn } | null {
  if (wasmIterate === undefined) {
    const m = instantiateWasm(assembleIterate());
    wasmIterate = m ? { mem: m.mem, run: m.exports.iterate as IterateFn } : null;
  }
  return wasmIterate;
}

/** Whether TV-L1 runs its iterations in WebAssembly SIMD in this runtime. */
export function wasmTvl1Available(): boolean {
  return loadWasmIterate() !== null;
}

/** The padded planes of the wasm kernel for images up to W×H, in its memory. */
class WasmPlanes {
  readonly f32: Float32Array[] = [];
  readonly f64: Float64Array[] = [];
  /** byte address of each plane's start */
  readonly at32: number[] = [];
  readonly at64: number[] = [];
  readonly run: IterateFn;
  /** null when the wasm memory cannot hold the planes (the JavaScript iteration is used) */
  static create(W0: number, H0: number, k: { mem: WebAssembly.Memory; run: IterateFn }): WasmPlanes | null {
    const len = (H0 + 2) * (W0 + 2) + PLANE_SLACK;
    return ensureWasmMemory(k.mem, len * (4 * 8 + 6 * 4)) ? new WasmPlanes(len, k) : null;
  }
  private constructor(len: number, k: { mem: WebAssembly.Memory; run: IterateFn }) {
    // (H + 2) rows of W + 2, plus slack for the discarded lane's reads past the end
    const b32 = len * 4, b64 = len * 8;
    for (let i = 0; i < 4; i++) { this.at64.push(i * b64); this.f64.push(new Float64Array(k.mem.buffer, i * b64, len)); }
    for (let i = 0; i < 6; i++) { const a = 4 * b64 + i * b32; this.at32.push(a); this.f32.push(new Float32Array(k.mem.buffer, a, len)); }
    this.run = k.run;
  }
}
/** Elements past a plane's last pad row that the discarded lane may read. */
const PLANE_SLACK = 4;


function procOneScale(I0: Float32Array, I1: Float32Array, w: number, h: number, u1: Float32Array, u2: Float32Array, p: Tvl1Params, wk: Work, wp: WasmPlanes | null): void {
  const n = w * h;
  const sub = (a: Float32Array) => a.subarray(0, n);
  const I1x = sub(wk.I1x), I1y = sub(wk.I1y);
  const I1w = sub(wk.I1w), I1wx = sub(wk.I1wx), I1wy = sub(wk.I1wy);
  const coef = wk.coef.subarray(0, 4 * n);
  const pd = wk.pd.subarray(0, 4 * n);
  const tmp = sub(wk.tmp);
  pd.fill(0);
  // wasm layout of this level: stride S, element (x, y) at org + y·S + x (see WasmPlanes)
  const S = w + 2, org = S + 1, padded = (h + 2) * S + PLANE_SLACK;
  if (wp) for (let i = 2; i < 6; i++) wp.f32[i].fill(0, 0, padded);

  const scaledEpsilon = Math.fround(p.epsilon * p.epsilon * n);
  const lt = Math.fround(p.lambda * p.theta);
  const taut = Math.fround(p.tau / p.theta);
  const theta = Math.fround(p.theta);

  centeredGradient(I1, w, h, I1x, I1y);

  for (let warp = 0; warp < p.warps; warp++) {
    remapCubic3(w, h, u1, u2, I1, I1x, I1y, I1w, I1wx, I1wy);
    if (wp) {
      const [cx, cy, cr, cg] = wp.f64;
      for (let y = 0; y < h; y++) {
        for (let x = 0, i = y * w, j = org + y * S; x < w; x++, i++, j++) {
          const ix = I1wx[i], iy = I1wy[i];
          const g = ix * ix + iy * iy;
          cx[j] = ix;
          cy[j] = iy;
          cr[j] = I1w[i] - ix * u1[i] - iy * u2[i] - I0[i];
          cg[j] = g > FLT_EPSILON ? 1 / g : INV_G_ZERO;
        }
      }
    } else {
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
    }

    let error = Number.MAX_VALUE;
    for (let outer = 0; error > scaledEpsilon && outer < p.outerIterations; outer++) {
      if (p.medianFiltering > 1) {
        tmp.set(u1);
        medianFilter(tmp, u1, w, h, p.medianFiltering, wk.scratch);
        tmp.set(u2);
        medianFilter(tmp, u2, w, h, p.medianFiltering, wk.scratch);
      }
      if (wp) {
        if (!(error > scaledEpsilon)) continue;
        const U1 = wp.f32[0], U2 = wp.f32[1];
        for (let y = 0; y < h; y++) { U1.set(u1.subarray(y * w, y * w + w), org + y * S); U2.set(u2.subarray(y * w, y * w + w), org + y * S); }
        const a32 = wp.at32.map((a) => a + 4 * org), a64 = wp.at64.map((a) => a + 8 * org);
        for (let inner = 0; error > scaledEpsilon && inner < p.innerIterations; inner++) {
          error = wp.run(a32[0], a32[1], a32[2], a32[3], a32[4], a32[5], a64[0], a64[1], a64[2], a64[3], w, h, S, lt, theta, taut);
        }
        for (let y = 0; y < h; y++) { u1.set(U1.subarray(org + y * S, org + y * S + w), y * w); u2.set(U2.subarray(org + y * S, org + y * S + w), y * w); }
      } else {
        for (let inner = 0; error > scaledEpsilon && inner < p.innerIterations; inner++) {
          error = iterate(w, h, coef, pd, u1, u2, lt, theta, taut);
        }
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
  return tvl1FlowWith(a, b, params, 'auto');
}

/**
 * `tvl1Flow` with the iteration kernel chosen: 'auto' = WebAssembly SIMD
 * where available, else JavaScript; 'js' forces the portable JavaScript loop
 * (the two give identical flows; exported for the tests that prove it).
 */
export function tvl1FlowWith(a: Image, b: Image, params: Partial<Tvl1Params>, kernel: 'auto' | 'js'): FlowField {
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

  const k = kernel === 'auto' ? loadWasmIterate() : null;
  const wp = k ? WasmPlanes.create(W, H, k) : null;
  const wk = new Work(N, W, !wp);
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
    procOneScale(I0s[s], I1s[s], ws[s], hs[s], u1, u2, p, wk, wp);
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
