/**
 * Image file I/O: PNG, JPEG and BMP to merkit Images and back.
 *
 * - The format is detected from the magic bytes, never from the file name.
 * - PNG and JPEG are decoded by `sharp` (libvips); when sharp cannot be loaded
 *   or throws, `pngjs` / `jpeg-js` (pure JS) are tried. BMP always goes through
 *   merkit's own decoder (./bmp.ts).
 * - Every path first produces the same 8-bit interleaved raster
 *   (`decodeImage8`): alpha dropped, 16-bit samples reduced to 8 bits the way
 *   libvips does it (v >> 8), and an image whose every pixel has R = G = B is
 *   reported as 1 channel. `decodeImage` then converts to Float32 in [0, 1]
 *   (v / 255), planar for RGB; gray from colour is BT.601 luma through
 *   `toGray` (src/core/image.ts). So a PNG/BMP gives bit-identical results
 *   whichever decoder ran. JPEG decoders differ slightly (IDCT / chroma
 *   upsampling), typically by a few grey levels.
 * - Corrupt/truncated/unknown files raise MerError('BAD_INPUT') naming the file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { importOptional } from '../core/optional.ts';
import { MerError } from '../core/errors.ts';
import { makeImage, toGray, type Image } from '../core/image.ts';
import { decodeBmp, encodeBmp as encodeBmp8, type RawImage8 } from './bmp.ts';

export type { RawImage8 } from './bmp.ts';

export type ImageFormat = 'png' | 'jpeg' | 'bmp';
/** which decoder to use: 'auto' = sharp, then the pure-JS decoders if sharp is missing or throws */
export type DecoderChoice = 'auto' | 'sharp' | 'js';

export interface DecodeImageOptions {
  /** 'gray' (default) or 'rgb' (planar) */
  mode?: 'gray' | 'rgb';
  /** file name for error messages */
  file?: string;
  /** force a decoder (mainly for tests); default 'auto' */
  decoder?: DecoderChoice;
}

export interface DecodeImage8Options {
  file?: string;
  /** 'auto' (default): 1 channel when every pixel is gray, else 3; 'gray' forces BT.601 luma (rounded); 'rgb' forces 3 channels */
  mode?: 'auto' | 'gray' | 'rgb';
  decoder?: DecoderChoice;
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DEFAULT_JPEG_QUALITY = 95;

/** Format from the first bytes, or undefined when none matches. */
export function detectImageFormat(buf: Uint8Array): ImageFormat | undefined {
  if (buf.length >= 8 && PNG_SIG.every((b, i) => buf[i] === b)) return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d) return 'bmp';
  return undefined;
}

// ---------------------------------------------------------------- sharp loading

type SharpFn = (typeof import('sharp'))['default'];
let sharpPromise: Promise<SharpFn | undefined> | undefined;
/** sharp, or undefined when it cannot be loaded on this platform (then the JS decoders are used). */
async function loadSharp(): Promise<SharpFn | undefined> {
  sharpPromise ??= import('sharp').then(
    (m) => ((m as unknown as { default?: SharpFn }).default ?? (m as unknown as SharpFn)),
    () => undefined,
  );
  return sharpPromise;
}

/**
 * sharp for work that has no pure-JS fallback (the synthetic generator's
 * Lanczos crops and JPEG frames, which must be the same on every install):
 * sharp is an optional dependency, and a missing one is a one-line MerError
 * naming `feature`.
 * @internal sharp is optional: merkit's declarations do not refer to its types
 */
export async function sharpFor(feature: string): Promise<SharpFn> {
  const m = await importOptional(() => import('sharp'), 'sharp', feature);
  return (m as unknown as { default?: SharpFn }).default ?? (m as unknown as SharpFn);
}

// ---------------------------------------------------------------- raw decoding

interface Raw {
  width: number;
  height: number;
  channels: number; // 1..4 interleaved
  data: Uint8Array;
}

