/**
 * Long synthetic videos for spotting: one face, neutral for tens of seconds,
 * with micro-expressions (≤ 0.5 s, subtle) and macro-expressions (1–3 s,
 * several pixels) inserted at known, non-overlapping times, and optionally
 * eye blinks (0.15–0.4 s, both upper lids closing fully: eyelids.ts) between
 * them. Ground truth = the list of intervals (onset, apex, offset frames,
 * 0-based; kind; class) and the list of blinks.
 *
 * The frames come from the same renderer as the synthetic clips
 * (createClipRenderer: landmark-anchored AU displacement fields, raised-cosine
 * intensity, sensor noise, flicker, slight head drift); `writeLongVideo`
 * encodes them with encodeVideo (H.264) and writes `<video>.json` beside it.
 */
import { MerError } from '../../core/errors.ts';
import type { Image } from '../../core/image.ts';
import { Rng } from '../../core/rng.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { encodeVideo } from '../../io/video.ts';
import { normaliseBumps, placeBumps } from './actionUnits.ts';
import { faceCatalog, usableFaces, cropFace } from './faces.ts';
import { CLASS_VARIANTS, SYNTHETIC_CLASSES } from './generate.ts';
import { eyelidsOf } from './eyelids.ts';
import { createClipRenderer, type ClipRenderer, type ExpressionEvent, type SyntheticFace } from './render.ts';

export interface LongVideoOptions {
  seed: number;
  /** which usable sample face (0-based); default 0 */
  face?: number;
  /** frame side, pixels; default 160 */
  size?: number;
  /** frames per second; default 25 */
  fps?: number;
  /** length, seconds; default 30 */
  seconds?: number;
  /** number of micro-expressions; default 4 */
  micro?: number;
  /** number of macro-expressions; default 2 */
  macro?: number;
  /** micro duration range, seconds; default [0.3, 0.5] (MEGC: a micro-expression lasts ≤ 0.5 s) */
  microSeconds?: readonly [number, number];
  /** macro duration range, seconds; default [1, 3] */
  macroSeconds?: readonly [number, number];
  /** apex AU displacement of micro-expressions, pixels at `size`; default [1.5, 2.5] */
  microAmplitude?: readonly [number, number];
  /** apex AU displacement of macro-expressions, pixels; default [4, 7] */
  macroAmplitude?: readonly [number, number];
  /** neutral gap kept between events and at both ends, seconds; default 1.5 */
  gapSeconds?: number;
  /** number of eye blinks (both upper lids closing fully and reopening), placed between the expressions; default 0 */
  blinks?: number;
  /** blink duration range (lids start to close … fully open again), seconds; default [0.15, 0.4] (blinks last ≈ 100–400 ms) */
  blinkSeconds?: readonly [number, number];
  /** renderer noise/flicker/head drift (see RenderOptions); head drift default 1 px over the video */
  noiseSd?: number;
  flicker?: number;
  headMotionPx?: number;
}

export interface GroundTruthInterval {
  /** 0-based frame indices, onset < apex < offset */
  onset: number;
  apex: number;
  offset: number;
  kind: 'micro' | 'macro';
  /** synthetic class (casme2-5 names) */
  emotion: string;
  actionUnits: string;
  amplitudePx: number;
}

/** A rendered blink: 0-based frames, lids start closing at onset, fully closed at apex, open again at offset. */
export interface GroundTruthBlink {
  onset: number;
  apex: number;
  offset: number;
}

export interface LongVideoPlan {
  face: SyntheticFace;
  fps: number;
  nFrames: number;
  size: number;
  intervals: GroundTruthInterval[];
  /** eye blinks (not expressions: a spotter must not report them as micro-expressions) */
  blinks: GroundTruthBlink[];
  events: ExpressionEvent[];
  renderSeed: number;
  render: { noiseSd: number; flicker: number; headMotionPx: number };
}

