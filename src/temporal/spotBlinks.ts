/**
 * Spotting that tells eye blinks from micro-expressions.
 *
 * A blink is the fastest, largest movement of a face and the most common
 * one; the spotter (spot.ts) sees it as a strong, short interval in the eye
 * blocks, and would call it a micro-expression. Here:
 *
 * 1. spot as usual (all facial ROI blocks, eyes included);
 * 2. for every spotted interval, the eye aspect ratio (face/blink.ts) of the
 *    frames around it, from the 68 landmarks of each aligned face crop
 *    (`ear(t)`, computed lazily: only frames near a spotted interval);
 *    an EAR dip that drops and recovers within ≈ 0.1–0.5 s and overlaps the
 *    interval is a blink;
 * 3. the eye blocks are frozen over each blink (their pixels replaced by a
 *    linear blend of the frames just before and after it) and spotting runs
 *    again: motion the blink explained is gone, and the blink no longer
 *    lifts the adaptive threshold (mean + p·(max − mean)) over the weaker
 *    expressions elsewhere; repeated while new intervals reveal new blinks.
 *
 * The result holds the expressions found with the blinks frozen, and every
 * blink found, as its own interval. An expression during a blink (the mouth
 * moving while the eyes blink) is kept: only the eye blocks are frozen, and
 * only during the blink.
 *
 * Why not mask the eye blocks always, as many MEGC spotting methods do:
 * the eyes carry expressions too (AU5 upper lid raiser in surprise, AU6/AU7
 * in happiness and anger), and the 6×6 grid's eye blocks hold the inner
 * brows (AU1/AU4); a permanent mask loses them (bench:analyze compares both:
 * `blinks: 'mask-eyes'`).
 */
import type { Volume } from '../core/image.ts';
import { detectBlinks, type Blink, type BlinkOptions } from '../face/blink.ts';
import { spotIntervals, type SpotOptions, type SpotResult, type SpottedInterval } from './spot.ts';

export interface BlinkSpotOptions {
  /** blocks (of opts.grid) that hold the eyes */
  eyeBlocks: readonly number[];
  /** EAR of frame t (NaN when unknown); called at most once per frame */
  ear: (t: number) => Promise<number>;
  /** seconds of context on each side of a spotted interval where the EAR is read; default BLINK_CONTEXT_SECONDS */
  contextSeconds?: number;
  /** blink detector settings (fps comes from the spotting options) */
  blink?: Omit<BlinkOptions, 'fps'>;
}

export interface SpottedBlink extends Blink {
  /** the spotted interval the blink explained (frames), or the dip itself when no interval held it */
  interval: { onset: number; apex: number; offset: number; score: number };
}

/**
 * EAR context around an interval: 0.4 s on each side holds the open-eye
 * level before and after a blink (blinks last ≤ 0.4 s, so the median of the
 * window is an open-eye frame)
 */
export const BLINK_CONTEXT_SECONDS = 0.4;
/** rounds of freeze-and-spot-again (each may reveal intervals the blinks had hidden under the threshold) */
const MAX_ROUNDS = 3;
/** frames added around a blink's span when freezing (the lids start moving a frame before the dip shows) */
const FREEZE_PAD = 1;
/**
 * a spotted interval up to this long (seconds) that holds a blink is the
 * blink's own interval (a blink lasts ≤ 0.4 s; the spotter's boundaries add
 * a little) and is joined to it; a longer one holds more than the blink (an
 * expression, or several events merged) and is left out of its bounds
 */
const BLINK_INTERVAL_SECONDS = 0.5;
/** frames added to each side of a dip (the blink's half-depth core) to reach the lids' first and last movement */
const DIP_TO_BLINK = 2;

/** [x0, x1) × [y0, y1) pixel rectangles of blocks of a grid over a W×H image (the block partition of spotFeatures.ts) */
export function blockRects(blocks: readonly number[], grid: number, W: number, H: number): { x0: number; x1: number; y0: number; y1: number }[] {
  return blocks.map((b) => {
    const by = Math.floor(b / grid);
    const bx = b % grid;
    return { x0: Math.floor((bx * W) / grid), x1: Math.floor(((bx + 1) * W) / grid), y0: Math.floor((by * H) / grid), y1: Math.floor(((by + 1) * H) / grid) };
  });
}

