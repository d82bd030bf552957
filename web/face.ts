/**
 * Face detection in the page: @vladmandic/face-api's browser build (tfjs
 * inside) with the WebGL backend, falling back to wasm (binaries served by
 * `merkit serve` under /wasm/) and then to cpu when WebGL is unavailable
 * (e.g. headless chromium). Weights come from /face-models/ (face-api's npm
 * tarball), never from a CDN.
 */
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js';

export interface PageFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** 68 × (x, y), interleaved, in the pixels of the canvas given */
  landmarks: Float32Array;
}

/** face-api's default SSD MobileNet threshold */
const MIN_CONFIDENCE = 0.5;

let ready: Promise<string> | undefined;

type Tf = { setBackend(n: string): Promise<boolean>; ready(): Promise<void>; getBackend(): string; setWasmPaths?: (p: string) => void; findBackend?(n: string): unknown };

/** WebGL rendered in software (SwiftShader, llvmpipe: headless or GPU-less machines) is slower than wasm SIMD */
export function softwareWebgl(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return true;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    return /swiftshader|llvmpipe|software/i.test(renderer);
  } catch {
    return true;
  }
}

/** Backends in order of preference: `?backend=NAME` first when given, WebGL unless it is software-rendered, then wasm, then cpu. */
export function backendOrder(): string[] {
  const forced = new URLSearchParams(location.search).get('backend');
  const order = softwareWebgl() ? ['wasm', 'webgl', 'cpu'] : ['webgl', 'wasm', 'cpu'];
  return forced ? [forced, ...order.filter((b) => b !== forced)] : order;
}

async function pickBackend(tf: Tf): Promise<string> {
  for (const name of backendOrder()) {
    try {
      if (name === 'wasm') tf.setWasmPaths?.(new URL('/wasm/', location.href).href);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // try the next backend
    }
  }
  throw new Error('no tfjs backend could start (webgl, wasm and cpu all failed)');
}

/** Load the backend and the detector + 68-landmark nets once; resolves to the backend name. */
export function initFaces(): Promise<string> {
  ready ??= (async () => {
    const backend = await pickBackend(faceapi.tf as unknown as Tf);
    const base = new URL('/face-models/', location.href).href;
    await faceapi.nets.ssdMobilenetv1.loadFromUri(base);
    await faceapi.nets.faceLandmark68Net.loadFromUri(base);
    return backend;
  })();
  return ready;
}

/** Every face on a canvas (box, score, 68 landmarks in the canvas's pixels), largest first. */
export async function detectAll(canvas: HTMLCanvasElement): Promise<PageFace[]> {
  await initFaces();
  // A tensor, not the canvas: face-api scales a canvas to the detector's
  // input with the browser's drawImage, whose resampling differs between
  // browser versions (Chromium 156 scored the same synthetic face 0.53–0.87
  // where tf's bilinear resize, the CLI's path, gives 0.77–0.93). From a
  // tensor the page detects the way `merkit analyze` does.
  const pixels = faceapi.tf.browser.fromPixels(canvas);
  let found;
  try {
    found = await faceapi.detectAllFaces(pixels as unknown as faceapi.TNetInput, new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_CONFIDENCE })).withFaceLandmarks();
  } finally {
    pixels.dispose();
  }
  found.sort((a, b) => b.detection.box.area - a.detection.box.area);
  return found.map((f) => {
    const pts = f.landmarks.positions;
    const lm = new Float32Array(pts.length * 2);
    pts.forEach((p, i) => {
      lm[2 * i] = p.x;
      lm[2 * i + 1] = p.y;
    });
    const b = f.detection.box;
    return { box: { x: b.x, y: b.y, width: b.width, height: b.height }, score: f.detection.score, landmarks: lm };
  });
}

/** The largest face on a canvas, or undefined when there is none. */
export async function detectLargestFace(canvas: HTMLCanvasElement): Promise<PageFace | undefined> {
  return (await detectAll(canvas))[0];
}
