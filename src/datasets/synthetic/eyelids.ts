/**
 * Synthetic eye blinks: the upper eyelid sliding down over the eye, as a
 * displacement field for the renderer's backward warp (render.ts:
 * frame(x) = I(x − d(x))).
 *
 * For one eye with upper lid line y_up, lower lid line y_low and opening
 * h = y_low − y_up (from its six landmarks), full closure maps the band
 * [y_up − h, y_low] onto the lid skin [y_up − h, y_up] above the eye:
 * every pixel of the eye then shows stretched lid skin and, at the bottom,
 * the lid's lash line — the look of a closed eye. Below y_low the
 * displacement falls back to zero over h/2 (the lower lid stays); across,
 * it is 1 over the eye's width and falls to 0 over a quarter width beyond
 * each corner (smoothstep). The renderer scales the field by the event's
 * raised-cosine profile, so the lid closes and reopens smoothly.
 */
import { makeFlow, type FlowField } from '../../core/image.ts';
import { checkLandmarks } from '../../face/landmarks.ts';

/** One eye's lid geometry, output pixels (pixel centres at integers). */
export interface Eyelid {
  /** eye corners' x */
  x0: number;
  x1: number;
  /** upper and lower lid lines at the eye's middle */
  yUp: number;
  yLow: number;
}

/** horizontal fall-off beyond each corner, in eye widths */
const SIDE_FALLOFF = 0.25;
/** below the lower lid the displacement vanishes over this many openings */
const BELOW_FALLOFF = 0.5;
/** an opening smaller than this share of the eye width is widened to it (a nearly closed eye in the photo still blinks visibly) */
const MIN_OPENING = 0.22;

/** The two eyes' lids of a face from its 68 landmarks (iBUG: 36–41 right eye, 42–47 left eye). */
export function eyelidsOf(lm: ArrayLike<number>): Eyelid[] {
  checkLandmarks(lm);
  return [36, 42].map((o) => {
    const x0 = Math.min(lm[2 * o], lm[2 * (o + 3)]);
    const x1 = Math.max(lm[2 * o], lm[2 * (o + 3)]);
    const up = 0.5 * (lm[2 * (o + 1) + 1] + lm[2 * (o + 2) + 1]);
    const low = 0.5 * (lm[2 * (o + 4) + 1] + lm[2 * (o + 5) + 1]);
    const mid = 0.5 * (up + low);
    const h = Math.max(low - up, MIN_OPENING * (x1 - x0));
    return { x0, x1, yUp: mid - h / 2, yLow: mid + h / 2 };
  });
}

const smooth = (t: number) => (t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t));

/**
 * The full-closure displacement (d pointing down, pixels) of some eyelids on
 * a width × height grid, `scale`× finer when scale > 1 (values then in fine
 * pixels, as evalBumps).
 */
export function eyelidField(lids: readonly Eyelid[], width: number, height: number, scale = 1): FlowField {
  const W = Math.round(width * scale);
  const H = Math.round(height * scale);
  const f = makeFlow(W, H);
  for (const e of lids) {
    const h = e.yLow - e.yUp;
    const w = e.x1 - e.x0;
    const top = e.yUp - h;
    const bottom = e.yLow + BELOW_FALLOFF * h;
    const side = SIDE_FALLOFF * w;
    const j0 = Math.max(0, Math.floor((top + 0.5) * scale - 0.5));
    const j1 = Math.min(H - 1, Math.ceil((bottom + 0.5) * scale - 0.5));
    const i0 = Math.max(0, Math.floor((e.x0 - side + 0.5) * scale - 0.5));
    const i1 = Math.min(W - 1, Math.ceil((e.x1 + side + 0.5) * scale - 0.5));
    for (let j = j0; j <= j1; j++) {
      const y = (j + 0.5) / scale - 0.5;
      // [top, yLow] → [top, yUp]: d = (y − top)·(1 − h/2h) = (y − top)/2; below yLow back to 0
      const dv = y < top ? 0 : y <= e.yLow ? 0.5 * (y - top) : y < bottom ? h * (1 - (y - e.yLow) / (bottom - e.yLow)) : 0;
      if (dv === 0) continue;
      for (let i = i0; i <= i1; i++) {
        const x = (i + 0.5) / scale - 0.5;
        const g = x < e.x0 ? smooth(1 - (e.x0 - x) / side) : x > e.x1 ? smooth(1 - (x - e.x1) / side) : 1;
        if (g > 0) f.v[j * W + i] += dv * g * scale;
      }
    }
  }
  return f;
}
