/**
 * Windows BMP decoder/encoder in pure TypeScript (no native code, works in the
 * browser).
 *
 * Decodes: BITMAPCOREHEADER (12 bytes) and BITMAPINFOHEADER (40) and every
 * later header (52, 56, 64, 108, 124); 1/4/8-bit palettes, RLE8 and RLE4,
 * 16-bit (default 5-5-5 or BI_BITFIELDS masks), 24-bit, 32-bit (default
 * 8-8-8 or masks); bottom-up (positive height) and top-down (negative height).
 * Alpha is dropped. Output is 8-bit INTERLEAVED (RGBRGB… or gray): an image
 * whose every palette entry / pixel is gray (R = G = B) comes back with
 * channels = 1, everything else with channels = 3.
 *
 * Encodes: 8-bit gray (256-entry gray palette) or 24-bit BGR, bottom-up,
 * BITMAPINFOHEADER — the most widely readable variants.
 */
import { MerError } from '../core/errors.ts';

/** An 8-bit image with interleaved channels (RGBRGB… or gray). */
export interface RawImage8 {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const FILE_HEADER_BYTES = 14;
const CORE_HEADER_BYTES = 12;
const INFO_HEADER_BYTES = 40;
/** compression codes of the BMP spec */
const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
/** refuse absurd sizes before allocating (a corrupt header must not eat memory) */
const MAX_PIXELS = 1 << 28;

function bad(message: string, file?: string): MerError {
  return new MerError('BAD_INPUT', message, { file });
}

interface Mask {
  mask: number;
  shift: number;
  bits: number;
}

function makeMask(mask: number): Mask {
  mask >>>= 0;
  if (mask === 0) return { mask: 0, shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1 && shift + bits < 32) bits++;
  return { mask, shift, bits };
}

function extract(px: number, m: Mask): number {
  if (m.bits === 0) return 0;
  const v = ((px & m.mask) >>> 0) >>> m.shift;
  if (m.bits === 8) return v & 0xff;
  const max = m.bits >= 32 ? 0xffffffff : 2 ** m.bits - 1;
  return Math.round((v * 255) / max);
}

/** Decode a BMP file held in memory. Throws MerError('BAD_INPUT') naming `file` on any malformation. */
export function decodeBmp(buf: Uint8Array, file?: string): RawImage8 {
  if (buf.length < FILE_HEADER_BYTES + CORE_HEADER_BYTES || buf[0] !== 0x42 || buf[1] !== 0x4d) {
    throw bad(buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d ? 'truncated BMP: header incomplete' : 'not a BMP: missing "BM" signature', file);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const pixelOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize !== CORE_HEADER_BYTES && headerSize < INFO_HEADER_BYTES) {
    throw bad(`unsupported BMP header size ${headerSize}`, file);
  }
  if (FILE_HEADER_BYTES + Math.min(headerSize, INFO_HEADER_BYTES) > buf.length) throw bad('truncated BMP: header incomplete', file);

  let width: number;
  let rawHeight: number;
  let bpp: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntryBytes = 4;
  if (headerSize === CORE_HEADER_BYTES) {
    width = dv.getUint16(18, true);
    rawHeight = dv.getInt16(20, true);
    bpp = dv.getUint16(24, true);
    paletteEntryBytes = 3;
  } else {
    width = dv.getInt32(18, true);
    rawHeight = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colorsUsed = dv.getUint32(46, true);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height <= 0) throw bad(`BMP has invalid size ${width}×${rawHeight}`, file);
  if (width * height > MAX_PIXELS) throw bad(`BMP size ${width}×${height} is implausibly large`, file);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw bad(`unsupported BMP bit depth ${bpp}`, file);
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression)) {
    throw bad(`unsupported BMP compression ${compression} (JPEG/PNG-in-BMP is not handled)`, file);
  }
  if (compression === BI_RLE8 && bpp !== 8) throw bad('BMP RLE8 needs 8 bits per pixel', file);
  if (compression === BI_RLE4 && bpp !== 4) throw bad('BMP RLE4 needs 4 bits per pixel', file);

  // colour masks for 16/32-bit
  let masks: Mask[] | undefined;
  if (bpp === 16 || bpp === 32) {
    if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
      const at = FILE_HEADER_BYTES + INFO_HEADER_BYTES; // masks sit right after the 40-byte part in every header version
      if (at + 12 > buf.length) throw bad('truncated BMP: colour masks missing', file);
      masks = [makeMask(dv.getUint32(at, true)), makeMask(dv.getUint32(at + 4, true)), makeMask(dv.getUint32(at + 8, true))];
    } else if (bpp === 16) {
      masks = [makeMask(0x7c00), makeMask(0x03e0), makeMask(0x001f)];
    } else {
      masks = [makeMask(0xff0000), makeMask(0x00ff00), makeMask(0x0000ff)];
    }
  }

  // palette
  let palette: Uint8Array | undefined; // RGB triples
  let paletteGray = false;
  if (bpp <= 8) {
    let paletteStart = FILE_HEADER_BYTES + headerSize;
    if (headerSize === INFO_HEADER_BYTES && compression === BI_BITFIELDS) paletteStart += 12;
    const n = colorsUsed > 0 ? Math.min(colorsUsed, 1 << bpp) : 1 << bpp;
    const avail = Math.floor((Math.min(pixelOffset, buf.length) - paletteStart) / paletteEntryBytes);
    const count = Math.max(0, Math.min(n, avail));
    if (count === 0) throw bad('BMP palette missing', file);
    palette = new Uint8Array((1 << bpp) * 3);
    paletteGray = true;
    for (let i = 0; i < count; i++) {
      const o = paletteStart + i * paletteEntryBytes;
      const b = buf[o], g = buf[o + 1], r = buf[o + 2];
      palette[i * 3] = r;
      palette[i * 3 + 1] = g;
      palette[i * 3 + 2] = b;
      if (r !== g || g !== b) paletteGray = false;
    }
  }

  if (pixelOffset >= buf.length) throw bad('truncated BMP: no pixel data', file);

  // indices (palette images) or RGB
  const n = width * height;
  const rowOf = (fileRow: number) => (topDown ? fileRow : height - 1 - fileRow);

  if (palette) {
    const idx = new Uint8Array(n);
    if (compression === BI_RLE8 || compression === BI_RLE4) {
      if (topDown) throw bad('RLE-compressed BMP cannot be top-down', file);
      decodeRle(buf, pixelOffset, width, height, compression === BI_RLE4, idx, file);
    } else {
      const stride = Math.floor((bpp * width + 31) / 32) * 4;
      if (pixelOffset + stride * (height - 1) + Math.ceil((bpp * width) / 8) > buf.length) {
        throw bad(`truncated BMP: pixel data needs ${stride * height} bytes, file has ${buf.length - pixelOffset}`, file);
      }
      const perByte = 8 / bpp;
      const maskBits = (1 << bpp) - 1;
      for (let fr = 0; fr < height; fr++) {
        const y = rowOf(fr);
        const o = pixelOffset + fr * stride;
        for (let x = 0; x < width; x++) {
          if (bpp === 8) idx[y * width + x] = buf[o + x];
          else {
            const byte = buf[o + Math.floor(x / perByte)];
            const shift = 8 - bpp * ((x % perByte) + 1);
            idx[y * width + x] = (byte >> shift) & maskBits;
          }
        }
      }
    }
    if (paletteGray) {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = palette[idx[i] * 3];
      return { width, height, channels: 1, data };
    }
    const data = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const p = idx[i] * 3;
      data[i * 3] = palette[p];
      data[i * 3 + 1] = palette[p + 1];
      data[i * 3 + 2] = palette[p + 2];
    }
    return { width, height, channels: 3, data };
  }

  const bytesPP = bpp / 8;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (pixelOffset + stride * (height - 1) + bytesPP * width > buf.length) {
    throw bad(`truncated BMP: pixel data needs ${stride * height} bytes, file has ${buf.length - pixelOffset}`, file);
  }
  const data = new Uint8Array(n * 3);
  let allGray = true;
  for (let fr = 0; fr < height; fr++) {
    const y = rowOf(fr);
    const o = pixelOffset + fr * stride;
    for (let x = 0; x < width; x++) {
      let r: number, g: number, b: number;
      if (bpp === 24) {
        b = buf[o + 3 * x];
        g = buf[o + 3 * x + 1];
        r = buf[o + 3 * x + 2];
      } else {
        const px = bpp === 16 ? dv.getUint16(o + 2 * x, true) : dv.getUint32(o + 4 * x, true);
        r = extract(px, masks![0]);
        g = extract(px, masks![1]);
        b = extract(px, masks![2]);
      }
      const d = (y * width + x) * 3;
      data[d] = r;
      data[d + 1] = g;
      data[d + 2] = b;
      if (r !== g || g !== b) allGray = false;
    }
  }
  if (allGray) {
    const gray = new Uint8Array(n);
    for (let i = 0; i < n; i++) gray[i] = data[i * 3];
    return { width, height, channels: 1, data: gray };
  }
  return { width, height, channels: 3, data };
}

