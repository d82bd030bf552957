/**
 * The page's analysis, off the main thread: decode (webDecode.ts:
 * WebCodecs + src/io/yuv.ts), track and detect (face-api's browser build,
 * through src/face/faceApiOps.ts and face/track.ts's detectScaled /
 * landmarksOnImage: the CLI's code path), spot, classify — run/analyze.ts's
 * analyzeFrames, the core `merkit analyze` runs. The page sends a file and
 * gets progress messages and the finished analysis; it stays responsive.
 *
 * Messages in:  { type: 'analyse', file: File, model?: string (URL of a model folder), side?: number } ·
 *               { type: 'decode', file: File, count: number } (the first frames as decoded: for the browser test) ·
 *               { type: 'window', id, frames: Float32Array[], size, fps, landmarks, model? } (the webcam's
 *               recent aligned crops, all aligned by one transform, and that transform's landmarks:
 *               analysed here so that the page keeps taking frames meanwhile)
 * Messages out: { type: 'progress', stage, done, total } · { type: 'done', analysis, overlays, id? } ·
 *               { type: 'unsupported', message } (the page falls back to its own decoding) ·
 *               { type: 'error', message, noFace?: { keyFrames } }
 */
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js';
import type { Image } from '../src/core/image.ts';
import { isMerError } from '../src/core/errors.ts';
import { detectWith, landmarksWith, type FaceApiModule, type FaceBox } from '../src/face/faceApiOps.ts';
import { detectScaled, landmarksOnImage } from '../src/face/track.ts';
import { analyzeFrames, framePool, type Analysis, type AnalyzeOptions } from '../src/run/analyze.ts';
import { classifierFromModel, fetchModel, intervalClassify } from '../src/web/modelClient.ts';
import { openDecodedVideo } from './webDecode.ts';

/** the detector's input side (track.ts's default detectSide, the CLI's) */
const DETECT_SIDE = 640;
/** aligned face side without a model's own: flow-svm's frameSize (the CLI's default) */
const ALIGN_SIZE = 128;
/** an apex flow overlay for every interval (a light TV-L1 on 64² each: cheap) */
const ALL_OVERLAYS = 1000;

type Tf = { setBackend(n: string): Promise<boolean>; ready(): Promise<void>; getBackend(): string; setWasmPaths?: (p: string) => void };

let ready: Promise<string> | undefined;

/** face-api has no environment in a worker (no window/document): give it one built on OffscreenCanvas and fetch */
function workerEnv(): void {
  const env = faceapi.env as unknown as { setEnv(e: unknown): void };
  class Absent {}
  env.setEnv({
    Canvas: OffscreenCanvas,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: Absent,
    ImageData,
    Video: Absent,
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: () => {
      throw new Error('no image elements in the analysis worker');
    },
    createVideoElement: () => {
      throw new Error('no video elements in the analysis worker');
    },
    fetch: (...a: Parameters<typeof fetch>) => fetch(...a),
    readFile: () => {
      throw new Error('no file system in the analysis worker');
    },
  });
}

/** tfjs on wasm (the CLI's backend; its binaries served by `merkit serve` under /wasm/), the two nets loaded once */
function initFaces(): Promise<string> {
  ready ??= (async () => {
    workerEnv();
    const tf = faceapi.tf as unknown as Tf;
    tf.setWasmPaths?.(new URL('/wasm/', location.href).href);
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend could not start in this browser');
    await tf.ready();
    const base = new URL('/face-models/', location.href).href;
    await faceapi.nets.ssdMobilenetv1.loadFromUri(base);
    await faceapi.nets.faceLandmark68Net.loadFromUri(base);
    return tf.getBackend();
  })();
  return ready;
}

const api = faceapi as unknown as FaceApiModule;
/** the 68 landmarks in a box, as the CLI finds them (track.ts) */
const landmarksInBox = (img: Image, box: FaceBox) => landmarksOnImage(img, box, DETECT_SIDE, (rgb, b) => landmarksWith(api, rgb, b));

/** the page's model, fetched once per URL (a file's analysis and every webcam window use it) */
const classifiers = new Map<string, Promise<{ classify: NonNullable<AnalyzeOptions['classify']>; model: NonNullable<Analysis['model']> }>>();
function modelAt(url: string) {
  let c = classifiers.get(url);
  if (!c) {
    c = (async () => {
      const { meta, saved } = await fetchModel(url);
      const k = await classifierFromModel(meta, saved);
      return { classify: intervalClassify(k), model: { recipe: k.recipe, classes: [...k.classes] } };
    })();
    classifiers.set(url, c);
    c.catch(() => classifiers.delete(url)); // a failed fetch is tried again next time
  }
  return c;
}

