/**
 * Face tracking through a video: detect (face-api, 68 landmarks) on key
 * frames only, follow the landmarks between key frames by linear
 * interpolation, one pass over the frames, bounded memory.
 *
 * - Key frames: every `keyFrameInterval` frames (and the last frame), each
 *   downscaled so that its longer side is ≤ `detectSide` before detection
 *   (a 2880×2160 video is detected at 640×480); landmarks are mapped back to
 *   the input frame's pixels.
 * - Which face: `face: 'largest'` (default) takes the largest box on the first
 *   key frame with a face, `face: N` the N-th from the left; on later key
 *   frames the face whose box overlaps the previous one most (IoU ≥
 *   MIN_TRACK_IOU) is followed, else the track holds its last landmarks for
 *   that key frame (counted as a miss).
 * - Full detection runs on every `redetectEvery`-th key frame; on the key
 *   frames in between only the landmark net runs, on the box predicted from
 *   the previous landmarks (≈ 15 ms instead of ≈ 500 ms).
 * - Key-frame landmarks are smoothed by a running median over 5 key frames,
 *   then interpolated linearly between key frames: an expression seen on up
 *   to two key frames (every micro-expression, macro ones up to ~2 s) does
 *   not move the track, which follows only the head — alignment must not cancel the motion
 *   that spotting looks for.
 * - No face on any key frame: MerError NOT_FOUND. Several faces: reported in
 *   the summary (maxFaces), the choice above applies.
 * Frames are handed to `onFrame` in order, with their landmarks, at most
 * (smoothKeyFrames + 1) × keyFrameInterval frames after they were read.
 * `FaceTracker` is the state machine (push a frame, finish the video);
 * `trackFace` runs it over an iterable of frames.
 */
import type { Image } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { resizeImage } from '../core/resize.ts';
import type { DetectedFace, DetectOptions, FaceBox, RgbImage8 } from './faceApiOps.ts';
import { landmarkBox } from './landmarks.ts';

export interface TrackOptions {
  /** detect every this many frames; default 25 (one per second at 25 fps) */
  keyFrameInterval?: number;
  /** which face: 'largest' (default) or its index from the left on the first key frame with faces */
  face?: 'largest' | number;
  /** frames read before the first face is found are kept at most this many key-frame intervals; default 10 */
  maxLeadIntervals?: number;
  /** called for every frame in order with its tracked landmarks (undefined before any face was found) */
  onFrame?: (t: number, frame: Image, landmarks: Float32Array | undefined) => void | Promise<void>;
  /** the detector: face/detect.ts's face-api through detectOnImage on node (run/analyzeVideo.ts), the page's own in a browser */
  detect: (img: Image) => Promise<DetectedFace[]>;
  /**
   * run the full detector on every this many key frames; on the key frames in
   * between only the landmark net runs, on the box predicted from the last
   * landmarks (≈ 15 ms instead of ≈ 500 ms); default 5. 1 = always detect.
   * Ignored without `landmarksInBox`.
   */
  redetectEvery?: number;
  /**
   * half-width h of the running median over key frames (window 2h + 1)
   * applied to the key-frame landmarks before interpolation; default 2.
   * Frames are then delivered up to (h + 1) key-frame intervals late.
   */
  smoothKeyFrames?: number;
  /** landmarks of the face inside a box (face-api's landmark net through landmarksOnImage); without it every key frame is detected */
  landmarksInBox?: (img: Image, box: FaceBox) => Promise<Float32Array>;
  /** called after each key frame's detection (progress) */
  onKeyFrame?: (t: number, faces: number) => void;
}

export interface FaceTrack {
  frames: number;
  width: number;
  height: number;
  keyFrames: number[];
  /** faces found on each key frame */
  facesPerKeyFrame: number[];
  /** key frames where the followed face was found */
  detectedKeyFrames: number;
  maxFaces: number;
  /** the choice made: 'largest' or the index from the left */
  choice: 'largest' | number;
  /** tracked landmarks of every frame (68 × x, y in input pixels), undefined before the first face */
  landmarks: (Float32Array | undefined)[];
  /** box of the followed face on each key frame where it was found */
  boxes: { frame: number; box: FaceBox; score: number }[];
}

