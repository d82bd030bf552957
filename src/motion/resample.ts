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
 */

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
export function remapCubic3(
  w: number, h: number,
  u: Float32Array, v: Float32Array,
  a: Float32Array, b: Float32Array, c: Float32Array,
  aw: Float32Array, bw: Float32Array, cw: Float32Array,
): void {
  const tab = CUBIC_TAB;
  const w1 = w - 3;
  const h1 = h - 3;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
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
  }
}
