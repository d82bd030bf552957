/**
 * Decoded video frames (YUV 4:2:0, 8-bit) → planar RGB at the analysis size.
 *
 * The one colour conversion of merkit's video analysis: `merkit analyze`
 * (ffmpeg decodes, io/video.ts hands over the raw yuv420p planes) and the
 * page (WebCodecs decodes, web/ copies the I420 planes out of each
 * VideoFrame) both call `yuv420ToRgb`, so that the same video gives the
 * same frames, bit for bit: H.264 decoding itself is exact (every
 * conforming decoder outputs the same planes), and everything after it is
 * this file. Before, ffmpeg's swscale (area scaling, its own YUV → RGB) and
 * the browser's drawImage (its own scaler and colour path) each did it their
 * way; the frames differed by a few grey levels, enough to move the face
 * detector's landmarks and, through them, spotting and classes.
 *
 * - Luma is resampled to the output size, chroma to the output's 4:2:0
 *   chroma size (core/resize.ts's axis tables: area averaging when
 *   shrinking, bilinear when enlarging, pixel centres aligned); each chroma
 *   sample then colours its 2×2 block of output pixels, as ffmpeg's swscale
 *   does (interpolating chroma instead moved the frames up to 13 grey levels
 *   from ffmpeg's, enough to drop the face detector's score on a small
 *   synthetic face from 0.54 to below its 0.5 threshold).
 * - Y'CbCr → R'G'B' with the stream's matrix (BT.601 or BT.709) and range
 *   (limited 16–235/16–240, or full), clamped to [0, 1].
 * Pure: typed arrays in, an Image out; no node: imports (the page uses it).
 */
import { makeImage, type Image } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { axisTable } from '../core/resize.ts';

/** 4:2:0 planes, 8-bit; chroma planes are ceil(width/2) × ceil(height/2) */
export interface Yuv420Frame {
  readonly width: number;
  readonly height: number;
  readonly y: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;
}

/** how the stream encodes colour (what its metadata says; see colourOf) */
export interface YuvColour {
  matrix: 'bt601' | 'bt709';
  fullRange: boolean;
}

/** no colour metadata: BT.601, limited range (ffmpeg's and the H.264 default for unspecified streams) */
export const DEFAULT_COLOUR: YuvColour = Object.freeze({ matrix: 'bt601', fullRange: false });

/** luma weights (Kr, Kb) of the two matrices */
const KR_KB: Record<YuvColour['matrix'], readonly [number, number]> = { bt601: [0.299, 0.114], bt709: [0.2126, 0.0722] };

/**
 * The colour of a stream from the names its decoder reports: ffmpeg's
 * colorspace names (`bt709`, `bt470bg`, `smpte170m`, …) or WebCodecs'
 * VideoColorSpace.matrix (the same names), and the range ('pc'/'jpeg'/true =
 * full). Anything other than BT.709 is converted as BT.601.
 */
export function colourOf(matrix: string | null | undefined, fullRange: boolean | string | null | undefined): YuvColour {
  const full = fullRange === true || fullRange === 'pc' || fullRange === 'jpeg' || fullRange === 'full';
  return { matrix: matrix === 'bt709' ? 'bt709' : 'bt601', fullRange: full };
}

/** Bytes of one 4:2:0 frame of this size (Y then U then V, no padding). */
export function yuv420Bytes(width: number, height: number): number {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  return width * height + 2 * cw * ch;
}

/** The three planes of a packed I420 buffer (Y, U, V back to back), as views. */
export function splitYuv420(buf: Uint8Array, width: number, height: number): Yuv420Frame {
  const n = width * height;
  const c = ((width + 1) >> 1) * ((height + 1) >> 1);
  if (buf.length < n + 2 * c) throw new MerError('BAD_INPUT', `a ${width}×${height} 4:2:0 frame needs ${n + 2 * c} bytes, got ${buf.length}`);
  return { width, height, y: buf.subarray(0, n), u: buf.subarray(n, n + c), v: buf.subarray(n + c, n + 2 * c) };
}

interface Plan {
  key: string;
  tx: ReturnType<typeof axisTable>;
  ty: ReturnType<typeof axisTable>;
}
const plans = new Map<string, Plan>();

function plan(sw: number, sh: number, dw: number, dh: number): Plan {
  const key = `${sw}x${sh}>${dw}x${dh}`;
  let p = plans.get(key);
  if (!p) {
    const shrink = dw <= sw && dh <= sh;
    const m = shrink ? 'area' : 'bilinear';
    p = { key, tx: axisTable(m, sw, dw, shrink), ty: axisTable(m, sh, dh, shrink) };
    if (plans.size > 16) plans.clear();
    plans.set(key, p);
  }
  return p;
}