/** overlap needed to call a later detection the same face */
export const MIN_TRACK_IOU = 0.3;
const DEFAULT_KEY_INTERVAL = 25;
const DEFAULT_DETECT_SIDE = 640;
const DEFAULT_MAX_LEAD = 10;
const DEFAULT_REDETECT_EVERY = 5;
/**
 * running median over 2·2 + 1 = 5 key frames: on synthetic 30 s videos (3 ×
 * 6 expressions, mp4) spotting F1 was 0.56 with a 3-key median and 0.95 with
 * 5 (= a single detection for the whole video): the landmark net moves the
 * eyes with a macro-expression for 1–3 key frames, which a 3-key median lets through
 */
const DEFAULT_SMOOTH_HALF = 2;

/**
 * The detector-style box of a face from its landmarks: SSD boxes measured on
 * the face-api sample photos span ≈ 0.96 of the landmarks' width and ≈ 1.4 of
 * their height, starting ≈ 0.37 heights above the brows (forehead included).
 */
export function boxFromLandmarks(lm: ArrayLike<number>): FaceBox {
  const b = landmarkBox(lm);
  return { x: b.x + 0.02 * b.width, y: b.y - 0.37 * b.height, width: 0.96 * b.width, height: 1.4 * b.height };
}

/** detection on 8-bit RGB (faceApiOps.ts's detectWith with a face-api module): face/detect.ts's detectFaces on node, the page's own */
export type RgbDetector = (rgb: RgbImage8, opts: DetectOptions) => Promise<DetectedFace[]>;
/** the landmark net in a box of 8-bit RGB (faceApiOps.ts's landmarksWith): face/detect.ts's landmarksInBox on node, the page's own */
export type RgbLandmarker = (rgb: RgbImage8, box: FaceBox) => Promise<Float32Array>;

/**
 * The 68 landmarks of the face in `box` of a float image: the image
 * downscaled to ≤ side and quantised to 8 bits first (toDetectionImage), as
 * for detection, then `landmarker`. This file loads no detector (the page
 * bundles it): the caller passes face/detect.ts's on node, its own in a browser.
 */
export async function landmarksOnImage(img: Image, box: FaceBox, side: number | undefined, landmarker: RgbLandmarker): Promise<Float32Array> {
  const { rgb, scale } = toDetectionImage(img, side ?? DEFAULT_DETECT_SIDE);
  const k = 1 / scale;
  const small = { x: (box.x + 0.5) * scale - 0.5, y: (box.y + 0.5) * scale - 0.5, width: box.width * scale, height: box.height * scale };
  const lm = await landmarker(rgb, small);
  return scale === 1 ? lm : Float32Array.from(lm, (v) => (v + 0.5) * k - 0.5);
}

function boxIoU(a: FaceBox, b: FaceBox): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** A float image (gray or planar RGB, [0, 1]) as interleaved 8-bit RGB, downscaled to ≤ side. */
export function toDetectionImage(img: Image, side: number): { rgb: RgbImage8; scale: number } {
  const longer = Math.max(img.width, img.height);
  const scale = longer > side ? side / longer : 1;
  const small = scale < 1 ? resizeImage(img, Math.max(1, Math.round(img.width * scale)), Math.max(1, Math.round(img.height * scale)), { method: 'area' }) : img;
  const n = small.width * small.height;
  const out = new Uint8Array(3 * n);
  const d = small.data;
  const q = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));
  for (let i = 0; i < n; i++) {
    if (small.channels === 1) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = q(d[i]);
    else {
      out[3 * i] = q(d[i]);
      out[3 * i + 1] = q(d[n + i]);
      out[3 * i + 2] = q(d[2 * n + i]);
    }
  }
  return { rgb: { width: small.width, height: small.height, data: out }, scale: small.width / img.width };
}