async function decodeWithSharp(sharp: SharpFn, buf: Uint8Array): Promise<Raw> {
  const { data, info } = await sharp(buf, { failOn: 'error' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

async function decodePngJs(buf: Uint8Array): Promise<Raw> {
  const { PNG } = await import('pngjs');
  // skipRescale keeps 16-bit samples; they are reduced with >> 8 below, as libvips does
  const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), { skipRescale: true });
  const n = png.width * png.height;
  const src = png.data as unknown as ArrayLike<number>;
  const sixteen = png.depth === 16;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = src[i * 4 + c];
      out[i * 3 + c] = sixteen ? v >> 8 : v;
    }
  }
  return { width: png.width, height: png.height, channels: 3, data: out };
}

async function decodeJpegJs(buf: Uint8Array): Promise<Raw> {
  const jpeg = (await import('jpeg-js')).default;
  const r = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false });
  return { width: r.width, height: r.height, channels: 3, data: r.data };
}

/** Why a PNG/JPEG failed, in words: truncation is named as such. */
function diagnose(format: ImageFormat, buf: Uint8Array, reason: string): string {
  if (format === 'png') {
    let p = 8;
    while (p + 8 <= buf.length) {
      const len = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      const type = String.fromCharCode(buf[p + 4], buf[p + 5], buf[p + 6], buf[p + 7]);
      if (type === 'IEND') return `corrupt PNG: ${reason}`;
      if (p + 12 + len > buf.length) return `truncated PNG: file ends inside the ${type} chunk (${buf.length} bytes)`;
      p += 12 + len;
    }
    return `truncated PNG: no IEND chunk (${buf.length} bytes)`;
  }
  if (format === 'jpeg') {
    const n = buf.length;
    let end = n;
    while (end > 2 && buf[end - 1] === 0) end--; // tolerate zero padding after EOI
    if (!(buf[end - 2] === 0xff && buf[end - 1] === 0xd9)) return `truncated JPEG: no end-of-image marker (${n} bytes)`;
    return `corrupt JPEG: ${reason}`;
  }
  return reason;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n').map((s) => s.trim()).filter(Boolean)[0] ?? 'unknown error';
}

async function decodeRaw(buf: Uint8Array, file: string | undefined, decoder: DecoderChoice): Promise<Raw> {
  const format = detectImageFormat(buf);
  if (!format) {
    throw new MerError('BAD_INPUT', buf.length === 0 ? 'not an image: empty file' : 'not an image: unknown signature', {
      file,
      expected: 'PNG, JPEG or BMP',
    });
  }
  if (format === 'bmp') return decodeBmp(buf, file);
  let sharpError: unknown;
  if (decoder !== 'js') {
    const sharp = await loadSharp();
    if (sharp) {
      try {
        return await decodeWithSharp(sharp, buf);
      } catch (e) {
        sharpError = e;
      }
    } else if (decoder === 'sharp') {
      throw new MerError('UNSUPPORTED', 'sharp is not available on this platform', { file });
    }
    if (decoder === 'sharp') throw new MerError('BAD_INPUT', diagnose(format, buf, firstLine(sharpError)), { file, cause: sharpError });
  }
  try {
    return format === 'png' ? await decodePngJs(buf) : await decodeJpegJs(buf);
  } catch (e) {
    const why = firstLine(sharpError ?? e);
    throw new MerError('BAD_INPUT', diagnose(format, buf, why), { file, cause: sharpError ?? e });
  }
}

