/**
 * Training-batch augmentation of NHWC images in [0, 1] (src/nets/train.ts
 * `augment`), as torchvision's transforms in EMR's authors' code do it
 * (Train/main.py): Resize(256) → RandomRotation(10) → ColorJitter(0.2, 0.2,
 * 0.2, 0.2) → RandomCrop(224). For a side S that is: enlarge by `cropScale`
 * (256/224), rotate by θ ~ U(−maxDeg, maxDeg) about the centre (outside →
 * 0, torchvision's fill), crop S×S at a random integer offset, and jitter
 * brightness, contrast, saturation and hue in a random order (torchvision
 * draws the order per image). Geometry is one inverse mapping with bilinear
 * sampling. Every random number comes from the step's Rng: deterministic.
 * Applied to training batches only; validation and prediction never see it.
 */
import type { Rng } from '../core/rng.ts';
import type { Augment } from './train.ts';

export interface FlowAugmentOptions {
  /** largest rotation, degrees (authors: 10) */
  maxDeg: number;
  /** enlargement before the random crop back to the input side (authors: 256 / 224) */
  cropScale: number;
  /** brightness, contrast and saturation factors in [1 − j, 1 + j], hue shift in [−j, j] of a turn (authors: 0.2) */
  jitter: number;
}

export const EMR_AUGMENT: FlowAugmentOptions = { maxDeg: 10, cropScale: 256 / 224, jitter: 0.2 };

function bilinear(src: Float32Array, S: number, C: number, x: number, y: number, c: number): number {
  if (x < -0.5 || y < -0.5 || x > S - 0.5 || y > S - 0.5) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= S || yy >= S ? 0 : src[(yy * S + xx) * C + c]);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

/** Rotate + enlarge + crop one S×S×C image (inverse mapping onto the source). */
export function rotateScaleCrop(src: Float32Array, S: number, C: number, deg: number, scale: number, ox: number, oy: number): Float32Array {
  const out = new Float32Array(S * S * C);
  const B = S * scale;
  const cb = B / 2;
  const th = (deg * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      // centre of the output pixel in the enlarged, rotated image
      const bx = x + ox + 0.5 - cb;
      const by = y + oy + 0.5 - cb;
      // undo the rotation (counter-clockwise by θ on screen), then the enlargement
      const ux = cos * bx - sin * by + cb;
      const uy = sin * bx + cos * by + cb;
      const sx = ux / scale - 0.5;
      const sy = uy / scale - 0.5;
      for (let c = 0; c < C; c++) out[(y * S + x) * C + c] = bilinear(src, S, C, sx, sy, c);
    }
  }
  return out;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
/** ITU-R 601 luma, torchvision's rgb_to_grayscale */
const gray = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const mx = Math.max(r, g, b);
  const mn = Math.min(r, g, b);
  const d = mx - mn;
  let h = 0;
  if (d > 0) {
    if (mx === r) h = ((g - b) / d) % 6;
    else if (mx === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h /= 6;
    if (h < 0) h += 1;
  }
  return [h, mx === 0 ? 0 : d / mx, mx];
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** torchvision ColorJitter on one RGB image (S·S·3, in place): the four adjustments in `order`. */
export function colorJitter(img: Float32Array, order: readonly number[], b: number, c: number, s: number, h: number): void {
  const n = img.length / 3;
  for (const op of order) {
    if (op === 0) for (let i = 0; i < img.length; i++) img[i] = clamp01(img[i] * b);
    else if (op === 1) {
      let m = 0;
      for (let i = 0; i < n; i++) m += gray(img[3 * i], img[3 * i + 1], img[3 * i + 2]);
      m /= n;
      for (let i = 0; i < img.length; i++) img[i] = clamp01((img[i] - m) * c + m);
    } else if (op === 2) {
      for (let i = 0; i < n; i++) {
        const g = gray(img[3 * i], img[3 * i + 1], img[3 * i + 2]);
        for (let k = 0; k < 3; k++) img[3 * i + k] = clamp01(g + s * (img[3 * i + k] - g));
      }
    } else {
      for (let i = 0; i < n; i++) {
        const [hh, ss, vv] = rgbToHsv(img[3 * i], img[3 * i + 1], img[3 * i + 2]);
        const [r, g, bb] = hsvToRgb((((hh + h) % 1) + 1) % 1, ss, vv);
        img[3 * i] = r;
        img[3 * i + 1] = g;
        img[3 * i + 2] = bb;
      }
    }
  }
}

/** The augmentation of EMR's authors for square RGB flow images (see the header). */
export function flowAugment(o: FlowAugmentOptions = EMR_AUGMENT): Augment {
  return (x, n, shape, rng: Rng) => {
    const [S, W, C] = shape;
    if (S !== W) throw new Error(`flowAugment needs square images, got ${S}×${W}`);
    const per = S * S * C;
    const out = new Float32Array(x.length);
    const slack = Math.max(0, Math.floor(S * o.cropScale) - S);
    for (let i = 0; i < n; i++) {
      const deg = rng.uniform(-o.maxDeg, o.maxDeg);
      const ox = rng.int(slack + 1);
      const oy = rng.int(slack + 1);
      const img = rotateScaleCrop(x.subarray(i * per, (i + 1) * per), S, C, deg, o.cropScale, ox, oy);
      if (C === 3 && o.jitter > 0) {
        const order = [0, 1, 2, 3];
        for (let k = 3; k > 0; k--) {
          const j = rng.int(k + 1);
          [order[k], order[j]] = [order[j], order[k]];
        }
        colorJitter(img, order, rng.uniform(1 - o.jitter, 1 + o.jitter), rng.uniform(1 - o.jitter, 1 + o.jitter), rng.uniform(1 - o.jitter, 1 + o.jitter), rng.uniform(-o.jitter, o.jitter));
      }
      out.set(img, i * per);
    }
    return out;
  };
}
