/**
 * The faces behind the synthetic data: the six group photos shipped in
 * `@vladmandic/face-api/demo/sample1.jpg … sample6.jpg`, every face detected
 * with 68 landmarks, in a fixed order (by photo, then by x), each one subject.
 *
 * Detection runs once: its result (boxes + landmarks, a few KB) is kept in
 * memory, in `assets/synthetic-faces.json` (shipped; validated against the
 * photos' SHA-1) or, failing that, in `<os.tmpdir()>/merkit-synthetic-faces-v1.json`.
 */
import { writeFileAtomic } from '../../io/atomic.ts';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MerError } from '../../core/errors.ts';
import { makeImage } from '../../core/image.ts';
import { sharpFor } from '../../io/image.ts';
import { faceFrame } from './actionUnits.ts';
import type { SyntheticFace } from './render.ts';

const require = createRequire(import.meta.url);

export const SAMPLE_PHOTOS = ['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg'] as const;

/** bump when the cached detection format or detector settings change */
const CACHE_VERSION = 1;
/** SSD MobileNet at face-api's default threshold finds all 22 faces of the samples */
const DETECTOR = 'ssd' as const;
const MIN_CONFIDENCE = 0.5;
/** faces whose landmark box is smaller than this (photo px) are too small for a clean crop */
export const MIN_FACE_PX = 96;
/**
 * Crop square side = CROP_SCALE × the landmark box's larger side, centred on
 * the box and shifted up by CROP_UP × side: landmarks stop at the brows, and
 * CASME II crops include the forehead.
 */
const CROP_SCALE = 1.45;
/**
 * Faces whose inter-ocular distance is below this fraction of the crop side
 * are turned too far sideways (yaw) for frontal AU geometry: dropped. The
 * sample photos' frontal faces measure 0.26–0.37, their one profile 0.20.
 */
export const MIN_IOD_FRACTION = 0.23;
const CROP_UP = 0.06;

export const ASSET_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'assets', 'synthetic-faces.json');
const TMP_CACHE = join(tmpdir(), `merkit-synthetic-faces-v${CACHE_VERSION}.json`);

export interface CatalogFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** 68 × (x, y) photo pixels */
  landmarks: number[];
}
export interface CatalogPhoto {
  file: string;
  sha1: string;
  width: number;
  height: number;
  faces: CatalogFace[];
}
export interface FaceCatalog {
  version: number;
  detector: string;
  minConfidence: number;
  photos: CatalogPhoto[];
}

/** what needs sharp here (named in the error when the optional package is missing) */
export const SYNTHETIC_FEATURE = 'the synthetic data set (merkit synth, merkit demo)';

export function samplePhotoDir(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
}

async function photoHashes(): Promise<string[]> {
  const dir = samplePhotoDir();
  return Promise.all(
    SAMPLE_PHOTOS.map(async (f) => {
      const p = join(dir, f);
      if (!existsSync(p)) {
        throw new MerError('NOT_FOUND', `sample photo ${p} is missing`, { file: p, expected: '@vladmandic/face-api installed (npm ci)' });
      }
      return createHash('sha1').update(await readFile(p)).digest('hex');
    }),
  );
}

async function readCatalog(path: string, hashes: string[]): Promise<FaceCatalog | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const c = JSON.parse(await readFile(path, 'utf8')) as FaceCatalog;
    if (c.version !== CACHE_VERSION || c.photos?.length !== SAMPLE_PHOTOS.length) return undefined;
    if (c.photos.some((p, i) => p.sha1 !== hashes[i] || p.file !== SAMPLE_PHOTOS[i])) return undefined;
    return c;
  } catch {
    return undefined; // a stale or partial cache is simply rebuilt
  }
}

/** Decode a photo to interleaved 8-bit RGB (no EXIF rotation, same as the crops). */
export async function decodePhoto(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const sharp = await sharpFor(SYNTHETIC_FEATURE);
  try {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new MerError('BAD_INPUT', `cannot decode ${file}`, { file, expected: 'a JPEG photo', cause: e });
  }
}

/** Run the detector on the six photos (a few seconds on the wasm backend). */
export async function detectCatalog(): Promise<FaceCatalog> {
  const { detectFaces } = await import('../../face/detect.ts');
  const hashes = await photoHashes();
  const photos: CatalogPhoto[] = [];
  for (let i = 0; i < SAMPLE_PHOTOS.length; i++) {
    const img = await decodePhoto(join(samplePhotoDir(), SAMPLE_PHOTOS[i]));
    const faces = await detectFaces(img, { detector: DETECTOR, minConfidence: MIN_CONFIDENCE, withLandmarks: true });
    const r2 = (x: number) => Math.round(x * 100) / 100;
    photos.push({
      file: SAMPLE_PHOTOS[i],
      sha1: hashes[i],
      width: img.width,
      height: img.height,
      faces: faces.map((f) => ({
        box: { x: r2(f.box.x), y: r2(f.box.y), width: r2(f.box.width), height: r2(f.box.height) },
        score: Math.round(f.score * 1e4) / 1e4,
        landmarks: Array.from(f.landmarks ?? [], r2),
      })),
    });
  }
  return { version: CACHE_VERSION, detector: DETECTOR, minConfidence: MIN_CONFIDENCE, photos };
}