/**
 * Replace, in place, the pixels of some rectangles over frame spans
 * [s, e] by a linear blend of frames s − 1 and e + 1 (spans clamped inside
 * the video); returns a function that restores the original pixels.
 */
export function freezeRegions(vol: Volume, rects: ReturnType<typeof blockRects>, spans: readonly (readonly [number, number])[]): () => void {
  const { width: W, height: H, frames: T, data } = vol;
  const n = W * H;
  const saved: { t: number; i: number; v: number }[] = [];
  for (const [s0, e0] of spans) {
    const s = Math.max(1, s0);
    const e = Math.min(T - 2, e0);
    if (e < s) continue;
    for (let t = s; t <= e; t++) {
      const w = (t - s + 1) / (e - s + 2);
      for (const r of rects) {
        for (let y = r.y0; y < r.y1; y++) {
          for (let x = r.x0; x < r.x1; x++) {
            const i = y * W + x;
            saved.push({ t, i, v: data[t * n + i] });
            data[t * n + i] = (1 - w) * data[(s - 1) * n + i] + w * data[(e + 1) * n + i];
          }
        }
      }
    }
  }
  return () => {
    for (let k = saved.length - 1; k >= 0; k--) data[saved[k].t * n + saved[k].i] = saved[k].v;
  };
}

const overlaps = (a: { onset: number; offset: number }, b: { onset: number; offset: number }) => a.onset <= b.offset && b.onset <= a.offset;

/** Spot intervals and blinks (see the module comment). */
export async function spotWithBlinks(vol: Volume, spot: SpotOptions, opts: BlinkSpotOptions): Promise<{ result: SpotResult; blinks: SpottedBlink[]; earFrames: number }> {
  const T = vol.frames;
  const ctx = Math.max(1, Math.round((opts.contextSeconds ?? BLINK_CONTEXT_SECONDS) * spot.fps));
  const ears = new Float64Array(T).fill(NaN);
  const known = new Uint8Array(T);
  let earFrames = 0;
  const blinks: SpottedBlink[] = [];
  const checked = new Set<string>();
  let result = spotIntervals(vol, spot);
  if (opts.eyeBlocks.length === 0) return { result, blinks, earFrames };
  const rects = blockRects(opts.eyeBlocks, spot.grid ?? 6, vol.width, vol.height);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let added = false;
    for (const iv of result.intervals as SpottedInterval[]) {
      const key = `${iv.onset}:${iv.offset}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const a = Math.max(0, iv.onset - ctx);
      const b = Math.min(T - 1, iv.offset + ctx);
      for (let t = a; t <= b; t++) {
        if (known[t]) continue;
        ears[t] = await opts.ear(t);
        known[t] = 1;
        earFrames++;
      }
      // every dip inside the interval or just beside it (the spotter's boundaries are approximate: a blink between two
      // intervals is framed by neither; a long interval can hold several blinks)
      const dips = detectBlinks(ears.subarray(a, b + 1), { ...opts.blink, fps: spot.fps })
        .map((d) => ({ ...d, onset: d.onset + a, apex: d.apex + a, offset: d.offset + a }))
        .filter((d) => overlaps({ onset: d.onset - DIP_TO_BLINK, offset: d.offset + DIP_TO_BLINK }, iv) && !blinks.some((k) => d.apex >= k.interval.onset && d.apex <= k.interval.offset));
      for (const dip of dips) {
        // the whole blink: its dip widened to the lids' first and last movement, and the short interval that framed it
        const own = dips.length === 1 && iv.offset - iv.onset + 1 <= BLINK_INTERVAL_SECONDS * spot.fps;
        const onset = Math.max(0, Math.min(dip.onset - DIP_TO_BLINK, own ? iv.onset : Infinity));
        const offset = Math.min(T - 1, Math.max(dip.offset + DIP_TO_BLINK, own ? iv.offset : -Infinity));
        blinks.push({ ...dip, interval: { onset, apex: dip.apex, offset, score: iv.score } });
        added = true;
      }
    }
    if (!added) break;
    const restore = freezeRegions(
      vol,
      rects,
      blinks.map((b) => [b.interval.onset - FREEZE_PAD, b.interval.offset + FREEZE_PAD] as const),
    );
    try {
      result = spotIntervals(vol, spot);
    } finally {
      restore();
    }
  }
  blinks.sort((x, y) => x.onset - y.onset);
  return { result, blinks, earFrames };
}
