/**
 * Face detection with 68 landmarks (minimal first version).
 *
 * Runs `@vladmandic/face-api` (its node-wasm build) on `@tensorflow/tfjs` (an
 * optional peer dependency: see requireFaceApi) with the wasm backend.
 * Everything is read from disk: the wasm binaries from
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/ and the model weights from
 * node_modules/@vladmandic/face-api/model — nothing is fetched from the network.
 * Initialisation is lazy and happens once per process; wasm threads are not
 * used (they fail in Node), so the backend runs single-threaded.
 *
 * Landmarks follow the iBUG 68-point layout (0–16 jaw, 17–21 right brow,
 * 22–26 left brow, 27–35 nose, 36–41 right eye, 42–47 left eye, 48–67 mouth;
 * "right" = the subject's right = image left), as interleaved (x, y) pixel
 * coordinates of the input image.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { MerError } from '../core/errors.ts';
import { isMissingPackage, missingPackageError } from '../core/optional.ts';

const require = createRequire(import.meta.url);

export interface RgbImage8 {
  readonly width: number;
  readonly height: number;
  /** interleaved RGB, 0–255, row-major, length width×height×3 */
  readonly data: Uint8Array;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: FaceBox;
  /** detector confidence in [0, 1] */
  score: number;
  /** 68 × (x, y) in input-image pixels, when `withLandmarks` */
  landmarks?: Float32Array;
}

export interface DetectOptions {
  /** 'ssd' (SSD MobileNet v1, accurate; default) or 'tiny' (TinyFaceDetector, faster, misses small faces) */
  detector?: 'ssd' | 'tiny';
  /** minimum detection score; default 0.5 (face-api's default for both detectors) */
  minConfidence?: number;
  /** also run the 68-point landmark net; default true */
  withLandmarks?: boolean;
}

/** face-api's default SSD/tiny detection threshold */
const DEFAULT_MIN_CONFIDENCE = 0.5;
/** SSD MobileNet keeps at most this many boxes; the sample photos hold ≤ 7 faces each */
const SSD_MAX_RESULTS = 100;
/** TinyFaceDetector input side (multiple of 32); 608 is its largest documented size, best for small faces */
const TINY_INPUT_SIZE = 608;

// The node-wasm build is CommonJS; types come from its .d.ts.
type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');

let initPromise: Promise<FaceApi> | undefined;
const loadedNets = new Set<string>();

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * face-api's node-wasm build requires the umbrella package @tensorflow/tfjs
 * (not only tfjs-core, which merkit's networks use): it calls chained tensor
 * methods (`t.as4D()`, `t.toInt()`, `t.expandDims()`, …) that only the
 * umbrella's Node entry installs on the Tensor class. The umbrella (≈ 200 MB
 * with the converter, tfjs-data and WebGL it brings) is needed by face
 * detection alone, so it is an optional peer dependency, installed by those who
 * analyse videos (`npm install @tensorflow/tfjs`); it shares tfjs-core, its
 * engine and its backends with the networks.
 */
function requireFaceApi(): FaceApi {
  try {
    return require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  } catch (e) {
    if (isMissingPackage(e, '@tensorflow/tfjs')) throw missingPackageError('@tensorflow/tfjs', 'face detection (merkit analyze, predict --align)', e);
    throw e;
  }
}

async function init(): Promise<FaceApi> {
  let faceapi: FaceApi;
  try {
    faceapi = requireFaceApi();
  } catch (e) {
    if (e instanceof MerError) throw e;
    throw new MerError('NOT_FOUND', 'cannot load @vladmandic/face-api (node-wasm build)', {
      expected: 'the npm dependency @vladmandic/face-api installed (npm ci)',
      cause: e,
    });
  }
  const tf = faceapi.tf as unknown as {
    getBackend(): string | undefined;
    findBackend(name: string): unknown;
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    engine(): { registry: Record<string, unknown> };
  };
  const wasm = require('@tensorflow/tfjs-backend-wasm') as {
    setWasmPaths(p: string, usePlatformFetch?: boolean): void;
    setThreadsCount?(n: number): void;
  };
  // Only configure wasm if no one initialised it yet (another module may share tfjs).
  if (tf.getBackend() !== 'wasm') {
    const wasmDir = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/';
    if (!existsSync(join(wasmDir, 'tfjs-backend-wasm.wasm'))) {
      throw new MerError('NOT_FOUND', `tfjs wasm binaries not found in ${wasmDir}`, {
        file: wasmDir,
        expected: '@tensorflow/tfjs-backend-wasm installed',
      });
    }
    const alreadyInitialised = tf.engine().registry['wasm'] !== undefined;
    if (!alreadyInitialised) {
      wasm.setWasmPaths(wasmDir);
      wasm.setThreadsCount?.(1);
    }
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new MerError('INTERNAL', 'tfjs wasm backend failed to initialise');
  }
  await tf.ready();
  return faceapi;
}

function modelDir(): string {
  return join(packageDir('@vladmandic/face-api'), 'model');
}

