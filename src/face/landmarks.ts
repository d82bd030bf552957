/**
 * Helpers over the iBUG 68-point landmarks (interleaved x, y; see detect.ts):
 * eye centres, bounding box, and the facial regions of interest used by
 * spotting (brows, eyes, nose, mouth).
 */
import { MerError } from '../core/errors.ts';

export const LANDMARK_COUNT = 68;

/** index ranges (inclusive start, exclusive end) of the iBUG 68 layout */
export const LANDMARK_REGIONS = {
  jaw: [0, 17],
  rightBrow: [17, 22],
  leftBrow: [22, 27],
  nose: [27, 36],
  rightEye: [36, 42],
  leftEye: [42, 48],
  mouth: [48, 68],
} as const satisfies Record<string, readonly [number, number]>;

export type LandmarkRegion = keyof typeof LANDMARK_REGIONS;

/** the regions where micro-expressions move skin (AUs 1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, …) */
export const EXPRESSIVE_REGIONS: readonly LandmarkRegion[] = ['rightBrow', 'leftBrow', 'rightEye', 'leftEye', 'nose', 'mouth'];

export function checkLandmarks(lm: ArrayLike<number>, what = 'landmarks'): void {
  if (lm.length !== 2 * LANDMARK_COUNT) throw new MerError('BAD_INPUT', `${what} have ${lm.length} values`, { expected: `${2 * LANDMARK_COUNT} (68 × x, y)` });
}

function meanOf(lm: ArrayLike<number>, [a, b]: readonly [number, number]): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (let i = a; i < b; i++) {
    x += lm[2 * i];
    y += lm[2 * i + 1];
  }
  return { x: x / (b - a), y: y / (b - a) };
}

/** Centres of the subject's right eye (image left) and left eye (image right). */
export function eyeCentres(lm: ArrayLike<number>): { right: { x: number; y: number }; left: { x: number; y: number } } {
  checkLandmarks(lm);
  return { right: meanOf(lm, LANDMARK_REGIONS.rightEye), left: meanOf(lm, LANDMARK_REGIONS.leftEye) };
}

export function interOcularDistance(lm: ArrayLike<number>): number {
  const { right, left } = eyeCentres(lm);
  return Math.hypot(left.x - right.x, left.y - right.y);
}

export function landmarkBox(lm: ArrayLike<number>): { x: number; y: number; width: number; height: number } {
  checkLandmarks(lm);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    x0 = Math.min(x0, lm[2 * i]);
    x1 = Math.max(x1, lm[2 * i]);
    y0 = Math.min(y0, lm[2 * i + 1]);
    y1 = Math.max(y1, lm[2 * i + 1]);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Blocks of a grid×grid partition of a width×height image that contain a
 * landmark of the given regions (row-major indices, ascending): the facial
 * ROIs of spotting, in the coordinates of the (aligned) image.
 */
export function roiBlocks(lm: ArrayLike<number>, width: number, height: number, grid: number, regions: readonly LandmarkRegion[] = EXPRESSIVE_REGIONS): number[] {
  checkLandmarks(lm);
  const set = new Set<number>();
  for (const r of regions) {
    const [a, b] = LANDMARK_REGIONS[r];
    for (let i = a; i < b; i++) {
      const bx = Math.floor((lm[2 * i] / width) * grid);
      const by = Math.floor((lm[2 * i + 1] / height) * grid);
      if (bx >= 0 && bx < grid && by >= 0 && by < grid) set.add(by * grid + bx);
    }
  }
  return [...set].sort((p, q) => p - q);
}