/** RLE8/RLE4 decoding into palette indices (bottom-up file order). Pixels never written stay index 0. */
function decodeRle(buf: Uint8Array, start: number, width: number, height: number, four: boolean, idx: Uint8Array, file?: string): void {
  let x = 0;
  let fr = 0; // file row, bottom-up
  let p = start;
  const put = (v: number) => {
    if (x < width && fr < height) idx[(height - 1 - fr) * width + x] = v;
    x++;
  };
  const need = (k: number) => {
    if (p + k > buf.length) throw bad('truncated BMP: RLE data ends before end-of-bitmap', file);
  };
  for (;;) {
    need(2);
    const a = buf[p], b = buf[p + 1];
    p += 2;
    if (a > 0) {
      // encoded run: a pixels of value b (RLE4: alternating nibbles)
      for (let i = 0; i < a; i++) put(four ? (i % 2 === 0 ? b >> 4 : b & 0x0f) : b);
    } else if (b === 0) {
      x = 0;
      fr++;
    } else if (b === 1) {
      return;
    } else if (b === 2) {
      need(2);
      x += buf[p];
      fr += buf[p + 1];
      p += 2;
    } else {
      // absolute run of b pixels, padded to a 16-bit boundary
      const bytes = four ? Math.ceil(b / 2) : b;
      need(bytes);
      for (let i = 0; i < b; i++) {
        const byte = buf[p + (four ? i >> 1 : i)];
        put(four ? (i % 2 === 0 ? byte >> 4 : byte & 0x0f) : byte);
      }
      p += bytes + (bytes % 2);
    }
    if (fr >= height) return;
  }
}