/** An image with `p` pixels added on every side, replicating the edge pixels. */
export function padImage(img: Image, p: number): Image {
  const { width: W, height: H, channels: C, data } = img;
  const W2 = W + 2 * p;
  const H2 = H + 2 * p;
  const out = new Float32Array(W2 * H2 * C);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H2; y++) {
      const sy = Math.min(H - 1, Math.max(0, y - p));
      for (let x = 0; x < W2; x++) out[c * W2 * H2 + y * W2 + x] = data[c * W * H + sy * W + Math.min(W - 1, Math.max(0, x - p))];
    }
  }
  return { width: W2, height: H2, channels: C, data: out };
}

export interface DetectOnImageOptions {
  /** detection input: the longer side is downscaled to at most this; default 640 */
  detectSide?: number;
  /** face-api's detector; default 'ssd' */
  detector?: 'ssd' | 'tiny';
  /** minimum detection score; default 0.5 */
  minConfidence?: number;
  /**
   * pad every side by this fraction of the longer side before detecting (edge
   * replicated); default 0. Use ~0.25 on tight face crops (database apex
   * frames): the detectors were trained on faces with surroundings.
   */
  pad?: number;
  /** stretch intensities so the 1st–99th percentiles span [0, 1] before detecting (dim or low-contrast crops); default false */
  stretch?: boolean;
}

/** percentiles mapped to 0 and 1 by `stretch` */
const STRETCH_PERCENTILES: readonly [number, number] = [0.01, 0.99];

/** Contrast stretch: the 1st–99th percentiles of all values become 0 and 1 (clamped). */
export function stretchContrast(img: Image): Image {
  const sorted = Float32Array.from(img.data).sort();
  const lo = sorted[Math.floor(sorted.length * STRETCH_PERCENTILES[0])];
  const hi = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * STRETCH_PERCENTILES[1]))];
  if (!(hi > lo)) return img;
  const k = 1 / (hi - lo);
  return { ...img, data: img.data.map((v) => Math.min(1, Math.max(0, (v - lo) * k))) };
}

/**
 * Attempts of `detectFaceInCrop`, in order: tight database crops (CASME II,
 * SAMM, SMIC apex frames) defeat detectors trained on faces with context;
 * padding with replicated edges and stretching dim near-infrared frames
 * (SMIC) brings them back (found by trying on ../shared/data crops).
 */
export const CROP_ATTEMPTS: readonly DetectOnImageOptions[] = [{ pad: 0.25 }, { pad: 0.3, stretch: true }, { pad: 0.8, stretch: true }, { pad: 1.2, stretch: true }];
/** a face this confident ends the attempts early */
const CROP_CONFIDENT = 0.8;
/** crops are searched at this lower threshold (there is a face; the question is where) */
const CROP_MIN_CONFIDENCE = 0.3;

/** The most confident face over the attempts on a face crop (see CROP_ATTEMPTS), or undefined. */
export async function detectFaceInCrop(img: Image, opts: Pick<DetectOnImageOptions, 'detector' | 'minConfidence'>, detector: RgbDetector): Promise<DetectedFace | undefined> {
  let best: DetectedFace | undefined;
  for (const a of CROP_ATTEMPTS) {
    const faces = (await detectOnImage(img, { minConfidence: CROP_MIN_CONFIDENCE, ...opts, ...a, detectSide: Number.MAX_SAFE_INTEGER }, detector)).filter((f) => f.landmarks);
    for (const f of faces) if (!best || f.score > best.score) best = f;
    if (best && best.score >= CROP_CONFIDENT) break;
  }
  return best;
}