let catalogPromise: Promise<FaceCatalog> | undefined;

/**
 * The detected faces of the sample photos: from memory, the shipped asset,
 * the temp-dir cache, or a fresh detection (then cached in the temp dir).
 * `fresh: true` forces detection and bypasses every cache.
 */
export function faceCatalog(opts: { fresh?: boolean } = {}): Promise<FaceCatalog> {
  if (opts.fresh) return detectCatalog();
  if (!catalogPromise) {
    catalogPromise = (async () => {
      const hashes = await photoHashes();
      const cached = (await readCatalog(ASSET_FILE, hashes)) ?? (await readCatalog(TMP_CACHE, hashes));
      if (cached) return cached;
      const c = await detectCatalog();
      await writeFileAtomic(TMP_CACHE, JSON.stringify(c));
      return c;
    })();
    catalogPromise.catch(() => {
      catalogPromise = undefined;
    });
  }
  return catalogPromise;
}

/** Write the catalog as the shipped asset (maintainers: after a face-api upgrade). */
export async function writeCatalogAsset(c: FaceCatalog, path = ASSET_FILE): Promise<void> {
  const lines = c.photos.map((p) => '    ' + JSON.stringify(p));
  const text = `{\n  "version": ${c.version},\n  "detector": ${JSON.stringify(c.detector)},\n  "minConfidence": ${c.minConfidence},\n  "photos": [\n${lines.join(',\n')}\n  ]\n}\n`;
  await writeFileAtomic(path, text);
}

export interface UsableFace {
  photo: string;
  faceIndex: number;
  landmarks: Float32Array;
  crop: { x: number; y: number; side: number };
}

/** The faces fit for a clean crop, in catalog order (by photo, then x), with their crop squares. */
export function usableFaces(c: FaceCatalog): UsableFace[] {
  const out: UsableFace[] = [];
  for (const p of c.photos) {
    p.faces.forEach((f, k) => {
      const lm = f.landmarks;
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (let i = 0; i < 68; i++) {
        x0 = Math.min(x0, lm[2 * i]);
        x1 = Math.max(x1, lm[2 * i]);
        y0 = Math.min(y0, lm[2 * i + 1]);
        y1 = Math.max(y1, lm[2 * i + 1]);
      }
      const ext = Math.max(x1 - x0, y1 - y0);
      if (ext < MIN_FACE_PX) return;
      const side = Math.round(ext * CROP_SCALE);
      if (side > p.width || side > p.height) return;
      if (faceFrame(Float32Array.from(lm)).iod < MIN_IOD_FRACTION * side) return;
      let x = Math.round((x0 + x1) / 2 - side / 2);
      let y = Math.round((y0 + y1) / 2 - side / 2 - CROP_UP * side);
      // keep the square inside the photo (shifting it, never shrinking it)
      x = Math.min(Math.max(0, x), p.width - side);
      y = Math.min(Math.max(0, y), p.height - side);
      out.push({ photo: p.file, faceIndex: k, landmarks: Float32Array.from(lm), crop: { x, y, side } });
    });
  }
  return out;
}

const cropCache = new Map<string, Promise<SyntheticFace>>();

/** Cut, resize (Lanczos-3) and map the landmarks of one face; `subject` names it. */
export function cropFace(face: UsableFace, subject: string, size: number, supersample: number): Promise<SyntheticFace> {
  const key = `${face.photo}#${face.faceIndex}@${size}x${supersample}:${subject}`;
  let pr = cropCache.get(key);
  if (!pr) {
    pr = (async () => {
      const S = size * supersample;
      const file = join(samplePhotoDir(), face.photo);
      const sharp = await sharpFor(SYNTHETIC_FEATURE);
      const { data } = await sharp(file)
        .removeAlpha()
        .toColourspace('srgb')
        .extract({ left: face.crop.x, top: face.crop.y, width: face.crop.side, height: face.crop.side })
        .resize(S, S, { kernel: 'lanczos3' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const img = makeImage(S, S, 3);
      const n = S * S;
      for (let i = 0; i < n; i++) {
        img.data[i] = data[3 * i] / 255;
        img.data[n + i] = data[3 * i + 1] / 255;
        img.data[2 * n + i] = data[3 * i + 2] / 255;
      }
      // photo coordinates (pixel centres at integers) → output pixel coordinates
      const k = size / face.crop.side;
      const lm = new Float32Array(136);
      for (let i = 0; i < 68; i++) {
        lm[2 * i] = (face.landmarks[2 * i] + 0.5 - face.crop.x) * k - 0.5;
        lm[2 * i + 1] = (face.landmarks[2 * i + 1] + 0.5 - face.crop.y) * k - 0.5;
      }
      return { subject, photo: face.photo, faceIndex: face.faceIndex, size, supersample, image: img, landmarks: lm, crop: face.crop };
    })();
    cropCache.set(key, pr);
    pr.catch(() => cropCache.delete(key));
  }
  return pr;
}
