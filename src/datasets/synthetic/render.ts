/**
 * Rendering synthetic micro-expression frames and their ground-truth flow.
 *
 * A clip is a neutral face plus expression *events*. Frame t is a backward warp
 *
 *   frame_t(x) = g_t · I(x − d_t(x)) + n_t(x),   d_t(x) = Σ_e p_e(t) · D_e(x) + h(t)
 *
 * where I is the face crop (sampled with Catmull-Rom bicubic interpolation on
 * a `supersample`× finer grid, then box-averaged down), D_e an event's
 * action-unit displacement field (pixels), p_e its onset→apex→offset
 * intensity profile (raised cosine), h(t) a slow global head drift, g_t a
 * brightness flicker gain and n_t Gaussian sensor noise. Everything random is
 * drawn from the caller's Rng, so a seed fixes every byte.
 *
 * Optionally (`wrinkles` > 0, off by default) the skin also *folds* where an
 * action unit compresses it, as FACS describes the AUs' appearance changes
 * (AU4's vertical lines between the brows, AU1+2's forehead lines, AU6's
 * crow's feet, AU9's nose wrinkles). The warped face is multiplied by
 * 1 − W_t(x), a pattern of dark lines
 *
 *   W_t(x) = wrinkles · Σ_e p_e(t) · min(1, s_e(x) / WRINKLE_FULL_STRAIN) · ½(1 + cos(2π n_e(x)·(x − d_t(x)) / λ))
 *
 * where s_e = max(0, −div D_e) is the compressive strain of the event's apex
 * field, n_e = D_e/|D_e| the direction the skin moves (the lines run across
 * it) and λ = WRINKLE_PERIOD_PX; the phase is taken in skin coordinates
 * x − d_t(x), so the lines travel with the skin. A warp alone moves texture
 * without changing it, so purely appearance-based frame descriptors (LTOGP
 * histograms) barely see it; wrinkles are the appearance change they were
 * designed for. Wrinkles change brightness, never the ground-truth flow.
 *
 * The same renderer serves the long-video mode (a neutral face for N frames
 * with events inserted at known times): pass several events.
 */
