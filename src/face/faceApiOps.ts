/**
 * Face detection and landmarks with @vladmandic/face-api, given the face-api
 * module: the ONE inference path of `merkit analyze` (face/detect.ts passes
 * the node-wasm build) and the page (web/ passes the browser build, in its
 * analysis worker). Both feed face-api a tensor built from the same 8-bit
 * RGB bytes (face/track.ts's toDetectionImage), so the detector and the
 * landmark net see identical input on both sides. Browser-safe: no node:
 * imports; the module is injected.
 *
 * Landmarks follow the iBUG 68-point layout (0–16 jaw, 17–21 right brow,
 * 22–26 left brow, 27–35 nose, 36–41 right eye, 42–47 left eye, 48–67 mouth;
 * "right" = the subject's right = image left), as interleaved (x, y) pixel
 * coordinates of the input image.
 */
import { MerError } from '../core/errors.ts';

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

/**
 * The face-api module (node-wasm or browser build: the same API), with its nets loaded by the caller.
 * @internal face-api's types need the DOM library: not part of merkit's declarations (nor the two functions taking it)
 */
export type FaceApiModule = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');

/**
 * Detect all faces in an RGB image. Results are sorted by box x (left to
 * right) for a deterministic order; with `withLandmarks` each face carries
 * its 68 landmarks.
 * @internal takes the face-api module (see FaceApiModule)
 */
export async function detectWith(faceapi: FaceApiModule, img: RgbImage8, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const { detector = 'ssd', minConfidence = DEFAULT_MIN_CONFIDENCE, withLandmarks = true } = opts;
  if (img.data.length !== img.width * img.height * 3) {
    throw new MerError('BAD_INPUT', `image data has ${img.data.length} bytes`, {
      expected: `${img.width}×${img.height}×3 interleaved RGB bytes`,
    });
  }
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
 * @internal takes the face-api module (see FaceApiModule)
 */
export async function landmarksWith(faceapi: FaceApiModule, img: RgbImage8, box: FaceBox): Promise<Float32Array> {
  if (img.data.length !== img.width * img.height * 3) {
    throw new MerError('BAD_INPUT', `image data has ${img.data.length} bytes`, { expected: `${img.width}×${img.height}×3 interleaved RGB bytes` });
  }
  const x = Math.max(0, Math.floor(box.x));
  const y = Math.max(0, Math.floor(box.y));
  const w = Math.min(img.width, Math.ceil(box.x + box.width)) - x;
  const h = Math.min(img.height, Math.ceil(box.y + box.height)) - y;
  if (!(w >= 8 && h >= 8)) throw new MerError('BAD_INPUT', `face box ${JSON.stringify(box)} is outside the ${img.width}×${img.height} image`);
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
