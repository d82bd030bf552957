/**
 * Resampling kernels used by TV-L1, written to reproduce OpenCV 4.x exactly
 * where TV-L1's result depends on them:
 *
 * - `resizeLinear`: cv::resize(INTER_LINEAR) for float images — pixel-centre
 *   alignment `sx = (dx + 0.5)·scale − 0.5`, replicated borders (OpenCV clamps
 *   the source index and zeroes the fraction outside the image).
 * - `remapCubic3`: cv::remap(INTER_CUBIC, BORDER_CONSTANT 0) of three planes
 *   through one map. As in OpenCV, float map coordinates are rounded to
 *   1/INTER_TAB_SIZE = 1/32 pixel and the cubic weights (Keys, A = −0.75) come
 *   from a 32×32 table; taps outside the image contribute 0.
 *
 * All buffers are row-major Float32Array with row stride = width.
 *
 * `remapCubic3` runs its interior pixels (all 16 taps inside the image) in a
 * WebAssembly SIMD kernel where wasm SIMD exists (planes a and b in the two
 * f64x2 lanes, c in scalar f64), doing the JavaScript code's double-precision
 * operations in the same order, so results are bit-identical to
 * `remapCubic3Js`; border pixels go through the JavaScript code.
 */
import { ensureWasmMemory, instantiateWasm, SIMD, W, wasmModule, WT } from '../core/wasm.ts';

/** OpenCV's INTER_BITS = 5: sub-pixel positions quantised to 1/32 pixel. */
const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS;
/** Keys' cubic convolution parameter used by OpenCV (Matlab uses −0.5). */
const CUBIC_A = -0.75;

/** OpenCV's interpolateCubic: the 4 weights of taps at −1, 0, 1, 2 for fraction x. */
export function cubicWeights(x: number, out: Float64Array | Float32Array, off = 0, a = CUBIC_A): void {
  const x1 = x + 1;
  const c0 = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a;
  const c1 = ((a + 2) * x - (a + 3)) * x * x + 1;
  const y = 1 - x;
  const c2 = ((a + 2) * y - (a + 3)) * y * y + 1;
  out[off] = c0;
  out[off + 1] = c1;
  out[off + 2] = c2;
  out[off + 3] = 1 - c0 - c1 - c2;
}

/** 32 fractions × 4 weights, as float32 (OpenCV keeps the float table). */
const CUBIC_TAB: Float32Array = (() => {
  const t = new Float32Array(INTER_TAB_SIZE * 4);
  for (let i = 0; i < INTER_TAB_SIZE; i++) cubicWeights(i / INTER_TAB_SIZE, t, i * 4);
  return t;
})();

/** OpenCV's output size for cv::resize(src, Size(), f, f): round(size·f). */
export function scaledSize(n: number, factor: number): number {
  return Math.round(n * factor);
}

/**
 * Bilinear resize of `src` (sw×sh) into `dst` (dw×dh). `scaleX`/`scaleY` are
 * source pixels per destination pixel (OpenCV: 1/fx when fx is given,
 * sw/dw when only the size is).
 */
export function resizeLinear(
  src: Float32Array, sw: number, sh: number,
  dst: Float32Array, dw: number, dh: number,
  scaleX = sw / dw, scaleY = sh / dh,
): void {
  const xo = new Int32Array(dw);
  const xa = new Float32Array(dw);
  for (let dx = 0; dx < dw; dx++) {
    let f = Math.fround((dx + 0.5) * scaleX - 0.5);
    let s = Math.floor(f);
    f -= s;
    if (s < 0) { s = 0; f = 0; }
    if (s >= sw - 1) { s = sw - 1; f = 0; }
    xo[dx] = s;
    xa[dx] = f;
  }
  for (let dy = 0; dy < dh; dy++) {
    let f = Math.fround((dy + 0.5) * scaleY - 0.5);
    let s = Math.floor(f);
    f -= s;
    if (s < 0) { s = 0; f = 0; }
    if (s >= sh - 1) { s = sh - 1; f = 0; }
    const r0 = s * sw;
    const r1 = (s + 1 < sh ? s + 1 : s) * sw;
    const o = dy * dw;
    const fy = Math.fround(f);
    for (let dx = 0; dx < dw; dx++) {
      const sx = xo[dx];
      const fx = xa[dx];
      const sx1 = sx + 1 < sw ? sx + 1 : sx;
      const t0 = src[r0 + sx] * (1 - fx) + src[r0 + sx1] * fx;
      const t1 = src[r1 + sx] * (1 - fx) + src[r1 + sx1] * fx;
      dst[o + dx] = t0 * (1 - fy) + t1 * fy;
    }
  }
}