/** Detect faces (with landmarks) on a float image with `detector`, results in its own pixel coordinates. */
export async function detectOnImage(input: Image, opts: DetectOnImageOptions, detector: RgbDetector): Promise<DetectedFace[]> {
  const p = Math.round((opts.pad ?? 0) * Math.max(input.width, input.height));
  const src = opts.stretch ? stretchContrast(input) : input;
  const img = p > 0 ? padImage(src, p) : src;
  const unpad = (f: DetectedFace): DetectedFace =>
    p > 0 ? { score: f.score, box: { ...f.box, x: f.box.x - p, y: f.box.y - p }, landmarks: f.landmarks ? Float32Array.from(f.landmarks, (v) => v - p) : undefined } : f;
  return (await detectScaled(img, opts, detector)).map(unpad);
}

/**
 * Faces on a float image: downscaled to ≤ detectSide and quantised to 8 bits
 * (toDetectionImage), detected with `detector` (face/detect.ts's face-api
 * on node-wasm, the page's own in a browser), mapped back to the image's pixels.
 */
export async function detectScaled(img: Image, opts: Pick<DetectOnImageOptions, 'detectSide' | 'detector' | 'minConfidence'>, detector: RgbDetector): Promise<DetectedFace[]> {
  const { rgb, scale } = toDetectionImage(img, opts.detectSide ?? DEFAULT_DETECT_SIDE);
  const faces = await detector(rgb, { detector: opts.detector ?? 'ssd', minConfidence: opts.minConfidence, withLandmarks: true });
  if (scale === 1) return faces;
  const k = 1 / scale;
  // pixel centres: full = (small + 0.5)·k − 0.5
  return faces.map((f) => ({
    score: f.score,
    box: { x: f.box.x * k, y: f.box.y * k, width: f.box.width * k, height: f.box.height * k },
    landmarks: f.landmarks ? Float32Array.from(f.landmarks, (v) => (v + 0.5) * k - 0.5) : undefined,
  }));
}

/** Pick the face to follow (see the module comment); undefined when none qualifies. */
export function chooseFace(faces: readonly DetectedFace[], prev: FaceBox | undefined, choice: 'largest' | number): DetectedFace | undefined {
  const withLm = faces.filter((f) => f.landmarks);
  if (withLm.length === 0) return undefined;
  if (prev) {
    let best: DetectedFace | undefined;
    let bestIoU = MIN_TRACK_IOU;
    for (const f of withLm) {
      const v = boxIoU(f.box, prev);
      if (v >= bestIoU) {
        bestIoU = v;
        best = f;
      }
    }
    return best;
  }
  if (choice === 'largest') return withLm.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
  return withLm[choice];
}

/**
 * The tracker's state machine (see the module comment): frames go in one at
 * a time with `push`, `finish` ends the video and returns the track. Frames
 * wait in `pending` for the next key frame, then in `outQ` until the running
 * median of their right-hand key frame is known, and leave through `onFrame`.
 */
export class FaceTracker {
  readonly track: FaceTrack;
  private readonly opts: TrackOptions;
  private readonly K: number;
  private readonly maxLead: number;
  private readonly redetect: number;
  private readonly lmInBox: TrackOptions['landmarksInBox'];
  /** half-width of the running median over key frames */
  private readonly h: number;
  /** frames waiting for the next key frame's landmarks */
  private pending: { t: number; frame: Image }[] = [];
  private lastKey: { t: number; lm: Float32Array } | undefined;
  private lastBox: FaceBox | undefined;
  private chosenOnce = false;
  private sinceDetect = 0;
  private readonly keys: { t: number; raw: Float32Array; smooth?: Float32Array }[] = [];
  /** frames waiting for their right-hand key's median */
  private outQ: { t: number; frame: Image }[] = [];
  /** first key whose frames are not emitted yet */
  private nextKey = 0;
  /** frames pushed so far */
  private t = 0;

