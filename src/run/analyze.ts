/**
 * Analysis of a person's own video: face track → aligned face crops →
 * spotting (micro/macro intervals) → recognition of every interval →
 * analysis.json + a self-contained analysis.html.
 *
 * Layers (the web page reuses the core):
 * - `analyzeFrames(frames, info, opts)`: the core. Frames in (any
 *   Iterable/AsyncIterable of Images), one pass, bounded memory (only the
 *   aligned faceSize² gray crops are kept: 64 KB a frame at 128²). No node:
 *   imports; the face detector and the classifier are injected (defaults load
 *   face-api / nothing lazily).
 * - `analysisHtml(a, images)`: the report page as a string (pure).
 * - `analyzeVideo(file, opts)`: the node edge (ffmpeg decodes, model folder,
 *   PNG encoding, files written atomically), loaded by dynamic import so the
 *   core stays browser-friendly.
 *
 * One analysis, two front ends: `merkit analyze` and the page
 * feed analyzeFrames the same frames. ffmpeg (here) and WebCodecs (the
 * page's worker, web/webDecode.ts) only decode; both scale and convert the
 * decoded 4:2:0 planes with io/yuv.ts at `analysisSize` (colour from the
 * stream: io/h264.ts), and detect through face/faceApiOps.ts. The same
 * video gives the same frames bit for bit, hence the same analysis.
 *
 * Blinks (temporal/spotBlinks.ts): spotted intervals explained by an eye
 * blink (the eye aspect ratio of the aligned crops, from the landmark net,
 * drops and recovers within 0.3 s) are reported as kind 'blink', not
 * classified, and their eye blocks are frozen before spotting again.
 *
 * Alignment: for SPOTTING every frame is aligned with the similarity
 * transform of its TRACKED landmarks, which are interpolated between key
 * frames (≥ 1 per second by default), so the crops follow the head over the
 * whole video. For RECOGNITION (the classified clip and the flow overlay)
 * every spotted interval is re-cropped with ONE transform, its onset
 * frame's (the MER convention): the tracked landmarks drift between
 * key frames (interpolation, the landmark net reacting to the expression),
 * and a per-frame crop would turn that drift into a translation of the whole
 * face in the onset→apex flow. The re-crop is computed from the stored
 * per-frame crops (relativeTransform), so no source frame is kept.
 */