/**
 * Resample an 8-bit plane to dw × dh into `out` (values stay 0–255, as
 * floats): one output row at a time, the source rows it needs summed into a
 * row buffer, then the row resampled across (cache-friendly, no frame-sized
 * scratch).
 */
function resample(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, out: Float32Array): void {
  if (sw === dw && sh === dh) {
    for (let i = 0; i < dw * dh; i++) out[i] = src[i];
    return;
  }
  const { tx, ty } = plan(sw, sh, dw, dh);
  const row = new Float32Array(sw);
  const tt = tx.taps;
  const tIdx = tx.idx;
  const tW = tx.w;
  for (let y = 0; y < dh; y++) {
    let first = true;
    for (let k = 0; k < ty.taps; k++) {
      const w = ty.w[y * ty.taps + k];
      if (w === 0) continue;
      const s = ty.idx[y * ty.taps + k] * sw;
      if (first) for (let x = 0; x < sw; x++) row[x] = w * src[s + x];
      else for (let x = 0; x < sw; x++) row[x] += w * src[s + x];
      first = false;
    }
    if (first) row.fill(0);
    const o = y * dw;
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      const b = x * tt;
      for (let k = 0; k < tt; k++) acc += row[tIdx[b + k]] * tW[b + k];
      out[o + x] = acc;
    }
  }
}

/** A 4:2:0 frame as planar RGB in [0, 1] at width × height (see the module comment), written into `into` when given (3·width·height floats). */
export function yuv420ToRgb(f: Yuv420Frame, width: number, height: number, colour: YuvColour = DEFAULT_COLOUR, into?: Float32Array): Image {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) throw new MerError('BAD_OPTION', `output size ${width}×${height}`, { expected: 'positive integers' });
  const cw = (f.width + 1) >> 1;
  const ch = (f.height + 1) >> 1;
  if (f.y.length < f.width * f.height || f.u.length < cw * ch || f.v.length < cw * ch) {
    throw new MerError('BAD_INPUT', `4:2:0 planes too short for ${f.width}×${f.height}`);
  }
  const n = width * height;
  if (into && into.length !== 3 * n) throw new MerError('BAD_OPTION', `output buffer of ${into.length} floats for ${width}×${height}×3`);
  const out = into ?? new Float32Array(3 * n);
  // luma resampled into the output's R plane; chroma to the output's own 4:2:0 size, each sample then
  // covering its 2×2 block (as swscale converts 4:2:0 to RGB: frames stay within a few levels of ffmpeg's rgb24)
  const Y = out.subarray(0, n);
  resample(f.y, f.width, f.height, width, height, Y);
  const ow = (width + 1) >> 1;
  const oh = (height + 1) >> 1;
  const U = new Float32Array(ow * oh);
  const V = new Float32Array(ow * oh);
  resample(f.u, cw, ch, ow, oh, U);
  resample(f.v, cw, ch, ow, oh, V);
  const [kr, kb] = KR_KB[colour.matrix];
  const kg = 1 - kr - kb;
  // Y' = (y − yOff) / yRange, Pb/Pr = (c − 128) / cRange, in [−½, ½]
  const yOff = colour.fullRange ? 0 : 16;
  const yScale = 1 / (colour.fullRange ? 255 : 219);
  const cScale = 1 / (colour.fullRange ? 255 : 224);
  const rV = 2 * (1 - kr);
  const bU = 2 * (1 - kb);
  const gU = (-bU * kb) / kg;
  const gV = (-rV * kr) / kg;
  // per chroma sample: its R, G, B offsets; per pixel: luma plus its block's offsets, clamped
  const cr = new Float32Array(ow * oh);
  const cg = new Float32Array(ow * oh);
  const cb = new Float32Array(ow * oh);
  for (let c = 0; c < ow * oh; c++) {
    const pb = (U[c] - 128) * cScale;
    const pr = (V[c] - 128) * cScale;
    cr[c] = rV * pr;
    cg[c] = gU * pb + gV * pr;
    cb[c] = bU * pb;
  }
  const G = n;
  const B = 2 * n;
  for (let y = 0; y < height; y++) {
    const crow = (y >> 1) * ow;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const c = crow + (x >> 1);
      const yy = (Y[i] - yOff) * yScale;
      const r = yy + cr[c];
      const g = yy + cg[c];
      const b = yy + cb[c];
      out[i] = r <= 0 ? 0 : r >= 1 ? 1 : r;
      out[G + i] = g <= 0 ? 0 : g >= 1 ? 1 : g;
      out[B + i] = b <= 0 ? 0 : b >= 1 ? 1 : b;
    }
  }
  return makeImage(width, height, 3, out);
}