  constructor(opts: TrackOptions) {
    this.opts = opts;
    this.K = opts.keyFrameInterval ?? DEFAULT_KEY_INTERVAL;
    if (!(Number.isInteger(this.K) && this.K >= 1)) throw new MerError('BAD_OPTION', `keyFrameInterval ${this.K}`, { expected: 'an integer ≥ 1' });
    const choice = opts.face ?? 'largest';
    if (choice !== 'largest' && !(Number.isInteger(choice) && choice >= 0)) throw new MerError('BAD_OPTION', `face ${choice}`, { expected: "'largest' or an index ≥ 0" });
    this.maxLead = (opts.maxLeadIntervals ?? DEFAULT_MAX_LEAD) * this.K;
    this.track = { frames: 0, width: 0, height: 0, keyFrames: [], facesPerKeyFrame: [], detectedKeyFrames: 0, maxFaces: 0, choice, landmarks: [], boxes: [] };
    this.lmInBox = opts.landmarksInBox;
    this.redetect = !this.lmInBox ? 1 : (opts.redetectEvery ?? DEFAULT_REDETECT_EVERY);
    if (!(Number.isInteger(this.redetect) && this.redetect >= 1)) throw new MerError('BAD_OPTION', `redetectEvery ${this.redetect}`, { expected: 'an integer ≥ 1' });
    // Key-frame landmarks are smoothed by a running median over 2h + 1 key
    // frames before interpolation, so an expression seen on one key frame (a
    // micro-expression always; a short macro on one or two) does not move the
    // track.
    this.h = opts.smoothKeyFrames ?? DEFAULT_SMOOTH_HALF;
    if (!(Number.isInteger(this.h) && this.h >= 0)) throw new MerError('BAD_OPTION', `smoothKeyFrames ${this.h}`, { expected: 'an integer ≥ 0' });
  }

  /** The next frame of the video. */
  async push(frame: Image): Promise<void> {
    const t = this.t;
    if (t === 0) {
      this.track.width = frame.width;
      this.track.height = frame.height;
    }
    if (t % this.K === 0) await this.keyFrame(t, frame);
    else {
      this.pending.push({ t, frame });
      if (!this.lastKey && this.pending.length > this.maxLead) {
        const p = this.pending.shift()!;
        await this.emit(p.t, p.frame, undefined);
      }
    }
    this.t++;
  }

  /** The end of the video: the last frames are handed over and the track returned. */
  async finish(): Promise<FaceTrack> {
    const { track, t } = this;
    track.frames = t;
    if (t === 0) throw new MerError('BAD_INPUT', 'no frames to track', { expected: 'a video with at least one frame' });
    if (this.pending.length > 0) {
      // the last frame becomes a key frame so the tail is interpolated, not extrapolated
      const tail = this.pending.pop()!;
      await this.keyFrame(tail.t, tail.frame);
    }
    await this.drain(true);
    for (const q of this.outQ) await this.emit(q.t, q.frame, undefined); // never a face
    if (track.detectedKeyFrames === 0) {
      throw new MerError('NOT_FOUND', `no face found in ${track.keyFrames.length} key frame(s) of ${t} frames`, {
        expected: 'a video showing a face (frontal, at least ~60 px wide after downscaling to the detection size)',
      });
    }
    return track;
  }

  private async emit(t: number, frame: Image, lm: Float32Array | undefined): Promise<void> {
    this.track.landmarks[t] = lm;
    if (this.opts.onFrame) await this.opts.onFrame(t, frame, lm);
  }