/** Interleaved raw (1..4 channels, alpha already removed by sharp, or 3 from JS) → RawImage8 per mode. */
function normalise(raw: Raw, mode: 'auto' | 'gray' | 'rgb'): RawImage8 {
  const { width, height, channels, data } = raw;
  const n = width * height;
  // reduce to 1 or 3 channels (a 2-channel raster is gray + alpha)
  let c: 1 | 3;
  let d: Uint8Array;
  if (channels === 1 || channels === 2) {
    c = 1;
    if (channels === 1) d = data;
    else {
      d = new Uint8Array(n);
      for (let i = 0; i < n; i++) d[i] = data[i * 2];
    }
  } else {
    c = 3;
    if (channels === 3) d = data;
    else {
      d = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) d[i * 3 + k] = data[i * channels + k];
    }
  }
  if (c === 3 && mode !== 'rgb') {
    let gray = true;
    for (let i = 0; i < n && gray; i++) if (d[i * 3] !== d[i * 3 + 1] || d[i * 3 + 1] !== d[i * 3 + 2]) gray = false;
    if (gray) {
      const g = new Uint8Array(n);
      for (let i = 0; i < n; i++) g[i] = d[i * 3];
      c = 1;
      d = g;
    }
  }
  if (mode === 'rgb' && c === 1) {
    const o = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) o[i * 3] = o[i * 3 + 1] = o[i * 3 + 2] = d[i];
    return { width, height, channels: 3, data: o };
  }
  if (mode === 'gray' && c === 3) {
    const o = new Uint8Array(n);
    for (let i = 0; i < n; i++) o[i] = Math.round(0.299 * d[i * 3] + 0.587 * d[i * 3 + 1] + 0.114 * d[i * 3 + 2]);
    return { width, height, channels: 1, data: o };
  }
  return { width, height, channels: c, data: c === channels ? d.slice() : d };
}

/**
 * Decode PNG/JPEG/BMP bytes to raw 0–255 values, INTERLEAVED (RGBRGB…) — no
 * float conversion (e.g. to feed networks trained on raw values).
 */
export async function decodeImage8(buf: Uint8Array, opts: DecodeImage8Options = {}): Promise<RawImage8> {
  const raw = await decodeRaw(buf, opts.file, opts.decoder ?? 'auto');
  return normalise(raw, opts.mode ?? 'auto');
}

/** 8-bit interleaved → float Image in [0, 1] (planar RGB, or gray through BT.601 `toGray`). */
export function imageFromRaw8(raw: RawImage8, mode: 'gray' | 'rgb' = 'gray'): Image {
  const { width, height, channels, data } = raw;
  const n = width * height;
  if (channels === 1) {
    const g = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = data[i] / 255;
    if (mode === 'gray') return makeImage(width, height, 1, g);
    const out = new Float32Array(3 * n);
    out.set(g, 0);
    out.set(g, n);
    out.set(g, 2 * n);
    return makeImage(width, height, 3, out);
  }
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = data[i * 3] / 255;
    out[n + i] = data[i * 3 + 1] / 255;
    out[2 * n + i] = data[i * 3 + 2] / 255;
  }
  const rgb = makeImage(width, height, 3, out);
  return mode === 'rgb' ? rgb : toGray(rgb);
}

/** Decode PNG/JPEG/BMP bytes to a Float32 Image in [0, 1]; default mode 'gray'. */
export async function decodeImage(buf: Uint8Array, opts: DecodeImageOptions = {}): Promise<Image> {
  const raw = await decodeRaw(buf, opts.file, opts.decoder ?? 'auto');
  return imageFromRaw8(normalise(raw, 'auto'), opts.mode ?? 'gray');
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MerError('NOT_FOUND', 'image file not found', { file: path, cause: e });
    if (code === 'EISDIR') throw new MerError('BAD_INPUT', 'expected an image file, found a folder', { file: path, cause: e });
    throw new MerError('BAD_INPUT', `cannot read image file: ${firstLine(e)}`, { file: path, cause: e });
  }
}

/** Read and decode an image file (NOT_FOUND MerError when missing). */
export async function readImage(path: string, opts: Omit<DecodeImageOptions, 'file'> = {}): Promise<Image> {
  return decodeImage(await readBytes(path), { ...opts, file: path });
}