const post = (m: unknown, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
function postDone(analysis: Analysis, overlays: Map<number, Image>, id?: number): void {
  const list = [...overlays].map(([i, img]) => [i, { width: img.width, height: img.height, channels: img.channels, data: img.data }] as const);
  post({ type: 'done', analysis, overlays: list, ...(id !== undefined ? { id } : {}) }, list.map(([, img]) => img.data.buffer));
}

export interface WindowMessage {
  type: 'window';
  id: number;
  /** gray aligned crops, size × size each, oldest first */
  frames: Float32Array[];
  size: number;
  fps: number;
  /** the 68 landmarks of the one alignment, in crop pixels */
  landmarks: Float32Array;
  model?: string;
}

/**
 * The webcam's window: crops that one transform already aligned, so the
 * "detector" returns the aligned landmarks on every key frame and the
 * landmark net runs only for the blinks (run/analyze.ts, as the CLI).
 */
async function analyseWindow(m: WindowMessage): Promise<void> {
  await initFaces();
  const still = [{ score: 1, box: { x: 0, y: 0, width: m.size, height: m.size }, landmarks: m.landmarks }];
  const c = m.model ? await modelAt(m.model) : undefined;
  const crops = m.frames.map((data) => ({ width: m.size, height: m.size, channels: 1 as const, data }));
  const { analysis, overlays } = await analyzeFrames(crops, { fps: m.fps, width: m.size, height: m.size, file: 'webcam' }, {
    faceSize: m.size,
    keyFrameInterval: Math.max(1, Math.round(m.fps)),
    detect: async () => still,
    landmarksInBox,
    redetectEvery: 1,
    overlays: ALL_OVERLAYS,
    ...(c ? { classify: c.classify } : {}),
  });
  if (c) analysis.model = c.model;
  postDone(analysis, overlays, m.id);
}

async function analyse(file: File, modelUrl: string | undefined, side: number | undefined): Promise<void> {
  let video;
  const pool = framePool();
  try {
    video = await openDecodedVideo(file, side, pool);
  } catch (e) {
    if (isMerError(e) && e.code === 'UNSUPPORTED') return post({ type: 'unsupported', message: e.message });
    throw e;
  }
  const backend = await initFaces();
  post({ type: 'backend', backend });
  const c = modelUrl ? await modelAt(modelUrl) : undefined;
  const { analysis, overlays } = await analyzeFrames(
    video.images,
    { fps: video.fps, width: video.width, height: video.height, frames: video.frames, file: file.name, sourceWidth: video.track.width, sourceHeight: video.track.height },
    {
      faceSize: ALIGN_SIZE,
      detect: (img: Image) => detectScaled(img, { detectSide: DETECT_SIDE }, (rgb, o) => detectWith(api, rgb, o)),
      landmarksInBox,
      overlays: ALL_OVERLAYS,
      recycle: pool.recycle,
      ...(c ? { classify: c.classify } : {}),
      progress: {
        begin: (stage, total) => post({ type: 'progress', stage, done: 0, total }),
        tick: (() => {
          let done = 0;
          let last = 0;
          return () => {
            done++;
            const now = performance.now();
            if (now - last > 100) {
              last = now;
              post({ type: 'progress', stage: 'frames', done, total: video.frames });
            }
          };
        })(),
        end: () => undefined,
        info: () => undefined,
      },
    },
  );
  if (c) analysis.model = c.model;
  postDone(analysis, overlays);
}

/** the first `count` analysis frames of a file (planar RGB floats), as analyse() feeds them to analyzeFrames */
async function decodeFirst(file: File, count: number): Promise<void> {
  const video = await openDecodedVideo(file);
  const frames: { width: number; height: number; data: Float32Array }[] = [];
  for await (const img of video.images) {
    frames.push({ width: img.width, height: img.height, data: img.data });
    if (frames.length >= count) break;
  }
  (self as unknown as Worker).postMessage({ type: 'decoded', frames, colour: video.colour }, frames.map((f) => f.data.buffer));
}

self.onmessage = (e: MessageEvent<{ type: 'analyse' | 'decode'; file: File; model?: string; side?: number; count?: number } | WindowMessage>) => {
  const m = e.data;
  if (m?.type !== 'analyse' && m?.type !== 'decode' && m?.type !== 'window') return;
  (m.type === 'window' ? analyseWindow(m) : m.type === 'decode' ? decodeFirst(m.file, m.count ?? 1) : analyse(m.file, m.model, m.side)).catch((err: unknown) => {
    const message = isMerError(err) ? err.describe() : err instanceof Error ? err.message : String(err);
    const noFace = isMerError(err) && err.code === 'NOT_FOUND' && /no face found/.test(err.message) ? { keyFrames: Number(/(\d+) key frame/.exec(err.message)?.[1] ?? 0) } : undefined;
    (self as unknown as Worker).postMessage({ type: 'error', message, ...(noFace ? { noFace } : {}) });
  });
};