/**
 * Backward warp of three planes a, b, c (w×h) at (x + u, y + v) with OpenCV's
 * bicubic remap (see the file comment). Results go to aw, bw, cw.
 */
export function remapCubic3Js(
  w: number, h: number,
  u: Float32Array, v: Float32Array,
  a: Float32Array, b: Float32Array, c: Float32Array,
  aw: Float32Array, bw: Float32Array, cw: Float32Array,
): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) remapPixel(x, y, w, h, u, v, a, b, c, aw, bw, cw);
  }
}

/** One output pixel of remapCubic3 (see there). */
function remapPixel(
  x: number, y: number, w: number, h: number,
  u: Float32Array, v: Float32Array,
  a: Float32Array, b: Float32Array, c: Float32Array,
  aw: Float32Array, bw: Float32Array, cw: Float32Array,
): void {
  const tab = CUBIC_TAB;
  const w1 = w - 3;
  const h1 = h - 3;
  const i = y * w + x;
  const X = Math.round((x + u[i]) * INTER_TAB_SIZE);
  const Y = Math.round((y + v[i]) * INTER_TAB_SIZE);
  const sx = (X >> INTER_BITS) - 1;
  const sy = (Y >> INTER_BITS) - 1;
  const kx = (X & (INTER_TAB_SIZE - 1)) * 4;
  const ky = (Y & (INTER_TAB_SIZE - 1)) * 4;
  const wx0 = tab[kx], wx1 = tab[kx + 1], wx2 = tab[kx + 2], wx3 = tab[kx + 3];
  if (sx >= 0 && sx < w1 && sy >= 0 && sy < h1) {
    let sa = 0, sb = 0, sc = 0;
    let p = sy * w + sx;
    for (let k = 0; k < 4; k++, p += w) {
      const wy = tab[ky + k];
      const q0 = wy * wx0, q1 = wy * wx1, q2 = wy * wx2, q3 = wy * wx3;
      sa += a[p] * q0 + a[p + 1] * q1 + a[p + 2] * q2 + a[p + 3] * q3;
      sb += b[p] * q0 + b[p + 1] * q1 + b[p + 2] * q2 + b[p + 3] * q3;
      sc += c[p] * q0 + c[p + 1] * q1 + c[p + 2] * q2 + c[p + 3] * q3;
    }
    aw[i] = sa; bw[i] = sb; cw[i] = sc;
  } else if (sx >= w || sx + 4 <= 0 || sy >= h || sy + 4 <= 0) {
    aw[i] = 0; bw[i] = 0; cw[i] = 0;
  } else {
    let sa = 0, sb = 0, sc = 0;
    for (let k = 0; k < 4; k++) {
      const yy = sy + k;
      if (yy < 0 || yy >= h) continue;
      const wy = tab[ky + k];
      for (let j = 0; j < 4; j++) {
        const xx = sx + j;
        if (xx < 0 || xx >= w) continue;
        const q = wy * tab[kx + j];
        const p = yy * w + xx;
        sa += a[p] * q; sb += b[p] * q; sc += c[p] * q;
      }
    }
    aw[i] = sa; bw[i] = sb; cw[i] = sc;
  }
}


// ---------------------------------------------------------------------------
// WebAssembly SIMD path of remapCubic3
// ---------------------------------------------------------------------------

/**
 * remap(u, v, ab, c, aw, bw, cw, list, tab, w, h) → count: for every pixel
 * whose 4×4 taps lie inside the image, the bicubic sums of a and b (ab holds
 * them interleaved: f64x2 lanes) and of c, written to aw, bw, cw; the indices
 * of the other pixels go to `list` (i32) for the JavaScript code, and their
 * number is returned. Map rounding: floor(32·(x + u) + ½), equal to
 * Math.round here because 32·(x + u) is exact in double for float32 u.
 */
