/**
 * Image resizing in pure TypeScript (no native code; runs in the browser too).
 *
 * Conventions follow OpenCV's cv::resize so that ports of Python pipelines
 * give the same numbers (up to float vs. 8-bit fixed-point rounding):
 * - 'bilinear' and 'bicubic' map pixel centres: src = (dst + 0.5) · scale − 0.5
 *   with scale = srcSize / dstSize; out-of-range taps are clamped to the edge
 *   (replicate). Bilinear at src < 0 or src > size−1 takes the edge pixel.
 *   Bicubic uses Keys' kernel with a = −0.75 (OpenCV's INTER_CUBIC).
 * - 'nearest' is OpenCV's INTER_NEAREST: src = floor(dst · scale).
 * - 'area' is INTER_AREA: when shrinking (scale ≥ 1 on both axes) every output
 *   pixel is the mean of the source area it covers, fractional pixels weighted
 *   by their overlap; when enlarging on either axis it is OpenCV's
 *   "area-bilinear": sx = floor(dst · scale), weight of sx+1 is
 *   frac((dst + 1) − (sx + 1) / scale) clipped at 0.
 * Default method: 'area' when neither dimension grows, else 'bilinear'.
 *
 * The filter is separable: rows are resampled first, then columns; each
 * output index has a short (source index, weight) table per axis.
 */
import { makeImage, makeVolume, type Image, type Volume } from './image.ts';

export type ResizeMethod = 'bilinear' | 'area' | 'bicubic' | 'nearest';

export interface ResizeOptions {
  /** interpolation; default 'area' for shrinking, 'bilinear' otherwise */
  method?: ResizeMethod;
}

/** OpenCV's INTER_CUBIC kernel parameter */
const CUBIC_A = -0.75;

/** per-output-index taps: idx/w of length dst·taps */
interface AxisTable {
  taps: number;
  idx: Int32Array;
  w: Float64Array;
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** Output d reads source s with weight 1 − a and s + 1 with weight a; at either edge it reads the edge pixel alone. */
function setTwoTaps(idx: Int32Array, w: Float64Array, d: number, s: number, a: number, src: number): void {
  if (s < 0) {
    s = 0;
    a = 0;
  }
  if (s >= src - 1) {
    s = src - 1;
    a = 0;
  }
  idx[2 * d] = s;
  idx[2 * d + 1] = clampIndex(s + 1, src);
  w[2 * d] = 1 - a;
  w[2 * d + 1] = a;
}

function cubicWeights(t: number): [number, number, number, number] {
  const A = CUBIC_A;
  const w0 = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
  const w1 = ((A + 2) * t - (A + 3)) * t * t + 1;
  const w2 = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
  return [w0, w1, w2, 1 - w0 - w1 - w2];
}

/** the weight table of one axis */
export function axisTable(method: ResizeMethod, src: number, dst: number, areaShrink: boolean): AxisTable {
  const scale = src / dst;
  if (method === 'nearest') {
    const idx = new Int32Array(dst);
    const w = new Float64Array(dst).fill(1);
    for (let d = 0; d < dst; d++) idx[d] = Math.min(Math.floor(d * scale), src - 1);
    return { taps: 1, idx, w };
  }
  if (method === 'area' && areaShrink) {
    // mean over [d·scale, (d+1)·scale)
    const taps = Math.ceil(scale) + 1;
    const idx = new Int32Array(dst * taps);
    const w = new Float64Array(dst * taps);
    for (let d = 0; d < dst; d++) {
      const x0 = d * scale;
      const x1 = Math.min((d + 1) * scale, src);
      let k = 0;
      for (let s = Math.floor(x0); s < x1 && k < taps; s++) {
        const overlap = Math.min(s + 1, x1) - Math.max(s, x0);
        if (overlap <= 1e-12) continue;
        idx[d * taps + k] = s;
        w[d * taps + k] = overlap / (x1 - x0);
        k++;
      }
      for (; k < taps; k++) idx[d * taps + k] = clampIndex(Math.floor(x0), src); // zero-weight padding
    }
    return { taps, idx, w };
  }
  if (method === 'area') {
    // OpenCV area-bilinear (used when enlarging)
    const idx = new Int32Array(dst * 2);
    const w = new Float64Array(dst * 2);
    const inv = dst / src;
    for (let d = 0; d < dst; d++) {
      const sx = Math.floor(d * scale);
      const fx = d + 1 - (sx + 1) * inv;
      setTwoTaps(idx, w, d, sx, fx <= 0 ? 0 : fx - Math.floor(fx), src);
    }
    return { taps: 2, idx, w };
  }
  if (method === 'bilinear') {
    const idx = new Int32Array(dst * 2);
    const w = new Float64Array(dst * 2);
    for (let d = 0; d < dst; d++) {
      const f = (d + 0.5) * scale - 0.5;
      const s = Math.floor(f);
      setTwoTaps(idx, w, d, s, f - s, src);
    }
    return { taps: 2, idx, w };
  }
  // bicubic
  const idx = new Int32Array(dst * 4);
  const w = new Float64Array(dst * 4);
  for (let d = 0; d < dst; d++) {
    const f = (d + 0.5) * scale - 0.5;
    const s = Math.floor(f);
    const ws = cubicWeights(f - s);
    for (let k = 0; k < 4; k++) {
      idx[4 * d + k] = clampIndex(s - 1 + k, src);
      w[4 * d + k] = ws[k];
    }
  }
  return { taps: 4, idx, w };
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`resize target ${width}×${height} must be positive integers`);
  }
}