import { makeFlow, makeImage, type FlowField, type Image } from '../../core/image.ts';
import { MerError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { evalBumps, type Bump } from './actionUnits.ts';
import { eyelidField, type Eyelid } from './eyelids.ts';

/** A face ready to animate. */
export interface SyntheticFace {
  /** subject id, e.g. 'sub01' */
  readonly subject: string;
  /** source photo and face index in it (provenance) */
  readonly photo: string;
  readonly faceIndex: number;
  /** output side in pixels (frames are size×size) */
  readonly size: number;
  /** the crop is stored at size·supersample for sub-pixel accurate warping */
  readonly supersample: number;
  /** planar RGB in [0, 1], (size·supersample)² */
  readonly image: Image;
  /** 68 × (x, y) in output-pixel coordinates (pixel centres at integers) */
  readonly landmarks: Float32Array;
  /** the square cut from the photo, in photo pixels */
  readonly crop: { x: number; y: number; side: number };
}

/** One micro-expression inserted in a clip; frame numbers are 0-based indices. */
export interface ExpressionEvent {
  onset: number;
  apex: number;
  offset: number;
  /** action-unit bumps in output pixels, already scaled to the apex amplitude */
  bumps: readonly Bump[];
  /** eyelids that close fully at the apex (a blink; eyelids.ts) */
  eyelids?: readonly Eyelid[];
}

/** An event's apex displacement field on a size² grid, `scale`× finer (bumps + eyelids). */
export function eventField(ev: Pick<ExpressionEvent, 'bumps' | 'eyelids'>, size: number, scale: number): FlowField {
  const f = evalBumps(ev.bumps, size, size, 1, scale);
  if (ev.eyelids?.length) {
    const lid = eyelidField(ev.eyelids, size, size, scale);
    for (let i = 0; i < f.v.length; i++) f.v[i] += lid.v[i];
  }
  return f;
}

export interface RenderOptions {
  /** sd of Gaussian sensor noise, in [0,1] intensity units; default 0.006 (≈ 1.5/255) */
  noiseSd?: number;
  /** sd of the per-frame brightness gain around 1; default 0.004 */
  flicker?: number;
  /** largest head drift over the clip, pixels; default 0.3 */
  headMotionPx?: number;
  /** darkening of the wrinkle lines at full fold (fraction of the intensity, 0..1); default 0 = no wrinkles */
  wrinkles?: number;
}

export const RENDER_DEFAULTS: Required<RenderOptions> = { noiseSd: 0.006, flicker: 0.004, headMotionPx: 0.3, wrinkles: 0 };

/**
 * Period of the wrinkle lines, output pixels. Facial fine lines lie roughly
 * 2–4 mm apart; a face about 140 mm wide filling a 128 px crop is ≈ 0.9 px/mm,
 * so ≈ 3 px.
 */
export const WRINKLE_PERIOD_PX = 3;
/**
 * Compressive strain at which the skin is fully folded (W reaches `wrinkles`).
 * The synthetic AU fields at the default apex amplitudes (0.3–1.5 px) reach
 * peak strains of 0.03–0.35, median 0.10 (the largest −div of eventField(…, 1)
 * per clip, central differences, over the 120 clips of `merkit synth --seed 2
 * --subjects 12 --clips-per-class 2`), so the median micro-expression folds
 * fully at its most compressed point and faint ones show faint lines.
 */
export const WRINKLE_FULL_STRAIN = 0.1;

/** Where and how an event's field folds the skin: fold weight min(1, strain/full) and the motion direction, per pixel. */
export interface WrinkleMap {
  width: number;
  height: number;
  /** min(1, max(0, −div D) / WRINKLE_FULL_STRAIN), 0 where the skin is not compressed */
  weight: Float32Array;
  /** unit direction of D (0, 0 where D vanishes) */
  nx: Float32Array;
  ny: Float32Array;
}

/**
 * The fold map of one apex displacement field, on the field's own grid.
 * Strain is dimensionless, so a field on a finer grid (values in fine pixels)
 * gives the same weights; only the caller's line period scales with the grid.
 */
export function wrinkleMap(f: FlowField, fullStrain = WRINKLE_FULL_STRAIN): WrinkleMap {
  const { width: W, height: H, u, v } = f;
  const weight = new Float32Array(W * H);
  const nx = new Float32Array(W * H);
  const ny = new Float32Array(W * H);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const p = j * W + i;
      const il = i > 0 ? p - 1 : p, ir = i < W - 1 ? p + 1 : p;
      const ju = j > 0 ? p - W : p, jd = j < H - 1 ? p + W : p;
      // central differences inside, one-sided at the border (spans of 2 or 1 pixels)
      const dudx = (u[ir] - u[il]) / Math.max(1, ir - il);
      const dvdy = (v[jd] - v[ju]) / Math.max(1, (jd - ju) / W);
      const strain = -(dudx + dvdy);
      const m = Math.hypot(u[p], v[p]);
      if (strain > 0 && m > 0) {
        weight[p] = Math.min(1, strain / fullStrain);
        nx[p] = u[p] / m;
        ny[p] = v[p] / m;
      }
    }
  }
  return { width: W, height: H, weight, nx, ny };
}

/**
 * Darken `img` (any channels, the size of the maps) in place by the wrinkle
 * lines of frame t: img ·= 1 − depth · Σ_e p_e · weight_e · ½(1 + cos(2π n_e·(x − d)/period)).
 * `d` is the frame's backward displacement on the same grid; `period` in grid pixels.
 */
export function applyWrinkles(img: Image, maps: readonly WrinkleMap[], profile: readonly number[], d: FlowField, depth: number, period: number): void {
  const { width: W, height: H, channels: C } = img;
  const n = W * H;
  const k = (2 * Math.PI) / period;
  for (let e = 0; e < maps.length; e++) {
    const pe = profile[e];
    if (!(pe > 0)) continue;
    const m = maps[e];
    if (m.width !== W || m.height !== H) throw new MerError('INTERNAL', `wrinkles: map ${m.width}×${m.height} vs image ${W}×${H}`);
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const p = j * W + i;
        const w = m.weight[p];
        if (w === 0) continue;
        const phase = k * (m.nx[p] * (i - d.u[p]) + m.ny[p] * (j - d.v[p]));
        const g = 1 - depth * pe * w * 0.5 * (1 + Math.cos(phase));
        for (let c = 0; c < C; c++) img.data[c * n + p] *= g;
      }
    }
  }
}

export interface RenderedClip {
  /** planar RGB frames in [0, 1], size×size */
  frames: Image[];
  /** head translation per frame (pixels) */
  headX: Float64Array;
  headY: Float64Array;
  /** brightness gain per frame */
  gain: Float64Array;
}

/** Raised-cosine intensity: 0 before onset, rises to 1 at apex, falls to 0 at offset. */
export function intensityProfile(t: number, ev: Pick<ExpressionEvent, 'onset' | 'apex' | 'offset'>): number {
  if (t <= ev.onset || t >= ev.offset) return 0;
  if (t <= ev.apex) return 0.5 * (1 - Math.cos((Math.PI * (t - ev.onset)) / (ev.apex - ev.onset)));
  return 0.5 * (1 + Math.cos((Math.PI * (t - ev.apex)) / (ev.offset - ev.apex)));
}