import type { Image, Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { resizeImage } from '../core/resize.ts';
import type { DetectedFace, FaceBox } from '../face/detect.ts';
import { alignLandmarks, alignTransform, applyAlign, relativeTransform, type AlignTransform } from '../face/align.ts';
import { meanEyeAspectRatio, type BlinkOptions } from '../face/blink.ts';
import { roiBlocks } from '../face/landmarks.ts';
import { boxFromLandmarks, detectOnImage, landmarksOnImage, trackFace, type FaceTrack } from '../face/track.ts';
import { tvl1Flow } from '../motion/tvl1.ts';
import { spotIntervals, type SpotOptions, type SpottedInterval } from '../temporal/spot.ts';
import { spotWithBlinks } from '../temporal/spotBlinks.ts';
import { yuv420ToRgb, type Yuv420Frame, type YuvColour } from '../io/yuv.ts';
import type { ProgressSink } from '../core/progress.ts';
import type { LoadedModel } from './modelFolder.ts';

export interface VideoMeta {
  fps: number;
  width: number;
  height: number;
  /** expected frame count (progress only), when known */
  frames?: number;
  file?: string;
  /** the source's own size when frames were downscaled while decoding */
  sourceWidth?: number;
  sourceHeight?: number;
}

export interface IntervalClass {
  label: string;
  scores: Record<string, number>;
  probabilities: boolean;
}

export interface AnalyzeOptions {
  /** side of the aligned face crops (spotting and recognition); default 128 */
  faceSize?: number;
  /** face margin (see alignFace); default 0.1 */
  margin?: number;
  /** detect every this many frames; default: one per second (round(fps)) */
  keyFrameInterval?: number;
  /** detection size (longer side); default 640 */
  detectSide?: number;
  detector?: 'ssd' | 'tiny';
  face?: 'largest' | number;
  /** see TrackOptions (defaults 5 and 1) */
  redetectEvery?: number;
  smoothKeyFrames?: number;
  detect?: (img: Image) => Promise<DetectedFace[]>;
  /**
   * the 68 landmarks of the face in a box of an image (face-api's landmark
   * net): key frames between full detections, and the eye aspect ratio of
   * the aligned crops for blinks. Default: face-api on node (with `detect`
   * injected and no `landmarksInBox`, the tracker detects on every key frame
   * and blinks are not looked for).
   */
  landmarksInBox?: (img: Image, box: FaceBox) => Promise<Float32Array>;
  /**
   * blinks: 'detect' (default: spotted intervals explained by an eye blink
   * are reported as kind 'blink', see temporal/spotBlinks.ts), 'mask-eyes'
   * (the eye blocks are left out of spotting altogether, as many MEGC
   * spotting methods do) or 'off'
   */
  blinks?: 'detect' | 'mask-eyes' | 'off';
  /** blink detector settings (face/blink.ts) */
  blink?: Omit<BlinkOptions, 'fps'>;
  /** spotting options other than fps (see spot.ts) */
  spot?: Omit<SpotOptions, 'fps'>;
  /** restrict spotting to the blocks holding brows/eyes/nose/mouth landmarks; default true */
  roi?: boolean;
  /** classify an interval: aligned gray crops onset…offset (frame 0 = onset) and the apex index in them */
  classify?: (clip: Volume, apex: number) => Promise<IntervalClass>;
  /** called with every frame once analyzeFrames is done with it (a frame pool takes its buffer back: framePool) */
  recycle?: (frame: Image) => void;
  /** compute the onset→apex flow overlay of at most this many intervals (highest scores); default 12 */
  overlays?: number;
  progress?: ProgressSink;
}

export interface AnalyzedInterval extends Omit<SpottedInterval, 'kind'> {
  /** micro/macro: an expression (spot.ts); blink: motion explained by an eye blink (not classified) */
  kind: SpottedInterval['kind'] | 'blink';
  /** blinks: the eye aspect ratio dip (frames below half its depth) and its depth as a share of the open-eye EAR */
  blink?: { onset: number; apex: number; offset: number; depth: number };
  onsetTime: number;
  apexTime: number;
  offsetTime: number;
  durationSeconds: number;
  class?: IntervalClass;
}

export interface Analysis {
  format: 'merkit-analysis/1';
  video: VideoMeta & { frames: number; duration: number };
  face: {
    keyFrames: number;
    detectedKeyFrames: number;
    maxFaces: number;
    choice: 'largest' | number;
    /** mean box of the followed face (analysis pixels) */
    meanBox?: { x: number; y: number; width: number; height: number };
    framesWithoutFace: number;
    alignedSize: number;
    /** the followed face's box (analysis pixels) and detection score on every key frame where it was detected */
    track: { frame: number; box: { x: number; y: number; width: number; height: number }; score: number }[];
  };
  spotting: {
    features: string;
    p: number;
    scales: { micro: number; macro?: number };
    thresholds: { micro: number; macro?: number };
    roiBlocks?: number[];
    /** how blinks were handled: 'ear' (looked for: `earFrames` crops got landmarks), 'mask-eyes', 'off', or 'unavailable' (no landmark net given) */
    blinks: { method: 'ear' | 'mask-eyes' | 'off' | 'unavailable'; eyeBlocks?: number[]; found: number; earFrames?: number };
  };
  intervals: AnalyzedInterval[];
  /** contrast curves (one value per frame), for the timeline */
  motion: { micro: number[]; macro?: number[] };
  model?: { recipe: string; classes: readonly string[]; dir?: string };
  /** wall seconds: total, and per stage (track = decode + detect + align, as they are interleaved) */
  timing: { seconds: number; realtimeFactor: number; stages?: Record<string, number> };
}

/** onset→apex flow overlay images of some intervals, keyed by interval index (planar RGB in [0, 1]) */
export type OverlayImages = Map<number, Image>;

const DEFAULT_FACE_SIZE = 128;
const DEFAULT_OVERLAYS = 12;
/** TV-L1 settings of the overlay picture (OpenCV defaults: 5 scales, 5 warps, 10 outer iterations) */
const OVERLAY_TVL1 = { nscales: 3, warps: 2, outerIterations: 3 };
/** spotting grid (MEGC baseline: 6×6 blocks) */
const SPOT_GRID = 6;

/**
 * percentiles of the flow magnitude taken as "no motion" (the noise floor:
 * most of a face does not move in a micro-expression) and "full colour"
 * (robust to a few outlier vectors)
 */
const OVERLAY_FLOOR_PERCENTILE = 0.5;
const OVERLAY_TOP_PERCENTILE = 0.99;
/** strongest colour over the face (the face stays visible under it) */
const OVERLAY_MAX_ALPHA = 0.85;

/**
 * Colour-code a flow field over a gray image: hue = direction, colour
 * strength = magnitude between the median (noise floor: left uncoloured) and
 * the 99th percentile (full colour). Normalising by the plain maximum
 * coloured TV-L1's noise over the whole face.
 */
export function flowOverlay(gray: Image, u: Float32Array, v: Float32Array): Image {
  const n = gray.width * gray.height;
  const mag = new Float32Array(n);
  for (let i = 0; i < n; i++) mag[i] = Math.hypot(u[i], v[i]);
  const sorted = Float32Array.from(mag).sort();
  const floor = sorted[Math.floor(OVERLAY_FLOOR_PERCENTILE * (n - 1))];
  const top = sorted[Math.floor(OVERLAY_TOP_PERCENTILE * (n - 1))];
  const span = top - floor;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const m = span > 0 ? Math.min(1, Math.max(0, (mag[i] - floor) / span)) : 0;
    const h = ((Math.atan2(-v[i], u[i]) / (2 * Math.PI) + 1) % 1) * 6;
    const k = (o: number) => {
      const x = (o + h) % 6;
      return 1 - Math.max(0, Math.min(1, Math.min(x, 4 - x)));
    };
    const rgb = [k(5), k(3), k(1)];
    const alpha = OVERLAY_MAX_ALPHA * m;
    const g = gray.data[i];
    for (let c = 0; c < 3; c++) out[c * n + i] = (1 - alpha) * g + alpha * rgb[c];
  }
  return { width: gray.width, height: gray.height, channels: 3, data: out };
}

