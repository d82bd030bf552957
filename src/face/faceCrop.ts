/**
 * Landmark alignment of images that are already face crops (CK+48 faces,
 * the dev set's apex faces, database face crops): no detector — the whole
 * image is the face box — then the 68 landmarks (face-api's landmark net)
 * and the similarity alignment of align.ts. Two crops framed differently by
 * their databases come out framed the same way: the eyes level, at the same
 * height, the same inter-ocular distance. TLCNN uses it so that its CK+
 * pre-training faces and the micro-expression faces it fine-tunes on look
 * alike (transfer only helps when they do).
 */
import type { Image } from '../core/image.ts';
import { resizeImage } from '../core/resize.ts';
import { alignTransform, applyAlign, type AlignOptions, type AlignTransform } from './align.ts';
import { landmarksInBox } from './detect.ts';

/** side a face crop is resized to before the landmark net (which runs at 112): small crops (CK+ 48 px) are upsampled first */
export const LANDMARK_INPUT_SIDE = 160;

const BYTE = 255;

/** The alignment transform of a gray face crop, in the crop's own pixel coordinates. */
export async function faceCropTransform(gray: Image, opts: AlignOptions): Promise<AlignTransform> {
  const side = LANDMARK_INPUT_SIDE;
  const big = resizeImage(gray, side, side);
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = Math.round(Math.min(1, Math.max(0, big.data[i])) * BYTE);
  const lm = await landmarksInBox({ width: side, height: side, data: rgb }, { x: 0, y: 0, width: side, height: side });
  // landmarks of the resized crop → the crop's own coordinates
  for (let i = 0; i < lm.length; i += 2) {
    lm[i] *= gray.width / side;
    lm[i + 1] *= gray.height / side;
  }
  return alignTransform(lm, opts);
}

/**
 * Output pixels are sampled at this many times the output side and
 * area-averaged down: a 224-px crop aligned to 48 px would otherwise be
 * point-sampled every ≈ 4 source pixels (aliasing).
 */
const SUPERSAMPLE = 4;

/** The transform T with a k× finer output grid: output pixel x' of the big grid is x = (x' + 0.5)/k − 0.5 of T's. */
export function supersampledTransform(T: AlignTransform, k: number): AlignTransform {
  const o = 0.5 / k - 0.5;
  return { a: T.a / k, b: T.b / k, tx: T.tx + (T.a - T.b) * o, ty: T.ty + (T.b + T.a) * o, size: T.size * k };
}

/** Apply a transform made for `size` with SUPERSAMPLE× sampling, area-averaged to size × size. */
export function alignAntialiased(img: Image, T: AlignTransform): Image {
  const big = applyAlign(img, supersampledTransform(T, SUPERSAMPLE));
  return resizeImage(big, T.size, T.size, { method: 'area' });
}

/** A gray face crop aligned by its own landmarks (size × size, gray). */
export async function alignFaceCrop(gray: Image, opts: AlignOptions): Promise<Image> {
  return alignAntialiased(gray, await faceCropTransform(gray, opts));
}