/** Number of normal deviates pre-drawn per clip; noise samples index it with 16 random bits. */
const NOISE_TABLE = 65536;
/** A sway of this fraction of the drift rides on the linear head drift (a breathing-like wobble). */
const SWAY_FRACTION = 0.25;
/** sway period range, frames */
const SWAY_PERIOD: readonly [number, number] = [20, 60];

/** Head drift: linear in a random direction (total ≤ maxPx) plus a small sinusoidal sway. */
export function headPath(nFrames: number, maxPx: number, rng: Rng): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(nFrames);
  const y = new Float64Array(nFrames);
  const total = rng.uniform(0, maxPx) * (1 - SWAY_FRACTION);
  const ang = rng.uniform(0, 2 * Math.PI);
  const sway = maxPx * SWAY_FRACTION * rng.uniform(0, 1);
  const swayAng = rng.uniform(0, 2 * Math.PI);
  const period = rng.uniform(SWAY_PERIOD[0], SWAY_PERIOD[1]);
  const phase = rng.uniform(0, 2 * Math.PI);
  for (let t = 0; t < nFrames; t++) {
    const s = nFrames > 1 ? t / (nFrames - 1) : 0;
    const w = sway * (Math.sin((2 * Math.PI * t) / period + phase) - Math.sin(phase));
    x[t] = total * s * Math.cos(ang) + w * Math.cos(swayAng);
    y[t] = total * s * Math.sin(ang) + w * Math.sin(swayAng);
  }
  return { x, y };
}

/**
 * Backward warp: out(x) = src(x − d(x)), bicubic, edges clamped.
 * `d` must have the size of `src`; all channels are warped.
 */
export function warpBackward(src: Image, d: FlowField): Image {
  const { width: W, height: H, channels: C } = src;
  if (d.width !== W || d.height !== H) throw new MerError('INTERNAL', `warp: flow ${d.width}×${d.height} vs image ${W}×${H}`);
  const out = makeImage(W, H, C);
  const s = src.data;
  const o = out.data;
  const n = W * H;
  const du = d.u;
  const dv = d.v;
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const p = j * W + i;
      const sx = i - du[p];
      const sy = j - dv[p];
      const fx = Math.floor(sx);
      const fy = Math.floor(sy);
      // Catmull-Rom (Keys a = −0.5) weights, inlined
      const tx = sx - fx;
      const tx2 = tx * tx;
      const tx3 = tx2 * tx;
      const wx0 = -0.5 * tx3 + tx2 - 0.5 * tx;
      const wx1 = 1.5 * tx3 - 2.5 * tx2 + 1;
      const wx2 = -1.5 * tx3 + 2 * tx2 + 0.5 * tx;
      const wx3 = 0.5 * tx3 - 0.5 * tx2;
      const ty = sy - fy;
      const ty2 = ty * ty;
      const ty3 = ty2 * ty;
      const wy0 = -0.5 * ty3 + ty2 - 0.5 * ty;
      const wy1 = 1.5 * ty3 - 2.5 * ty2 + 1;
      const wy2 = -1.5 * ty3 + 2 * ty2 + 0.5 * ty;
      const wy3 = 0.5 * ty3 - 0.5 * ty2;
      // clamp-to-edge tap positions
      const x0 = fx - 1 < 0 ? 0 : fx - 1 >= W ? W - 1 : fx - 1;
      const x1 = fx < 0 ? 0 : fx >= W ? W - 1 : fx;
      const x2 = fx + 1 < 0 ? 0 : fx + 1 >= W ? W - 1 : fx + 1;
      const x3 = fx + 2 < 0 ? 0 : fx + 2 >= W ? W - 1 : fx + 2;
      const r0 = (fy - 1 < 0 ? 0 : fy - 1 >= H ? H - 1 : fy - 1) * W;
      const r1 = (fy < 0 ? 0 : fy >= H ? H - 1 : fy) * W;
      const r2 = (fy + 1 < 0 ? 0 : fy + 1 >= H ? H - 1 : fy + 1) * W;
      const r3 = (fy + 2 < 0 ? 0 : fy + 2 >= H ? H - 1 : fy + 2) * W;
      for (let c = 0, base = 0; c < C; c++, base += n) {
        const a0 = base + r0;
        const a1 = base + r1;
        const a2 = base + r2;
        const a3 = base + r3;
        o[base + p] =
          wy0 * (wx0 * s[a0 + x0] + wx1 * s[a0 + x1] + wx2 * s[a0 + x2] + wx3 * s[a0 + x3]) +
          wy1 * (wx0 * s[a1 + x0] + wx1 * s[a1 + x1] + wx2 * s[a1 + x2] + wx3 * s[a1 + x3]) +
          wy2 * (wx0 * s[a2 + x0] + wx1 * s[a2 + x1] + wx2 * s[a2 + x2] + wx3 * s[a2 + x3]) +
          wy3 * (wx0 * s[a3 + x0] + wx1 * s[a3 + x1] + wx2 * s[a3 + x2] + wx3 * s[a3 + x3]);
      }
    }
  }
  return out;
}