/** The frames, with the time spent waiting for each (decoding) added to clock.decode. */
async function* timedFrames(frames: Iterable<Image> | AsyncIterable<Image>, clock: { decode: number }): AsyncGenerator<Image> {
  const it = (Symbol.asyncIterator in frames ? frames[Symbol.asyncIterator]() : (frames as Iterable<Image>)[Symbol.iterator]()) as AsyncIterator<Image> | Iterator<Image>;
  for (;;) {
    const s0 = performance.now();
    const r = await it.next();
    clock.decode += (performance.now() - s0) / 1000;
    if (r.done) return;
    yield r.value;
  }
}

/** The analysis core (see the module comment). */
export async function analyzeFrames(frames: Iterable<Image> | AsyncIterable<Image>, meta: VideoMeta, opts: AnalyzeOptions = {}): Promise<{ analysis: Analysis; overlays: OverlayImages; track: FaceTrack }> {
  const t0 = performance.now();
  if (!(meta.fps > 0)) throw new MerError('BAD_INPUT', `video fps ${meta.fps}`, { file: meta.file, expected: 'a positive frame rate' });
  const S = opts.faceSize ?? DEFAULT_FACE_SIZE;
  const progress = opts.progress;
  const crops: Float32Array[] = [];
  const transforms: (AlignTransform | undefined)[] = [];
  let alignedLm: Float32Array | undefined;
  let missing = 0;
  progress?.begin('frames', meta.frames ?? 0);
  // where the time goes (the same breakdown in the CLI and the page): waiting for decoded frames, the face nets
  const clock = { decode: 0, faceNets: 0 };
  const timed = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const s0 = performance.now();
    try {
      return await f(...a);
    } finally {
      clock.faceNets += (performance.now() - s0) / 1000;
    }
  };
  // landmarks in a box: injected, or face-api on node unless the caller injected its own detector only
  const lmRaw = opts.landmarksInBox ?? (opts.detect ? undefined : (img: Image, box: FaceBox) => landmarksOnImage(img, box, opts.detectSide));
  const lmInBox = lmRaw && timed(lmRaw);
  // one gray scratch frame: gray frames only live until they are cropped
  const grayScratch = { data: new Float32Array(0) };
  const track = await trackFace(timedFrames(frames, clock), {
    keyFrameInterval: opts.keyFrameInterval ?? Math.max(1, Math.round(meta.fps)),
    detectSide: opts.detectSide,
    detector: opts.detector,
    face: opts.face,
    detect: timed(opts.detect ?? ((img: Image) => detectOnImage(img, { detectSide: opts.detectSide, detector: opts.detector }))),
    ...(lmInBox ? { landmarksInBox: lmInBox } : {}),
    redetectEvery: opts.redetectEvery,
    smoothKeyFrames: opts.smoothKeyFrames,
    onFrame(t, frame, lm) {
      if (!lm) {
        missing++;
        crops[t] = new Float32Array(S * S);
      } else {
        const gray = frame.channels === 1 ? frame : toGrayImage(frame, grayScratch);
        const T = alignTransform(lm, { size: S, margin: opts.margin });
        transforms[t] = T;
        crops[t] = applyAlign(gray, T).data;
        alignedLm ??= alignLandmarks(lm, T);
      }
      // the frame is not needed any more: its buffer can hold a later frame (no fresh 3.7 MB a frame: see framePool)
      opts.recycle?.(frame);
      progress?.tick();
    },
  }).catch((e: unknown) => {
    // one clear line naming the video (the tracker only knows frame counts)
    if (e instanceof MerError && e.code === 'NOT_FOUND' && /^no face found/.test(e.message)) {
      throw new MerError('NOT_FOUND', `no face found in ${meta.file ?? 'the video'} (${e.message.replace(/^no face found in /, '')})`, { expected: e.expected, cause: e });
    }
    throw e;
  });
  progress?.end();
  // track = decode + faceNets + alignment (interleaved: the tracker pulls the frames)
  const stages: Record<string, number> = { track: (performance.now() - t0) / 1000, decode: clock.decode, faceNets: clock.faceNets };
  clock.faceNets = 0;
  let tStage = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    stages[name] = (now - tStage) / 1000;
    tStage = now;
  };
  const T = track.frames;
  const vol: Volume = { frames: T, width: S, height: S, data: new Float32Array(T * S * S) };
  // frames before the first face: copy the first aligned crop so they read as "no motion"
  const firstGood = track.landmarks.findIndex((l) => l !== undefined);
  for (let t = 0; t < T; t++) vol.data.set(track.landmarks[t] ? crops[t] : crops[firstGood], t * S * S);
  crops.length = 0;

  const roi = (opts.roi ?? true) && alignedLm ? roiBlocks(alignedLm, S, S, SPOT_GRID) : undefined;
  const eyeBlocks = alignedLm ? roiBlocks(alignedLm, S, S, SPOT_GRID, ['rightEye', 'leftEye']) : [];
  const blinkMode = opts.blinks ?? 'detect';
  const spotBlocks = blinkMode === 'mask-eyes' ? (roi ?? [...Array(SPOT_GRID * SPOT_GRID).keys()]).filter((b) => !eyeBlocks.includes(b)) : roi;
  const spotOpts: SpotOptions = { ...opts.spot, fps: meta.fps, grid: SPOT_GRID, ...(spotBlocks && spotBlocks.length ? { blocks: spotBlocks } : {}) };
  const empty = { intervals: [], curves: { micro: new Float64Array(T) }, thresholds: { micro: 0 }, scales: { micro: 0 } };
  let spot: ReturnType<typeof spotIntervals> = empty;
  let blinkInfo: Analysis['spotting']['blinks'] = { method: blinkMode === 'detect' ? 'unavailable' : blinkMode, found: 0, ...(blinkMode === 'mask-eyes' ? { eyeBlocks } : {}) };
  const blinkIntervals: AnalyzedInterval[] = [];
  if (T >= 8 && blinkMode === 'detect' && lmInBox && eyeBlocks.length) {
    // eye aspect ratio of frame t from the landmark net on its aligned crop (the box the detector would give on that crop)
    const ear = async (t: number): Promise<number> => {
      const lm = track.landmarks[t];
      const Tt = transforms[t];
      if (!lm || !Tt) return NaN;
      const crop: Image = { width: S, height: S, channels: 1, data: vol.data.subarray(t * S * S, (t + 1) * S * S) };
      return meanEyeAspectRatio(await lmInBox(crop, boxFromLandmarks(alignLandmarks(lm, Tt))));
    };
    const r = await spotWithBlinks(vol, spotOpts, { eyeBlocks, ear, ...(opts.blink ? { blink: opts.blink } : {}) });
    spot = r.result;
    blinkInfo = { method: 'ear', eyeBlocks, found: r.blinks.length, earFrames: r.earFrames };
    for (const b of r.blinks) {
      blinkIntervals.push({
        onset: b.interval.onset,
        apex: b.interval.apex,
        offset: b.interval.offset,
        kind: 'blink',
        score: b.interval.score,
        blink: { onset: b.onset, apex: b.apex, offset: b.offset, depth: round3(b.depth) },
        onsetTime: b.interval.onset / meta.fps,
        apexTime: b.interval.apex / meta.fps,
        offsetTime: b.interval.offset / meta.fps,
        durationSeconds: (b.interval.offset - b.interval.onset + 1) / meta.fps,
      });
    }
  } else if (T >= 8) spot = spotIntervals(vol, spotOpts);

  lap('spot');
  // the landmark net on crops near spotted intervals (blinks), part of `spot`
  if (clock.faceNets > 0) stages.blinkLandmarks = clock.faceNets;
  const intervals: AnalyzedInterval[] = [
    ...spot.intervals.map((s) => ({
      ...s,
      onsetTime: s.onset / meta.fps,
      apexTime: s.apex / meta.fps,
      offsetTime: s.offset / meta.fps,
      durationSeconds: (s.offset - s.onset + 1) / meta.fps,
    })),
    ...blinkIntervals,
  ].sort((a, b) => a.onset - b.onset || a.offset - b.offset);
  const n = S * S;
  const clipOf = (iv: AnalyzedInterval): Volume => onsetAligned(vol, transforms, iv.onset, iv.offset);
  if (opts.classify) {
    progress?.begin('classify', intervals.length);
    for (const iv of intervals) {
      // a blink is not an expression: it gets no class
      if (iv.kind !== 'blink' && iv.apex > iv.onset) iv.class = await opts.classify(clipOf(iv), iv.apex - iv.onset);
      progress?.tick();
    }
    progress?.end();
  }
  lap('classify');
  const overlays: OverlayImages = new Map();
  const nOver = opts.overlays ?? DEFAULT_OVERLAYS;
  if (nOver > 0 && intervals.length) {
    const order = intervals
      .map((_, i) => i)
      .filter((i) => intervals[i].kind !== 'blink')
      .sort((a, b) => intervals[b].score - intervals[a].score)
      .slice(0, nOver);
    for (const i of order) {
      const iv = intervals[i];
      const clip = onsetAligned(vol, transforms, iv.onset, iv.apex);
      const on = { width: S, height: S, channels: 1 as const, data: clip.data.subarray(0, n) };
      const ap = { width: S, height: S, channels: 1 as const, data: clip.data.subarray((iv.apex - iv.onset) * n, (iv.apex - iv.onset + 1) * n) };
      // a picture, not a measurement: half resolution and a light TV-L1 (≈ 20× cheaper), upsampled for display
      const h = Math.max(16, Math.round(S / 2));
      const f = tvl1Flow(resizeImage(on, h, h), resizeImage(ap, h, h), OVERLAY_TVL1);
      const up = (p: Float32Array) => resizeImage({ width: h, height: h, channels: 1, data: p }, S, S, { method: 'bilinear' }).data;
      overlays.set(i, flowOverlay(ap, up(f.u), up(f.v)));
    }
  }
  lap('overlays');
  const boxes = track.boxes;
  const meanBox = boxes.length
    ? {
        x: boxes.reduce((a, b) => a + b.box.x, 0) / boxes.length,
        y: boxes.reduce((a, b) => a + b.box.y, 0) / boxes.length,
        width: boxes.reduce((a, b) => a + b.box.width, 0) / boxes.length,
        height: boxes.reduce((a, b) => a + b.box.height, 0) / boxes.length,
      }
    : undefined;
  const seconds = (performance.now() - t0) / 1000;
  const duration = T / meta.fps;
  const analysis: Analysis = {
    format: 'merkit-analysis/1',
    video: { ...meta, frames: T, duration },
    face: {
      keyFrames: track.keyFrames.length,
      detectedKeyFrames: track.detectedKeyFrames,
      maxFaces: track.maxFaces,
      choice: track.choice,
      ...(meanBox ? { meanBox } : {}),
      framesWithoutFace: missing,
      alignedSize: S,
      track: track.boxes.map((b) => ({ frame: b.frame, box: { x: round3(b.box.x), y: round3(b.box.y), width: round3(b.box.width), height: round3(b.box.height) }, score: round3(b.score) })),
    },
    spotting: {
      features: opts.spot?.features ?? 'intensity',
      p: opts.spot?.p ?? 0.35,
      scales: spot.scales,
      thresholds: spot.thresholds,
      ...(spotBlocks ? { roiBlocks: spotBlocks } : {}),
      blinks: blinkInfo,
    },
    intervals,
    motion: { micro: Array.from(spot.curves.micro), ...(spot.curves.macro ? { macro: Array.from(spot.curves.macro) } : {}) },
    timing: { seconds, realtimeFactor: seconds > 0 ? duration / seconds : 0, stages },
  };
  return { analysis, overlays, track };
}