function assembleRemap(): Uint8Array<ArrayBuffer> {
  const { get, set, tee } = W;
  const F = (op: number) => W.simd(op);
  const U = 0, V = 1, AB = 2, C = 3, AW = 4, BW = 5, CW = 6, LIST = 7, TAB = 8, WD = 9, HT = 10;
  // i32 locals
  const Y = 11, X = 12, I4 = 13, XX = 14, YY = 15, P = 16, KX = 17, KY = 18, CNT = 19, W4 = 20, K = 21;
  // f64 locals
  const WX = 22, WY = 26, Q = 27, SC = 31; // WX..WX+3, Q..Q+3
  // v128 locals
  const SAB = 32;
  const b: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) b.push(...x); };
  const round32 = (coord: number, plane: number) => [
    ...get(coord), ...W.f64fromI32(), ...get(plane), ...get(I4), ...W.i32add(), ...W.f32load(), ...W.f64fromF32(), ...W.f64add(),
    ...W.f64(INTER_TAB_SIZE), ...W.f64mul(), ...W.f64(0.5), ...W.f64add(), ...W.f64floor(), ...W.i32fromF64(),
  ];
  e(get(WD), W.i32(4), W.i32mul(), set(W4));
  e(W.i32(0), set(CNT), W.i32(0), set(I4), W.i32(0), set(Y));
  e(W.loop());
  e(W.i32(0), set(X));
  e(W.loop());
  e(round32(X, U), set(XX), round32(Y, V), set(YY));
  // interior: 0 ≤ sx < w − 3 and 0 ≤ sy < h − 3 (unsigned compares), sx = (X >> 5) − 1
  e(get(XX), W.i32(INTER_BITS), W.i32shrS(), W.i32(1), W.i32sub(), get(WD), W.i32(3), W.i32sub(), W.i32ltU());
  e(get(YY), W.i32(INTER_BITS), W.i32shrS(), W.i32(1), W.i32sub(), get(HT), W.i32(3), W.i32sub(), W.i32ltU(), W.i32and());
  e(W.if());
  {
    // P = byte offset of the top-left tap in a c-plane: ((sy·w + sx)·4)
    e(get(YY), W.i32(INTER_BITS), W.i32shrS(), W.i32(1), W.i32sub(), get(WD), W.i32mul());
    e(get(XX), W.i32(INTER_BITS), W.i32shrS(), W.i32(1), W.i32sub(), W.i32add(), W.i32(4), W.i32mul(), set(P));
    e(get(TAB), get(XX), W.i32(INTER_TAB_SIZE - 1), W.i32and(), W.i32(4), W.i32shl(), W.i32add(), set(KX));
    e(get(TAB), get(YY), W.i32(INTER_TAB_SIZE - 1), W.i32and(), W.i32(4), W.i32shl(), W.i32add(), set(KY));
    for (let j = 0; j < 4; j++) e(get(KX), W.f32load(4 * j), W.f64fromF32(), set(WX + j));
    e(W.v128zero(), set(SAB), W.f64(0), set(SC));
    for (let k = 0; k < 4; k++) {
      e(get(KY), W.f32load(4 * k), W.f64fromF32(), set(WY));
      for (let j = 0; j < 4; j++) e(get(WY), get(WX + j), W.f64mul(), set(Q + j));
      // sab += ((ab0·q0 + ab1·q1) + ab2·q2) + ab3·q3, lanes (a, b)
      e(get(AB), get(P), W.i32(2), W.i32mul(), W.i32add(), set(K));
      e(get(SAB));
      for (let j = 0; j < 4; j++) {
        e(get(K), W.loadF32x2(8 * j), get(Q + j), F(SIMD.f64splat), F(SIMD.f64mul));
        if (j > 0) e(F(SIMD.f64add));
      }
      e(F(SIMD.f64add), set(SAB));
      e(get(C), get(P), W.i32add(), set(K));
      e(get(SC));
      for (let j = 0; j < 4; j++) {
        e(get(K), W.f32load(4 * j), W.f64fromF32(), get(Q + j), W.f64mul());
        if (j > 0) e(W.f64add());
      }
      e(W.f64add(), set(SC));
      if (k < 3) e(get(P), get(W4), W.i32add(), set(P));
    }
    e(get(AW), get(I4), W.i32add(), get(SAB), F(SIMD.f64extract), [0], W.f32fromF64(), W.f32store());
    e(get(BW), get(I4), W.i32add(), get(SAB), F(SIMD.f64extract), [1], W.f32fromF64(), W.f32store());
    e(get(CW), get(I4), W.i32add(), get(SC), W.f32fromF64(), W.f32store());
  }
  e([0x05]); // else: leave it to the JavaScript code
  e(get(LIST), get(CNT), W.i32(4), W.i32mul(), W.i32add(), get(I4), W.i32(2), W.i32shrS(), W.i32store());
  e(get(CNT), W.i32(1), W.i32add(), set(CNT));
  e(W.end());
  e(get(I4), W.i32(4), W.i32add(), set(I4));
  e(get(X), W.i32(1), W.i32add(), tee(X), get(WD), W.i32ltS(), W.brIf(0), W.end());
  e(get(Y), W.i32(1), W.i32add(), tee(Y), get(HT), W.i32ltS(), W.brIf(0), W.end());
  e(get(CNT));
  const I = WT.i32;
  return wasmModule([{
    name: 'remap', params: [I, I, I, I, I, I, I, I, I, I, I], results: [I],
    locals: [[11, I], [10, WT.f64], [1, WT.v128]], body: b,
  }]);
}