function pickMethod(sw: number, sh: number, dw: number, dh: number, m?: ResizeMethod): ResizeMethod {
  return m ?? (dw <= sw && dh <= sh ? 'area' : 'bilinear');
}

/** Resample one H×W plane (src) into dst (dh×dw) with the given tables. */
function resizePlane(src: Float32Array, sw: number, sh: number, dst: Float32Array, dw: number, dh: number, tx: AxisTable, ty: AxisTable): void {
  // horizontal pass: sh × dw
  const tmp = new Float64Array(sh * dw);
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      for (let k = 0; k < tx.taps; k++) acc += src[row + tx.idx[x * tx.taps + k]] * tx.w[x * tx.taps + k];
      tmp[y * dw + x] = acc;
    }
  }
  // vertical pass
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      for (let k = 0; k < ty.taps; k++) acc += tmp[ty.idx[y * ty.taps + k] * dw + x] * ty.w[y * ty.taps + k];
      dst[y * dw + x] = acc;
    }
  }
}

/** `planes` planes of w × h (channels or frames, one after another) resized to width × height each. */
function resizePlanes(data: Float32Array, w: number, h: number, planes: number, width: number, height: number, method?: ResizeMethod): Float32Array {
  checkSize(width, height);
  const m = pickMethod(w, h, width, height, method);
  const shrink = width <= w && height <= h;
  const tx = axisTable(m, w, width, shrink);
  const ty = axisTable(m, h, height, shrink);
  const sn = w * h;
  const dn = width * height;
  const out = new Float32Array(dn * planes);
  for (let p = 0; p < planes; p++) {
    resizePlane(data.subarray(p * sn, (p + 1) * sn), w, h, out.subarray(p * dn, (p + 1) * dn), width, height, tx, ty);
  }
  return out;
}

/** Resize a gray or planar-RGB image to width × height; always returns a new Image. */
export function resizeImage(img: Image, width: number, height: number, opts: ResizeOptions = {}): Image {
  return makeImage(width, height, img.channels, resizePlanes(img.data, img.width, img.height, img.channels, width, height, opts.method));
}

/** Resize every frame of a volume to width × height (frame count unchanged). */
export function resizeVolume(vol: Volume, width: number, height: number, opts: ResizeOptions = {}): Volume {
  return makeVolume(vol.frames, height, width, resizePlanes(vol.data, vol.width, vol.height, vol.frames, width, height, opts.method));
}