/**
 * Frames onset…offset of a volume of per-frame aligned crops, re-cropped
 * with the onset frame's transform (see the module comment); frames without
 * a transform (no face yet) are copied as they are.
 */
export function onsetAligned(vol: Volume, transforms: readonly (AlignTransform | undefined)[], onset: number, offset: number): Volume {
  const { width: W, height: H } = vol;
  const n = W * H;
  const frames = offset - onset + 1;
  const data = vol.data.slice(onset * n, (offset + 1) * n);
  const T0 = transforms[onset];
  if (T0 && W === T0.size && H === T0.size) {
    for (let t = onset + 1; t <= offset; t++) {
      const Tt = transforms[t];
      if (!Tt) continue;
      const crop: Image = { width: W, height: H, channels: 1, data: vol.data.subarray(t * n, (t + 1) * n) };
      data.set(applyAlign(crop, relativeTransform(T0, Tt)).data, (t - onset) * n);
    }
  }
  return { frames, width: W, height: H, data };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function toGrayImage(img: Image, scratch?: { data: Float32Array }): Image {
  const n = img.width * img.height;
  if (scratch && scratch.data.length !== n) scratch.data = new Float32Array(n);
  const out = scratch ? scratch.data : new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) out[i] = 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i];
  return { width: img.width, height: img.height, channels: 1, data: out };
}

