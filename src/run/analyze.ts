/**
 * Analysis of a person's own video: face track → aligned face crops →
 * spotting (micro/macro intervals) → recognition of every interval →
 * analysis.json + a self-contained analysis.html.
 *
 * Three files (the web page reuses the core, this one):
 * - `analyzeFrames(frames, info, opts)`: the core. Frames in (any
 *   Iterable/AsyncIterable of Images), one pass, bounded memory (only the
 *   aligned faceSize² gray crops are kept: 64 KB a frame at 128²). No node:
 *   imports; the face detector and the classifier are injected (face-api
 *   on node from run/analyzeVideo.ts, the page's own in its worker).
 * - run/analysisReport.ts: the report page as a string (pure).
 * - run/analyzeVideo.ts: the node edge (ffmpeg decodes, model folder,
 *   PNG encoding, files written atomically). This file imports nothing of
 *   it, so the page's bundle holds no Node-only module.
 *
 * One analysis, two front ends: `merkit analyze` and the page
 * feed analyzeFrames the same frames. ffmpeg (run/analyzeVideo.ts) and WebCodecs (the
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
import type { DetectedFace, FaceBox } from '../face/faceApiOps.ts';
import { alignLandmarks, alignTransform, applyAlign, relativeTransform, type AlignTransform } from '../face/align.ts';
import { meanEyeAspectRatio, type BlinkOptions } from '../face/blink.ts';
import { roiBlocks } from '../face/landmarks.ts';
import { boxFromLandmarks, trackFace, type FaceTrack } from '../face/track.ts';
import { tvl1Flow } from '../motion/tvl1.ts';
import { spotIntervals, type SpotOptions, type SpottedInterval } from '../temporal/spot.ts';
import { spotWithBlinks } from '../temporal/spotBlinks.ts';
import type { ProgressSink } from '../core/progress.ts';

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
  face?: 'largest' | number;
  /** see TrackOptions (defaults 5 and 1) */
  redetectEvery?: number;
  smoothKeyFrames?: number;
  /** the face detector (face-api: face/track.ts's detectOnImage or detectScaled with a face-api module) */
  detect: (img: Image) => Promise<DetectedFace[]>;
  /**
   * the 68 landmarks of the face in a box of an image (face-api's landmark
   * net): key frames between full detections, and the eye aspect ratio of
   * the aligned crops for blinks. Without it the tracker detects on every
   * key frame and blinks are not looked for.
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
export async function analyzeFrames(frames: Iterable<Image> | AsyncIterable<Image>, meta: VideoMeta, opts: AnalyzeOptions): Promise<{ analysis: Analysis; overlays: OverlayImages; track: FaceTrack }> {
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
  const lmInBox = opts.landmarksInBox && timed(opts.landmarksInBox);
  // one gray scratch frame: gray frames only live until they are cropped
  const grayScratch = { data: new Float32Array(0) };
  const track = await trackFace(timedFrames(frames, clock), {
    keyFrameInterval: opts.keyFrameInterval ?? Math.max(1, Math.round(meta.fps)),
    face: opts.face,
    detect: timed(opts.detect),
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