  private async keyFrame(t: number, frame: Image): Promise<void> {
    const { track, opts } = this;
    if (this.lmInBox && this.lastKey && this.lastBox && this.sinceDetect + 1 < this.redetect) {
      // follow: landmark net on the box predicted from the last landmarks
      this.sinceDetect++;
      const lm = await this.lmInBox(frame, boxFromLandmarks(this.lastKey.lm));
      track.keyFrames.push(t);
      track.facesPerKeyFrame.push(1);
      opts.onKeyFrame?.(t, 1);
      this.lastBox = boxFromLandmarks(lm);
      track.detectedKeyFrames++;
      await this.flushTo(t, frame, lm);
      return;
    }
    this.sinceDetect = 0;
    const faces = await opts.detect(frame);
    track.keyFrames.push(t);
    track.facesPerKeyFrame.push(faces.length);
    track.maxFaces = Math.max(track.maxFaces, faces.length);
    opts.onKeyFrame?.(t, faces.length);
    const choice = track.choice;
    if (!this.chosenOnce && choice !== 'largest' && faces.length > 0 && faces.length <= choice) {
      throw new MerError('BAD_OPTION', `--face ${choice}: frame ${t} shows ${faces.length} face(s)`, { expected: `an index below ${faces.length} (faces counted from the left, from 0)` });
    }
    const f = chooseFace(faces, this.lastBox, choice);
    let lm: Float32Array | undefined;
    if (f && f.landmarks) {
      this.chosenOnce = true;
      lm = f.landmarks;
      this.lastBox = f.box;
      track.detectedKeyFrames++;
      track.boxes.push({ frame: t, box: f.box, score: f.score });
    } else lm = this.lastKey?.lm; // a miss: hold the last landmarks
    await this.flushTo(t, frame, lm);
  }

  private smoothAt(j: number): Float32Array {
    const { keys, h } = this;
    const lo = Math.max(0, j - h);
    const hi = Math.min(keys.length - 1, j + h);
    const n = hi - lo + 1;
    const out = new Float32Array(keys[j].raw.length);
    const buf = new Float64Array(n);
    for (let i = 0; i < out.length; i++) {
      for (let k = 0; k < n; k++) buf[k] = keys[lo + k].raw[i];
      buf.sort();
      out[i] = n % 2 ? buf[(n - 1) / 2] : 0.5 * (buf[n / 2 - 1] + buf[n / 2]);
    }
    return out;
  }

  private async drain(final: boolean): Promise<void> {
    const { keys } = this;
    while (this.nextKey < keys.length && (final || this.nextKey + this.h < keys.length)) {
      const k = keys[this.nextKey];
      k.smooth = this.smoothAt(this.nextKey);
      const prev = this.nextKey > 0 ? keys[this.nextKey - 1] : undefined;
      const rest: { t: number; frame: Image }[] = [];
      for (const q of this.outQ) {
        if (q.t > k.t) {
          rest.push(q);
          continue;
        }
        let lm: Float32Array;
        if (prev && prev.smooth && q.t > prev.t) {
          const w = (q.t - prev.t) / (k.t - prev.t);
          lm = new Float32Array(k.smooth.length);
          for (let i = 0; i < lm.length; i++) lm[i] = (1 - w) * prev.smooth[i] + w * k.smooth[i];
        } else lm = k.smooth; // frames before the first face: its landmarks
        await this.emit(q.t, q.frame, lm);
      }
      this.outQ = rest;
      this.nextKey++;
    }
  }

  /** queue the frames up to key frame t and record its landmarks (undefined: no face yet) */
  private async flushTo(t: number, frame: Image, lm: Float32Array | undefined): Promise<void> {
    if (!lm) {
      // no face found so far: nothing to interpolate from, frames wait (bounded by maxLead)
      this.outQ.push(...this.pending, { t, frame });
      this.pending = [];
      while (this.outQ.length > this.maxLead) {
        const q = this.outQ.shift()!;
        await this.emit(q.t, q.frame, undefined);
      }
      return;
    }
    this.outQ.push(...this.pending, { t, frame });
    this.pending = [];
    this.keys.push({ t, raw: lm });
    this.lastKey = { t, lm };
    await this.drain(false);
  }
}

/** Track one face through frames (see the module comment). */
export async function trackFace(frames: Iterable<Image> | AsyncIterable<Image>, opts: TrackOptions): Promise<FaceTrack> {
  const tracker = new FaceTracker(opts);
  for await (const frame of frames as AsyncIterable<Image>) await tracker.push(frame);
  return tracker.finish();
}