async function ensureNet(faceapi: FaceApi, which: 'ssd' | 'tiny' | 'landmarks'): Promise<void> {
  if (loadedNets.has(which)) return;
  const dir = modelDir();
  const net =
    which === 'ssd'
      ? faceapi.nets.ssdMobilenetv1
      : which === 'tiny'
        ? faceapi.nets.tinyFaceDetector
        : faceapi.nets.faceLandmark68Net;
  try {
    await net.loadFromDisk(dir);
  } catch (e) {
    throw new MerError('NOT_FOUND', `cannot load face-api model '${which}' from ${dir}`, {
      file: dir,
      expected: 'the weights shipped in @vladmandic/face-api/model',
      cause: e,
    });
  }
  loadedNets.add(which);
}

/**
 * The lazily initialised face-api module (tfjs wasm backend ready).
 * @internal face-api's types need the DOM library: not part of merkit's declarations
 */
export function faceApi(): Promise<FaceApi> {
  if (!initPromise) {
    initPromise = init();
    initPromise.catch(() => {
      initPromise = undefined; // allow a retry after a failed init
    });
  }
  return initPromise;
}

/**
 * Detect all faces in an RGB image. Results are sorted by box x (left to
 * right) for a deterministic order; with `withLandmarks` each face carries
 * its 68 landmarks.
 */
export async function detectFaces(img: RgbImage8, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const { detector = 'ssd', minConfidence = DEFAULT_MIN_CONFIDENCE, withLandmarks = true } = opts;
  if (img.data.length !== img.width * img.height * 3) {
    throw new MerError('BAD_INPUT', `image data has ${img.data.length} bytes`, {
      expected: `${img.width}×${img.height}×3 interleaved RGB bytes`,
    });
  }
  const faceapi = await faceApi();
  await ensureNet(faceapi, detector);
  if (withLandmarks) await ensureNet(faceapi, 'landmarks');
  const tf = faceapi.tf as unknown as {
    tensor3d(d: Uint8Array | Int32Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
  };
  const input = tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
  try {
    const options =
      detector === 'ssd'
        ? new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: SSD_MAX_RESULTS })
        : new faceapi.TinyFaceDetectorOptions({ scoreThreshold: minConfidence, inputSize: TINY_INPUT_SIZE });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const task = faceapi.detectAllFaces(input as any, options);
    const out: DetectedFace[] = [];
    if (withLandmarks) {
      const res = await task.withFaceLandmarks();
      for (const r of res) {
        const b = r.detection.box;
        const pts = r.landmarks.positions;
        const lm = new Float32Array(pts.length * 2);
        pts.forEach((p, i) => {
          lm[2 * i] = p.x;
          lm[2 * i + 1] = p.y;
        });
        out.push({ box: { x: b.x, y: b.y, width: b.width, height: b.height }, score: r.detection.score, landmarks: lm });
      }
    } else {
      const res = await task;
      for (const r of res) {
        const b = r.box;
        out.push({ box: { x: b.x, y: b.y, width: b.width, height: b.height }, score: r.score });
      }
    }
    out.sort((a, b) => a.box.x - b.box.x || a.box.y - b.box.y);
    return out;
  } finally {
    input.dispose();
  }
}

/**
 * The 68 landmarks of the face inside `box` (no detector run): the region is
 * cut from the image and fed to the landmark net, exactly as face-api does
 * after a detection (extractFaceTensors → faceLandmark68Net → shift by the
 * box origin). For tracking: the box comes from the previous landmarks.
 */
export async function landmarksInBox(img: RgbImage8, box: FaceBox): Promise<Float32Array> {
  if (img.data.length !== img.width * img.height * 3) {
    throw new MerError('BAD_INPUT', `image data has ${img.data.length} bytes`, { expected: `${img.width}×${img.height}×3 interleaved RGB bytes` });
  }
  const x = Math.max(0, Math.floor(box.x));
  const y = Math.max(0, Math.floor(box.y));
  const w = Math.min(img.width, Math.ceil(box.x + box.width)) - x;
  const h = Math.min(img.height, Math.ceil(box.y + box.height)) - y;
  if (!(w >= 8 && h >= 8)) throw new MerError('BAD_INPUT', `face box ${JSON.stringify(box)} is outside the ${img.width}×${img.height} image`);
  const faceapi = await faceApi();
  await ensureNet(faceapi, 'landmarks');
  const tf = faceapi.tf as unknown as {
    tensor3d(d: Int32Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
  };
  // copy the box region only: converting the whole frame would cost more than the net
  const crop = new Int32Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * 3;
    for (let k = 0; k < w * 3; k++) crop[r * w * 3 + k] = img.data[src + k];
  }
  const input = tf.tensor3d(crop, [h, w, 3], 'int32');
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const res = await faceapi.nets.faceLandmark68Net.detectLandmarks(input as any);
    const lm = Array.isArray(res) ? res[0] : res;
    const pts = lm.positions;
    const out = new Float32Array(pts.length * 2);
    pts.forEach((p, i) => {
      out[2 * i] = p.x + x;
      out[2 * i + 1] = p.y + y;
    });
    return out;
  } finally {
    input.dispose();
  }
}