type RemapFn = (u: number, v: number, ab: number, c: number, aw: number, bw: number, cw: number, list: number, tab: number, w: number, h: number) => number;
let wasmRemap: { mem: WebAssembly.Memory; run: RemapFn } | null | undefined;

function loadWasmRemap(): { mem: WebAssembly.Memory; run: RemapFn } | null {
  if (wasmRemap === undefined) {
    const m = instantiateWasm(assembleRemap());
    wasmRemap = m ? { mem: m.mem, run: m.exports.remap as RemapFn } : null;
  }
  return wasmRemap;
}

/** Whether remapCubic3 uses the WebAssembly SIMD kernel in this runtime. */
export function wasmRemapAvailable(): boolean {
  return loadWasmRemap() !== null;
}

/**
 * Backward warp of three planes a, b, c (w×h) at (x + u, y + v) with OpenCV's
 * bicubic remap (see the file comment). Results go to aw, bw, cw.
 */
export function remapCubic3(
  w: number, h: number,
  u: Float32Array, v: Float32Array,
  a: Float32Array, b: Float32Array, c: Float32Array,
  aw: Float32Array, bw: Float32Array, cw: Float32Array,
): void {
  const k = loadWasmRemap();
  const n = w * h;
  // layout (floats): table 128 | u n | v n | ab 2n | c n | aw n | bw n | cw n | list n
  const T = 0, oU = INTER_TAB_SIZE * 4, oV = oU + n, oAB = oV + n, oC = oAB + 2 * n, oAW = oC + n, oBW = oAW + n, oCW = oBW + n, oL = oCW + n;
  if (!k || n === 0 || !ensureWasmMemory(k.mem, (oL + n) * 4)) {
    remapCubic3Js(w, h, u, v, a, b, c, aw, bw, cw);
    return;
  }
  const f = new Float32Array(k.mem.buffer);
  f.set(CUBIC_TAB, T);
  f.set(u.subarray(0, n), oU);
  f.set(v.subarray(0, n), oV);
  for (let i = 0, j = oAB; i < n; i++, j += 2) { f[j] = a[i]; f[j + 1] = b[i]; }
  f.set(c.subarray(0, n), oC);
  const cnt = k.run(4 * oU, 4 * oV, 4 * oAB, 4 * oC, 4 * oAW, 4 * oBW, 4 * oCW, 4 * oL, 4 * T, w, h);
  aw.set(f.subarray(oAW, oAW + n));
  bw.set(f.subarray(oBW, oBW + n));
  cw.set(f.subarray(oCW, oCW + n));
  const list = new Int32Array(k.mem.buffer, 4 * oL, cnt);
  for (let t = 0; t < cnt; t++) {
    const y = Math.floor(list[t] / w);
    remapPixel(list[t] - y * w, y, w, h, u, v, a, b, c, aw, bw, cw);
  }
}
