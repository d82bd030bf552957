/**
 * Face alignment: a similarity transform (rotation, uniform scale,
 * translation) that levels the eyes, scales the inter-ocular distance to a
 * fixed share of the output, and crops a square of `size` pixels with a
 * margin around the face. Compute it ONCE per clip (from the onset frame's
 * landmarks) and apply the same transform to every frame, so the facial
 * motion between frames is preserved (per-frame alignment would cancel it).
 *
 * Geometry of the output (size S, margin m):
 * - the eye midpoint lands at (S/2, EYE_ROW·S);
 * - the inter-ocular distance becomes IOD_SHARE·S/(1 + 2m), i.e. the face
 *   (≈ FACE_WIDTH_IOD inter-ocular distances wide) fills the width minus a
 *   margin of m face widths on each side.
 * The transform maps OUTPUT pixel (x, y) to INPUT pixel coordinates:
 *   xi = a·x − b·y + tx,  yi = b·x + a·y + ty
 * (pixel centres at integers), sampled bilinearly with edge clamping.
 */
import type { Image } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { eyeCentres } from './landmarks.ts';

export interface AlignOptions {
  /** output side, pixels; default 128 (flow-svm's frameSize) */
  size?: number;
  /** margin around the face, in face widths per side; default 0.1 */
  margin?: number;
}

export interface AlignTransform {
  /** output → input: xi = a·x − b·y + tx, yi = b·x + a·y + ty */
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
  /** output side */
  readonly size: number;
}

/** a frontal face spans about 2.5 inter-ocular distances from ear to ear (jaw landmarks 0–16) */
export const FACE_WIDTH_IOD = 2.5;
/** share of the output width taken by the inter-ocular distance when margin = 0 */
const IOD_SHARE = 1 / FACE_WIDTH_IOD;
/** the eyes sit at this fraction of the height (brows and forehead above, chin below) */
export const EYE_ROW = 0.4;

export function alignTransform(landmarks: ArrayLike<number>, opts: AlignOptions = {}): AlignTransform {
  const size = opts.size ?? 128;
  const margin = opts.margin ?? 0.1;
  if (!(Number.isInteger(size) && size >= 8)) throw new MerError('BAD_OPTION', `align size ${size}`, { expected: 'an integer ≥ 8' });
  if (!(margin > -0.5 && margin < 2)) throw new MerError('BAD_OPTION', `align margin ${margin}`, { expected: 'a number in (−0.5, 2): negative crops inside the face' });
  const { right, left } = eyeCentres(landmarks);
  const dx = left.x - right.x;
  const dy = left.y - right.y;
  const iod = Math.hypot(dx, dy);
  if (!(iod > 0)) throw new MerError('BAD_INPUT', 'landmarks give zero inter-ocular distance', { expected: 'a detected face' });
  const outIod = (IOD_SHARE * size) / (1 + 2 * margin);
  const s = iod / outIod; // input pixels per output pixel
  const cos = dx / iod;
  const sin = dy / iod;
  const a = s * cos;
  const b = s * sin;
  const cx = (right.x + left.x) / 2;
  const cy = (right.y + left.y) / 2;
  const ox = (size - 1) / 2;
  const oy = EYE_ROW * (size - 1);
  return { a, b, tx: cx - (a * ox - b * oy), ty: cy - (b * ox + a * oy), size };
}

/** Apply an alignment transform to an image (any channel count): size×size output. */
export function applyAlign(img: Image, T: AlignTransform): Image {
  const { width: W, height: H, channels: C, data } = img;
  const S = T.size;
  const out = new Float32Array(S * S * C);
  const n = W * H;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let xi = T.a * x - T.b * y + T.tx;
      let yi = T.b * x + T.a * y + T.ty;
      xi = xi < 0 ? 0 : xi > W - 1 ? W - 1 : xi;
      yi = yi < 0 ? 0 : yi > H - 1 ? H - 1 : yi;
      const x0 = Math.floor(xi);
      const y0 = Math.floor(yi);
      const x1 = x0 + 1 < W ? x0 + 1 : x0;
      const y1 = y0 + 1 < H ? y0 + 1 : y0;
      const fx = xi - x0;
      const fy = yi - y0;
      for (let c = 0; c < C; c++) {
        const o = c * n;
        const v =
          (1 - fy) * ((1 - fx) * data[o + y0 * W + x0] + fx * data[o + y0 * W + x1]) + fy * ((1 - fx) * data[o + y1 * W + x0] + fx * data[o + y1 * W + x1]);
        out[c * S * S + y * S + x] = v;
      }
    }
  }
  return { width: S, height: S, channels: C, data: out };
}

/** Landmarks (input coordinates) mapped into the aligned output's coordinates. */
export function alignLandmarks(landmarks: ArrayLike<number>, T: AlignTransform): Float32Array {
  const det = T.a * T.a + T.b * T.b;
  const out = new Float32Array(landmarks.length);
  for (let i = 0; i < landmarks.length; i += 2) {
    const dx = landmarks[i] - T.tx;
    const dy = landmarks[i + 1] - T.ty;
    // inverse of [[a, −b], [b, a]] is [[a, b], [−b, a]] / (a² + b²)
    out[i] = (T.a * dx + T.b * dy) / det;
    out[i + 1] = (-T.b * dx + T.a * dy) / det;
  }
  return out;
}

/** Scale a transform computed on a downscaled image (factor = full / small) to the full-resolution image. */
export function scaleTransform(T: AlignTransform, factor: number): AlignTransform {
  // input pixel centres: full = (small + 0.5)·factor − 0.5
  return { a: T.a * factor, b: T.b * factor, tx: (T.tx + 0.5) * factor - 0.5, ty: (T.ty + 0.5) * factor - 0.5, size: T.size };
}

/** Align a face: transform from its landmarks, applied to the image. */
export function alignFace(img: Image, landmarks: ArrayLike<number>, opts: AlignOptions = {}): { image: Image; transform: AlignTransform; landmarks: Float32Array } {
  const transform = alignTransform(landmarks, opts);
  return { image: applyAlign(img, transform), transform, landmarks: alignLandmarks(landmarks, transform) };
}

/**
 * The transform that re-crops an image aligned with `current` as if it had
 * been aligned with `target` (both from the same source frame geometry):
 * current⁻¹ ∘ target, itself a similarity. Applied with `applyAlign` to a
 * crop made with `current`, it gives the crop `target` would have made
 * (resampled twice; pixels `current` did not cover are edge-clamped).
 */
export function relativeTransform(target: AlignTransform, current: AlignTransform): AlignTransform {
  const d = current.a * current.a + current.b * current.b;
  const dx = target.tx - current.tx;
  const dy = target.ty - current.ty;
  // rotation/scale: (a_t + i·b_t) / (a_c + i·b_c); translation: M_c⁻¹ (t_t − t_c)
  return {
    a: (target.a * current.a + target.b * current.b) / d,
    b: (target.b * current.a - target.a * current.b) / d,
    tx: (current.a * dx + current.b * dy) / d,
    ty: (-current.b * dx + current.a * dy) / d,
    size: target.size,
  };
}