/* ------------------------------------------------------------------- report */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Timeline SVG: the contrast curves with the spotted intervals shaded (micro orange, macro blue) and blinks in their own green lane under the axis. */
export function timelineSvg(a: Analysis, width = 900, height = 180): string {
  const T = a.video.frames;
  const pad = 30;
  const lane = 12;
  const x = (t: number) => pad + ((width - 2 * pad) * t) / Math.max(1, T - 1);
  const curves: [number[], string][] = [[a.motion.micro, '#d35400']];
  if (a.motion.macro) curves.push([a.motion.macro, '#2471a3']);
  const max = Math.max(1e-12, ...curves.flatMap(([c]) => c));
  const base = height - pad - lane;
  const y = (v: number) => base - ((base - pad) * v) / max;
  const parts: string[] = [];
  for (const iv of a.intervals) {
    const title = `<title>${iv.kind} ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s${iv.class ? ': ' + esc(iv.class.label) : ''}</title>`;
    const w = Math.max(2, x(iv.offset) - x(iv.onset)).toFixed(1);
    if (iv.kind === 'blink') parts.push(`<rect x="${x(iv.onset).toFixed(1)}" y="${base + 2}" width="${w}" height="${lane - 4}" fill="#1e8449" opacity="0.7">${title}</rect>`);
    else parts.push(`<rect x="${x(iv.onset).toFixed(1)}" y="${pad}" width="${w}" height="${base - pad}" fill="${iv.kind === 'micro' ? '#f5b041' : '#85c1e9'}" opacity="0.45">${title}</rect>`);
  }
  for (const [c, col] of curves) {
    const pts = c.map((v, t) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${col}" stroke-width="1" points="${pts}"/>`);
  }
  const ticks: string[] = [];
  const dur = a.video.duration;
  const step = dur > 60 ? 10 : dur > 20 ? 5 : 1;
  for (let s = 0; s <= dur; s += step) {
    const tx = x(s * a.video.fps);
    ticks.push(`<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${height - pad}" y2="${height - pad + 4}" stroke="#555"/><text x="${tx.toFixed(1)}" y="${height - pad + 16}" font-size="10" text-anchor="middle">${s}s</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/><line x1="${pad}" x2="${width - pad}" y1="${base}" y2="${base}" stroke="#555"/><text x="${pad - 4}" y="${base + lane - 2}" font-size="9" text-anchor="end" fill="#1e8449">blink</text>${ticks.join('')}${parts.join('')}</svg>`;
}

/** The self-contained report page; `images` maps interval index → PNG data URI of its apex flow overlay. */
export function analysisHtml(a: Analysis, images: ReadonlyMap<number, string> = new Map()): string {
  const rows = a.intervals
    .map((iv, i) => {
      const probs = iv.class
        ? Object.entries(iv.class.scores)
            .map(([k, v]) => `<div class="bar"><span>${esc(k)}</span><i style="width:${(100 * v).toFixed(1)}%"></i><b>${v.toFixed(2)}</b></div>`)
            .join('')
        : iv.kind === 'blink'
          ? `<em>eye blink (aspect ratio −${Math.round(100 * (iv.blink?.depth ?? 0))} %): not classified</em>`
          : '<em>no model</em>';
      const img = images.get(i) ? `<img src="${images.get(i)}" width="128" height="128" alt="apex flow overlay">` : '';
      return `<tr><td>${i + 1}</td><td>${iv.kind}</td><td>${iv.onsetTime.toFixed(2)} / ${iv.apexTime.toFixed(2)} / ${iv.offsetTime.toFixed(2)} s<br><small>frames ${iv.onset} / ${iv.apex} / ${iv.offset}</small></td><td>${iv.score.toFixed(2)}</td><td>${iv.class ? `<strong>${esc(iv.class.label)}</strong>${iv.class.probabilities ? '' : ' <small>(scores, not probabilities)</small>'}` : ''}${probs}</td><td>${img}</td></tr>`;
    })
    .join('\n');
  const v = a.video;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>merkit analysis${v.file ? ' — ' + esc(v.file) : ''}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:6px 10px;vertical-align:top;text-align:left}.bar{display:flex;align-items:center;gap:6px;font-size:12px}.bar span{width:90px}.bar i{display:inline-block;height:8px;background:#5dade2;max-width:120px}.bar b{font-weight:normal;color:#555}small{color:#777}</style></head>
<body><h1>merkit analysis</h1>
<p>${v.file ? esc(v.file) + ' — ' : ''}${v.frames} frames at ${v.fps} fps (${v.duration.toFixed(1)} s), ${v.sourceWidth ?? v.width}×${v.sourceHeight ?? v.height}${v.sourceWidth ? ` (analysed at ${v.width}×${v.height})` : ''}.
Face found on ${a.face.detectedKeyFrames} of ${a.face.keyFrames} key frames${a.face.maxFaces > 1 ? `; up to ${a.face.maxFaces} faces seen, followed: ${a.face.choice}` : ''}.
${a.model ? `Model: ${esc(a.model.recipe)} (${a.model.classes.map(esc).join(', ')}).` : 'No model: intervals are not classified.'}
Processed in ${a.timing.seconds.toFixed(1)} s (${a.timing.realtimeFactor.toFixed(2)}× real time).</p>
<h2>Motion timeline</h2>
<p><small>contrasted feature difference (orange: micro scale, blue: macro scale); shaded: spotted intervals (orange micro ≤ 0.5 s, blue macro); green lane: eye blinks (not expressions)</small></p>
${timelineSvg(a)}
<h2>Spotted intervals (${a.intervals.filter((i) => i.kind !== 'blink').length} expressions, ${a.intervals.filter((i) => i.kind === 'blink').length} blinks)</h2>
<table><tr><th>#</th><th>kind</th><th>onset / apex / offset</th><th>score</th><th>class</th><th>apex + flow</th></tr>
${rows}
</table>
<p><small>Spotting: ${esc(a.spotting.features)} block features, MEGC threshold p = ${a.spotting.p}. Posed or acted expressions are not micro-expressions; treat classes as indications.</small></p>
</body></html>
`;
}

/* ------------------------------------------------------------ the node edge */

export interface AnalyzeVideoOptions extends Omit<AnalyzeOptions, 'classify'> {
  /** model folder (merkit train --out), or one already loaded; without it intervals are not classified */
  model?: string | LoadedModel;
  /** output folder for analysis.json and analysis.html; none = write nothing */
  out?: string;
  /** decode so that the longer side is at most this (ffmpeg scales while decoding); default 640 */
  analysisSide?: number;
}

/** default analysis size: the longer side of the decoded frames (enough for detection and 128-px face crops) */
export const ANALYSIS_SIDE = 640;

/**
 * The size frames are analysed at, the same in `merkit analyze` and the
 * page: the longer side scaled to at most `side`, both sides rounded to
 * even numbers (4:2:0 sources have even sizes; so do ffmpeg's outputs).
 */
export function analysisSize(width: number, height: number, side = ANALYSIS_SIDE): { width: number; height: number } {
  const scale = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(2, 2 * Math.round((width * scale) / 2)), height: Math.max(2, 2 * Math.round((height * scale) / 2)) };
}

/**
 * Buffers for analysis frames, taken back once analyzeFrames is done with a
 * frame (its `recycle` option): a fresh 640×480 planar RGB Float32Array is
 * 3.7 MB whose first writes page-fault, which cost Chromium ≈ 14 ms a frame
 * (more than the conversion itself). Only the decoder's own frames may be
 * recycled: analyzeFrames keeps no frame after its onFrame (the tracker
 * hands each frame over once, after its detection; only the aligned crops
 * are kept), so the pool settles at the frames the tracker holds, about
 * (smoothKeyFrames + 2) key intervals. `close()` (the decoder is done) drops
 * the free buffers and ignores later recycling, so they are not held through
 * spotting. `allocated`: buffers made so far.
 */
export interface FramePool {
  take(length: number): Float32Array;
  recycle(frame: Image): void;
  close(): void;
  readonly allocated: number;
}

export function framePool(): FramePool {
  let free: Float32Array[] = [];
  let allocated = 0;
  let closed = false;
  return {
    take(length) {
      const i = free.findIndex((a) => a.length === length);
      if (i >= 0) return free.splice(i, 1)[0];
      allocated++;
      return new Float32Array(length);
    },
    recycle(frame) {
      if (!closed) free.push(frame.data);
    },
    close() {
      closed = true;
      free = [];
    },
    get allocated() {
      return allocated;
    },
  };
}

/** Decoded 4:2:0 frames → planar RGB analysis frames (io/yuv.ts: the page's conversion too), in pooled buffers when a pool is given. */
export async function* framesAtSize(frames: AsyncIterable<Yuv420Frame>, width: number, height: number, colour: YuvColour, pool?: FramePool): AsyncGenerator<Image> {
  try {
    for await (const f of frames) yield yuv420ToRgb(f, width, height, colour, pool?.take(3 * width * height));
  } finally {
    pool?.close();
  }
}

/** Analyse a video file (node): decode once at reduced size, track, spot, classify, write the report. */
export async function analyzeVideo(file: string, opts: AnalyzeVideoOptions = {}): Promise<{ analysis: Analysis; files?: { json: string; html: string } }> {
  const { probeVideo, decodeVideoYuv, streamColour } = await import('../io/video.ts');
  const info = await probeVideo(file);
  const colour = await streamColour(file, info);
  const { width: w, height: h } = analysisSize(info.width, info.height, opts.analysisSide);
  let classify: AnalyzeOptions['classify'];
  let modelInfo: Analysis['model'];
  if (opts.model) {
    const { loadModel, namedPrediction } = await import('./modelFolder.ts');
    const m = typeof opts.model === 'string' ? await loadModel(opts.model) : opts.model;
    modelInfo = { recipe: m.meta.recipe, classes: m.meta.classes, ...(typeof opts.model === 'string' ? { dir: opts.model } : {}) };
    classify = async (clip, apex) => {
      const x = await m.recipe.extract({
        dataset: 'video',
        subject: 'video',
        clip: `${clip.frames}f`,
        emotion: '',
        onset: 0,
        apex,
        offset: clip.frames - 1,
        source: { kind: 'memory', frames: clip.data, width: clip.width, height: clip.height, count: clip.frames },
      });
      const p = namedPrediction(m.meta.classes, m.model.predict([x])[0]);
      return { label: p.label, scores: p.scores, probabilities: p.probabilities };
    };
  }
  // ffmpeg only decodes; scaling and colour are io/yuv.ts's, as in the page (see there)
  const pool = framePool();
  const frames = framesAtSize(decodeVideoYuv(file, {}, info), w, h, colour, pool);
  const { analysis, overlays } = await analyzeFrames(
    frames,
    { fps: info.fps, width: w, height: h, frames: info.frames, file, sourceWidth: info.width, sourceHeight: info.height },
    { ...opts, classify, recycle: pool.recycle },
  );
  if (modelInfo) analysis.model = modelInfo;
  if (!opts.out) return { analysis };
  const { join } = await import('node:path');
  const { writeFileAtomic } = await import('../io/atomic.ts');
  const { encodePng } = await import('../io/image.ts');
  const uris = new Map<number, string>();
  for (const [i, img] of overlays) uris.set(i, `data:image/png;base64,${(await encodePng(img)).toString('base64')}`);
  const json = join(opts.out, 'analysis.json');
  const html = join(opts.out, 'analysis.html');
  await writeFileAtomic(json, JSON.stringify(analysis, null, 1) + '\n');
  await writeFileAtomic(html, analysisHtml(analysis, uris));
  return { analysis, files: { json, html } };
}
