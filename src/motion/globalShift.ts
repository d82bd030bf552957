/**
 * Global (head) translation between two frames by iterative Lucas–Kanade on
 * the whole image, and a warp that removes it. Used to register frames to the
 * onset before apex spotting, so slow head drift is not mistaken for the
 * expression (databases ship aligned crops; a person's own video does not).
 */
import type { Image } from '../core/image.ts';

export interface GlobalShiftOptions {
  /** Gauss–Newton iterations (each is one pass over the image) */
  iterations?: number;
  /** stop when the update is below this many pixels */
  tolerance?: number;
  /** pixels ignored at each border (warped samples there are unreliable) */
  border?: number;
}

const DEFAULT_ITERATIONS = 10;
/** 1/1000 px: far below what matters for spotting */
const DEFAULT_TOLERANCE = 1e-3;
const DEFAULT_BORDER = 4;

/** Bilinear sample with edge clamping. */
function sample(d: Float32Array, w: number, h: number, x: number, y: number): number {
  const xc = Math.min(Math.max(x, 0), w - 1);
  const yc = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.min(Math.floor(xc), w - 2 < 0 ? 0 : w - 2);
  const y0 = Math.min(Math.floor(yc), h - 2 < 0 ? 0 : h - 2);
  const fx = xc - x0, fy = yc - y0;
  const x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  const a = d[y0 * w + x0], b = d[y0 * w + x1], c = d[y1 * w + x0], e = d[y1 * w + x1];
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + e * fx) * fy;
}

/**
 * The translation (dx, dy) such that img(x + dx, y + dy) ≈ ref(x, y), i.e. the
 * content of `ref` moved by (dx, dy) in `img`. Gray images of equal size.
 */
export function globalShift(ref: Image, img: Image, opts: GlobalShiftOptions = {}): { dx: number; dy: number } {
  const w = ref.width, h = ref.height;
  const iters = opts.iterations ?? DEFAULT_ITERATIONS;
  const tol = opts.tolerance ?? DEFAULT_TOLERANCE;
  const bd = Math.min(opts.border ?? DEFAULT_BORDER, Math.floor((Math.min(w, h) - 3) / 2));
  const r = ref.data, m = img.data;
  // gradients of the reference (inverse-compositional: computed once)
  let gxx = 0, gxy = 0, gyy = 0;
  const gx = new Float32Array(w * h), gy = new Float32Array(w * h);
  for (let y = bd; y < h - bd; y++) {
    for (let x = bd; x < w - bd; x++) {
      const i = y * w + x;
      const ix = 0.5 * (r[i + 1] - r[i - 1]);
      const iy = 0.5 * (r[i + w] - r[i - w]);
      gx[i] = ix; gy[i] = iy;
      gxx += ix * ix; gxy += ix * iy; gyy += iy * iy;
    }
  }
  const det = gxx * gyy - gxy * gxy;
  if (!(det > 1e-12)) return { dx: 0, dy: 0 };
  let dx = 0, dy = 0;
  for (let it = 0; it < iters; it++) {
    let bx = 0, by = 0;
    for (let y = bd; y < h - bd; y++) {
      for (let x = bd; x < w - bd; x++) {
        const i = y * w + x;
        const e = sample(m, w, h, x + dx, y + dy) - r[i];
        bx += gx[i] * e; by += gy[i] * e;
      }
    }
    const ux = (gyy * bx - gxy * by) / det;
    const uy = (gxx * by - gxy * bx) / det;
    dx -= ux; dy -= uy;
    if (Math.hypot(ux, uy) < tol) break;
  }
  return { dx, dy };
}

/** img resampled at (x + dx, y + dy): removes a shift found by globalShift. */
export function unshift(img: Image, dx: number, dy: number): Image {
  const w = img.width, h = img.height;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = sample(img.data, w, h, x + dx, y + dy);
  return { width: w, height: h, channels: 1, data: out };
}