/** Box-average an image down by an integer factor. */
export function boxDownsample(img: Image, factor: number): Image {
  if (factor === 1) return img;
  const W = Math.floor(img.width / factor);
  const H = Math.floor(img.height / factor);
  const out = makeImage(W, H, img.channels);
  const k = 1 / (factor * factor);
  for (let c = 0; c < img.channels; c++) {
    const si = c * img.width * img.height;
    const so = c * W * H;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        let acc = 0;
        for (let b = 0; b < factor; b++) {
          const row = si + (j * factor + b) * img.width + i * factor;
          for (let a = 0; a < factor; a++) acc += img.data[row + a];
        }
        out.data[so + j * W + i] = acc * k;
      }
    }
  }
  return out;
}

/**
 * The backward displacement d_t of frame t on a W×H grid (×`scale` finer when
 * scale > 1, values then in fine pixels): Σ_e p_e(t)·D_e + h(t).
 */
export function displacementAt(
  fields: readonly FlowField[],
  events: readonly Pick<ExpressionEvent, 'onset' | 'apex' | 'offset'>[],
  hx: number,
  hy: number,
  t: number,
  scale = 1,
): FlowField {
  const { width, height } = fields[0] ?? { width: 0, height: 0 };
  const d = makeFlow(width, height);
  d.u.fill(hx * scale);
  d.v.fill(hy * scale);
  events.forEach((ev, e) => {
    const p = intensityProfile(t, ev);
    if (p === 0) return;
    const f = fields[e];
    for (let i = 0; i < d.u.length; i++) {
      d.u[i] += p * f.u[i];
      d.v[i] += p * f.v[i];
    }
  });
  return d;
}

/** A renderer producing a clip's frames one at a time, in order (long videos need not hold them all). */
export interface ClipRenderer {
  readonly nFrames: number;
  /** head translation per frame (pixels) */
  readonly headX: Float64Array;
  readonly headY: Float64Array;
  /** brightness gain per frame */
  readonly gain: Float64Array;
  /** the next frame (planar RGB, size×size); throws after nFrames */
  next(): Image;
}

/**
 * Prepare the rendering of nFrames frames of a face with the given events
 * (0-based frame indices; several events = a long video with expressions at
 * known times). Draws the head path, flicker and noise from `rng`, in that order.
 */
export function createClipRenderer(
  face: SyntheticFace,
  events: readonly ExpressionEvent[],
  nFrames: number,
  rng: Rng,
  opts: RenderOptions = {},
): ClipRenderer {
  const o = { ...RENDER_DEFAULTS, ...opts };
  if (!(Number.isInteger(nFrames) && nFrames >= 1)) throw new MerError('BAD_OPTION', `a clip needs at least one frame, got ${nFrames}`);
  for (const ev of events) {
    if (!(ev.onset < ev.apex && ev.apex < ev.offset)) {
      throw new MerError('BAD_OPTION', `event onset ${ev.onset} / apex ${ev.apex} / offset ${ev.offset} not increasing`);
    }
  }
  const ss = face.supersample;
  const { size } = face;
  const head = headPath(nFrames, o.headMotionPx, rng);
  const gain = new Float64Array(nFrames);
  for (let t = 0; t < nFrames; t++) gain[t] = 1 + rng.normal(0, o.flicker);
  const table = new Float32Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) table[i] = rng.normal(0, o.noiseSd);
  const fields = events.map((ev) => eventField(ev, size, ss));
  if (!(o.wrinkles >= 0 && o.wrinkles <= 1)) throw new MerError('BAD_OPTION', `wrinkles ${o.wrinkles}`, { expected: 'a darkening in 0..1 (0 = off)' });
  // strain is scale-free: a field on the ss× finer grid holds fine pixels per fine pixel
  const folds = o.wrinkles > 0 ? fields.map((f) => wrinkleMap(f)) : [];
  let t = 0;
  const next = (): Image => {
    if (t >= nFrames) throw new MerError('INTERNAL', `renderer: all ${nFrames} frames already produced`);
    let d: FlowField;
    if (fields.length) d = displacementAt(fields, events, head.x[t], head.y[t], t, ss);
    else {
      d = makeFlow(size * ss, size * ss);
      d.u.fill(head.x[t] * ss);
      d.v.fill(head.y[t] * ss);
    }
    const warped = warpBackward(face.image, d);
    if (folds.length) {
      applyWrinkles(warped, folds, events.map((ev) => intensityProfile(t, ev)), d, o.wrinkles, WRINKLE_PERIOD_PX * ss);
    }
    const img = boxDownsample(warped, ss);
    const px = img.data;
    const g = gain[t];
    const noisy = o.noiseSd > 0;
    // one 32-bit draw indexes the noise table twice (16 bits each)
    for (let i = 0; i < px.length; i += 2) {
      const r = noisy ? rng.nextUint32() : 0;
      const a = g * px[i] + (noisy ? table[r >>> 16] : 0);
      px[i] = a < 0 ? 0 : a > 1 ? 1 : a;
      if (i + 1 < px.length) {
        const b = g * px[i + 1] + (noisy ? table[r & 0xffff] : 0);
        px[i + 1] = b < 0 ? 0 : b > 1 ? 1 : b;
      }
    }
    t++;
    return img;
  };
  return { nFrames, headX: head.x, headY: head.y, gain, next };
}

