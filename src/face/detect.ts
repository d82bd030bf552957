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
import { detectWith, landmarksWith, type DetectedFace, type DetectOptions, type FaceBox, type RgbImage8 } from './faceApiOps.ts';

const require = createRequire(import.meta.url);

export type { RgbImage8, FaceBox, DetectedFace, DetectOptions } from './faceApiOps.ts';

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

/** Detect all faces in an RGB image (faceApiOps.ts's detectWith on the node-wasm face-api). */
export async function detectFaces(img: RgbImage8, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const faceapi = await faceApi();
  await ensureNet(faceapi, opts.detector ?? 'ssd');
  if (opts.withLandmarks ?? true) await ensureNet(faceapi, 'landmarks');
  return detectWith(faceapi, img, opts);
}

/** The 68 landmarks of the face inside `box` (faceApiOps.ts's landmarksWith on the node-wasm face-api). */
export async function landmarksInBox(img: RgbImage8, box: FaceBox): Promise<Float32Array> {
  const faceapi = await faceApi();
  await ensureNet(faceapi, 'landmarks');
  return landmarksWith(faceapi, img, box);
}