/** the head drifts this much over the whole video by default: long videos move more than 0.3 s clips */
const DEFAULT_HEAD_DRIFT_PX = 1;
/** at most this many tries to place an event without overlap before giving up */
const PLACE_TRIES = 200;
/** a blink is kept this far (seconds) from every expression and from the video's ends: blinks stand apart, as the test needs to tell them from expressions */
const BLINK_GAP_SECONDS = 0.5;
/** the lids close faster than they reopen: the apex falls this far into the blink */
const BLINK_APEX_SHARE: readonly [number, number] = [0.3, 0.45];

/** A random onset for an event of `len` frames at least `gap` frames from the ends where `free(onset)` holds, or −1 after PLACE_TRIES tries. */
function placeEvent(rng: Rng, nFrames: number, len: number, gap: number, free: (onset: number) => boolean): number {
  for (let tries = 0; tries < PLACE_TRIES; tries++) {
    const hi = nFrames - gap - len;
    if (hi <= gap) return -1;
    const s = gap + rng.int(hi - gap);
    if (free(s)) return s;
  }
  return -1;
}

/** Plan a long video (no pixels): face, event times, AU fields. Deterministic in `seed`. */
export async function planLongVideo(opts: LongVideoOptions): Promise<LongVideoPlan> {
  const o = {
    face: 0,
    size: 160,
    fps: 25,
    seconds: 30,
    micro: 4,
    macro: 2,
    microSeconds: [0.3, 0.5] as const,
    macroSeconds: [1, 3] as const,
    microAmplitude: [1.5, 2.5] as const,
    macroAmplitude: [4, 7] as const,
    gapSeconds: 1.5,
    noiseSd: 0.006,
    flicker: 0.004,
    headMotionPx: DEFAULT_HEAD_DRIFT_PX,
    blinks: 0,
    blinkSeconds: [0.15, 0.4] as const,
    ...opts,
  };
  if (!(o.fps > 0 && o.seconds > 0)) throw new MerError('BAD_OPTION', 'long video: fps and seconds must be positive');
  const usable = usableFaces(await faceCatalog());
  if (!(Number.isInteger(o.face) && o.face >= 0 && o.face < usable.length)) {
    throw new MerError('BAD_OPTION', `long video: face ${o.face}`, { expected: `0..${usable.length - 1}` });
  }
  const face = await cropFace(usable[o.face], 'long01', o.size, 1);
  const rng = new Rng(`long-video:${o.seed}`);
  const nFrames = Math.round(o.seconds * o.fps);
  const gap = Math.round(o.gapSeconds * o.fps);
  const kinds: ('micro' | 'macro')[] = [...Array(o.micro).fill('micro'), ...Array(o.macro).fill('macro')];
  const taken: [number, number][] = [];
  const intervals: GroundTruthInterval[] = [];
  const events: ExpressionEvent[] = [];
  for (const kind of rng.shuffle(kinds)) {
    const [d0, d1] = kind === 'micro' ? o.microSeconds : o.macroSeconds;
    const len = Math.max(4, Math.round(rng.uniform(d0, d1) * o.fps));
    const onset = placeEvent(rng, nFrames, len, gap, (s) => taken.every(([a, b]) => s + len + gap <= a || s >= b + gap));
    if (onset < 0) {
      throw new MerError('BAD_OPTION', `long video: cannot fit ${o.micro} micro + ${o.macro} macro expressions into ${o.seconds} s with ${o.gapSeconds} s gaps`, {
        expected: 'a longer video or fewer events',
      });
    }
    const offset = onset + len;
    const apex = onset + Math.max(1, Math.round(len * rng.uniform(0.35, 0.5)));
    taken.push([onset, offset]);
    const emotion = rng.pick(SYNTHETIC_CLASSES.filter((c) => c !== 'others'));
    const variant = rng.pick(CLASS_VARIANTS[emotion]);
    const aus = variant.map((code) => {
      const m = /^([LR]?)(\d+)$/.exec(code) as RegExpExecArray;
      return { au: m[2], side: m[1] as '' | 'L' | 'R', weight: rng.uniform(0.6, 1) };
    });
    const [a0, a1] = kind === 'micro' ? o.microAmplitude : o.macroAmplitude;
    const amplitude = rng.uniform(a0, a1);
    const bumps = normaliseBumps(placeBumps(face.landmarks, aus, rng), face.size, face.size, amplitude);
    events.push({ onset, apex, offset, bumps });
    intervals.push({ onset, apex, offset, kind, emotion, actionUnits: variant.join('+'), amplitudePx: amplitude });
  }
  const order = intervals.map((_, i) => i).sort((a, b) => intervals[a].onset - intervals[b].onset);
  const renderSeed = rng.nextUint32();
  // blinks come from their own stream: the expressions and the rendering noise of a seed stay the same with or without blinks
  const brng = new Rng(`long-video-blinks:${o.seed}`);
  const bgap = Math.round(BLINK_GAP_SECONDS * o.fps);
  const lids = eyelidsOf(face.landmarks);
  const blinks: GroundTruthBlink[] = [];
  const blinkEvents: ExpressionEvent[] = [];
  for (let k = 0; k < o.blinks; k++) {
    const len = Math.max(3, Math.round(brng.uniform(o.blinkSeconds[0], o.blinkSeconds[1]) * o.fps));
    const clear = (s: number, a: number, b: number) => s + len + bgap <= a || s >= b + bgap;
    const onset = placeEvent(brng, nFrames, len, bgap, (s) => taken.every(([a, b]) => clear(s, a, b)) && blinks.every((b) => clear(s, b.onset, b.offset)));
    if (onset < 0) throw new MerError('BAD_OPTION', `long video: cannot fit ${o.blinks} blinks between the expressions of ${o.seconds} s`, { expected: 'a longer video or fewer blinks' });
    const offset = onset + len;
    const apex = Math.min(offset - 1, onset + Math.max(1, Math.round(len * brng.uniform(BLINK_APEX_SHARE[0], BLINK_APEX_SHARE[1]))));
    blinks.push({ onset, apex, offset });
    blinkEvents.push({ onset, apex, offset, bumps: [], eyelids: lids });
  }
  blinks.sort((a, b) => a.onset - b.onset);
  return {
    face,
    fps: o.fps,
    nFrames,
    size: o.size,
    intervals: order.map((i) => intervals[i]),
    blinks,
    events: [...order.map((i) => events[i]), ...blinkEvents],
    renderSeed,
    render: { noiseSd: o.noiseSd, flicker: o.flicker, headMotionPx: o.headMotionPx },
  };
}