/** Encode an 8-bit interleaved image as BMP: 8-bit gray-palette for channels = 1, 24-bit BGR for channels = 3. */
export function encodeBmp(img: RawImage8): Uint8Array {
  const { width, height, channels, data } = img;
  if (data.length !== width * height * channels) {
    throw new MerError('BAD_INPUT', `image data has ${data.length} bytes, expected ${width}×${height}×${channels}`);
  }
  const bpp = channels === 1 ? 8 : 24;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const paletteBytes = channels === 1 ? 256 * 4 : 0;
  const offset = FILE_HEADER_BYTES + INFO_HEADER_BYTES + paletteBytes;
  const size = offset + stride * height;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, offset, true);
  dv.setUint32(14, INFO_HEADER_BYTES, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true); // positive: bottom-up
  dv.setUint16(26, 1, true);
  dv.setUint16(28, bpp, true);
  dv.setUint32(30, BI_RGB, true);
  dv.setUint32(34, stride * height, true);
  const PIXELS_PER_METRE_72DPI = 2835;
  dv.setInt32(38, PIXELS_PER_METRE_72DPI, true);
  dv.setInt32(42, PIXELS_PER_METRE_72DPI, true);
  dv.setUint32(46, channels === 1 ? 256 : 0, true);
  if (channels === 1) {
    for (let i = 0; i < 256; i++) {
      const o = FILE_HEADER_BYTES + INFO_HEADER_BYTES + i * 4;
      out[o] = out[o + 1] = out[o + 2] = i;
    }
  }
  for (let y = 0; y < height; y++) {
    const o = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = y * width + x;
      if (channels === 1) out[o + x] = data[s];
      else {
        out[o + 3 * x] = data[3 * s + 2];
        out[o + 3 * x + 1] = data[3 * s + 1];
        out[o + 3 * x + 2] = data[3 * s];
      }
    }
  }
  return out;
}