/** Read and decode an image file to raw 0–255 interleaved values. */
export async function readImage8(path: string, opts: Omit<DecodeImage8Options, 'file'> = {}): Promise<RawImage8> {
  return decodeImage8(await readBytes(path), { ...opts, file: path });
}

// ---------------------------------------------------------------- encoding

/** Float Image in [0, 1] (gray or planar RGB) → 8-bit interleaved; rounded and clamped, NaN → 0. */
export function imageToRaw8(img: Image): RawImage8 {
  const { width, height, channels, data } = img;
  const n = width * height;
  if (data.length !== n * channels) throw new MerError('BAD_INPUT', `image data has ${data.length} values, expected ${width}×${height}×${channels}`);
  const q = (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0);
  const out = new Uint8Array(n * channels);
  if (channels === 1) for (let i = 0; i < n; i++) out[i] = q(data[i]);
  else for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = q(data[c * n + i]);
  return { width, height, channels, data: out };
}

/** Encode as PNG (8-bit gray or RGB). Uses sharp, or pngjs when sharp is unavailable. */
export async function encodePng(img: Image): Promise<Buffer> {
  const raw = imageToRaw8(img);
  const sharp = await loadSharp();
  if (sharp) {
    return sharp(Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), {
      raw: { width: raw.width, height: raw.height, channels: raw.channels },
    })
      .png()
      .toBuffer();
  }
  const { PNG } = await import('pngjs');
  const rgba = Buffer.alloc(raw.width * raw.height * 4);
  for (let i = 0; i < raw.width * raw.height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = raw.data[i * raw.channels + (raw.channels === 1 ? 0 : c)];
    rgba[i * 4 + 3] = 255;
  }
  const png = new PNG({ width: raw.width, height: raw.height });
  png.data = rgba;
  return PNG.sync.write(png);
}

/** Encode as baseline JPEG at `quality` (1–100, default 95). Uses sharp (4:2:0 chroma for colour), or jpeg-js. */
export async function encodeJpeg(img: Image, quality = DEFAULT_JPEG_QUALITY): Promise<Buffer> {
  if (!(quality >= 1 && quality <= 100)) throw new MerError('BAD_OPTION', `JPEG quality ${quality} is outside 1–100`);
  const raw = imageToRaw8(img);
  const sharp = await loadSharp();
  if (sharp) {
    return sharp(Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), {
      raw: { width: raw.width, height: raw.height, channels: raw.channels },
    })
      .jpeg({ quality: Math.round(quality) })
      .toBuffer();
  }
  const jpeg = (await import('jpeg-js')).default;
  const rgba = new Uint8Array(raw.width * raw.height * 4);
  for (let i = 0; i < raw.width * raw.height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = raw.data[i * raw.channels + (raw.channels === 1 ? 0 : c)];
    rgba[i * 4 + 3] = 255;
  }
  return Buffer.from(jpeg.encode({ width: raw.width, height: raw.height, data: rgba }, Math.round(quality)).data);
}

/** Encode as BMP: 8-bit gray palette for gray images, 24-bit for RGB. */
export function encodeBmp(img: Image): Buffer {
  const b = encodeBmp8(imageToRaw8(img));
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Write `img` to `path`; the format comes from the extension (.png, .jpg,
 * .jpeg, .bmp). Parent folders are created; the file appears atomically
 * (written to a temporary sibling, then renamed).
 */
export async function writeImage(path: string, img: Image, opts: { quality?: number } = {}): Promise<void> {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (ext === '.png') bytes = await encodePng(img);
  else if (ext === '.jpg' || ext === '.jpeg') bytes = await encodeJpeg(img, opts.quality ?? DEFAULT_JPEG_QUALITY);
  else if (ext === '.bmp') bytes = encodeBmp(img);
  else throw new MerError('BAD_OPTION', `cannot tell the image format from extension "${ext}"`, { file: path, expected: '.png, .jpg, .jpeg or .bmp' });
  await writeFileAtomic(path, bytes);
}