/** Render all nFrames frames of a face with the given events (see createClipRenderer). */
export function renderClipFrames(
  face: SyntheticFace,
  events: readonly ExpressionEvent[],
  nFrames: number,
  rng: Rng,
  opts: RenderOptions = {},
): RenderedClip {
  const r = createClipRenderer(face, events, nFrames, rng, opts);
  const frames: Image[] = [];
  for (let t = 0; t < nFrames; t++) frames.push(r.next());
  return { frames, headX: r.headX, headY: r.headY, gain: r.gain };
}

function sampleBilinear(f: Float32Array, W: number, H: number, x: number, y: number): number {
  const cx = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
  const cy = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
  const x0 = Math.min(Math.floor(cx), W - 2 < 0 ? 0 : W - 2);
  const y0 = Math.min(Math.floor(cy), H - 2 < 0 ? 0 : H - 2);
  const ax = cx - x0;
  const ay = cy - y0;
  const x1 = Math.min(x0 + 1, W - 1);
  const y1 = Math.min(y0 + 1, H - 1);
  return (
    (1 - ay) * ((1 - ax) * f[y0 * W + x0] + ax * f[y0 * W + x1]) + ay * ((1 - ax) * f[y1 * W + x0] + ax * f[y1 * W + x1])
  );
}

/** Fixed-point iterations inverting the warp; the AU fields' Jacobians are ≪ 1 so 8 is converged to ~1e-6 px. */
const INVERT_ITERATIONS = 8;

/**
 * Ground-truth forward flow from frame a to frame b on the output grid: for
 * every pixel x_a of frame a, where the same skin point is found in frame b.
 * With the backward model frame_t(x) = I(x − d_t(x)), the point x_a comes from
 * s = x_a − d_a(x_a) and appears at x_b solving x_b − d_b(x_b) = s; x_b is
 * found by fixed-point iteration x_b ← s + d_b(x_b) (the exact inverse, not a
 * first-order approximation). Flow = x_b − x_a (u right, v down).
 */
export function groundTruthFlow(
  events: readonly ExpressionEvent[],
  headX: ArrayLike<number>,
  headY: ArrayLike<number>,
  a: number,
  b: number,
  size: number,
): FlowField {
  const fields = events.map((ev) => eventField(ev, size, 1));
  const at = (t: number): FlowField => {
    if (fields.length) return displacementAt(fields, events, headX[t], headY[t], t);
    const f = makeFlow(size, size);
    f.u.fill(headX[t]);
    f.v.fill(headY[t]);
    return f;
  };
  const da = at(a);
  const db = at(b);
  const out = makeFlow(size, size);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const p = j * size + i;
      const sx = i - da.u[p];
      const sy = j - da.v[p];
      let xb = sx + db.u[p];
      let yb = sy + db.v[p];
      for (let k = 0; k < INVERT_ITERATIONS; k++) {
        const nx = sx + sampleBilinear(db.u, size, size, xb, yb);
        yb = sy + sampleBilinear(db.v, size, size, xb, yb);
        xb = nx;
      }
      out.u[p] = xb - i;
      out.v[p] = yb - j;
    }
  }
  return out;
}