/** A frame-by-frame renderer of a planned long video (planar RGB, size×size). */
export function longVideoRenderer(plan: LongVideoPlan): ClipRenderer {
  return createClipRenderer(plan.face, plan.events, plan.nFrames, new Rng(plan.renderSeed), plan.render);
}

/** All frames of a planned long video, lazily (for streaming into an encoder or a spotter). */
export function* longVideoFrames(plan: LongVideoPlan): Generator<Image> {
  const r = longVideoRenderer(plan);
  for (let t = 0; t < plan.nFrames; t++) yield r.next();
}

export interface LongVideoTruth {
  generator: 'merkit-long-video';
  version: 1;
  fps: number;
  frames: number;
  width: number;
  height: number;
  intervals: GroundTruthInterval[];
  /** eye blinks (absent in files written before blinks existed) */
  blinks?: GroundTruthBlink[];
}

/** Encode a long video (H.264 mp4) and its ground truth (`<path>.json`). */
export async function writeLongVideo(path: string, opts: LongVideoOptions): Promise<{ plan: LongVideoPlan; truth: LongVideoTruth; truthFile: string }> {
  const plan = await planLongVideo(opts);
  await encodeVideo(path, longVideoFrames(plan), { fps: plan.fps });
  const truth: LongVideoTruth = {
    generator: 'merkit-long-video',
    version: 1,
    fps: plan.fps,
    frames: plan.nFrames,
    width: plan.size,
    height: plan.size,
    intervals: plan.intervals,
    blinks: plan.blinks,
  };
  const truthFile = `${path}.json`;
  await writeFileAtomic(truthFile, JSON.stringify(truth, null, 2) + '\n');
  return { plan, truth, truthFile };
}
