/**
 * A minimal MP4 (ISO BMFF) demuxer for the page's WebCodecs decoder: the
 * first video track's codec configuration and its samples (where each
 * coded frame lies in the file, decode and presentation times, key frames).
 * Browser-safe (no node: imports): it reads through a `ByteSource`, so a
 * File is read a box or a chunk at a time, never whole.
 *
 * Read: moov/trak/mdia (hdlr 'vide', mdhd timescale), stbl (stsd with
 * avc1/avc3 + avcC, stts, ctts, stss, stsz/stz2, stsc, stco/co64), edts/elst
 * (the first edit's media time shifts presentation times, as ffmpeg does).
 * Fragmented MP4 (moof) and other codecs are refused with a clear MerError:
 * the page then falls back to the browser's own decoding.
 */
import { MerError } from '../core/errors.ts';

export interface ByteSource {
  readonly size: number;
  /** bytes [offset, offset + length) (fewer only at the end of the source) */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface Mp4Sample {
  /** byte offset and size of the coded frame in the file */
  offset: number;
  size: number;
  /** decode and presentation time, in track timescale units (presentation shifted by the edit list) */
  dts: number;
  pts: number;
  /** sync sample (IDR): decoding can start here */
  key: boolean;
}

export interface Mp4VideoTrack {
  /** WebCodecs codec string, e.g. 'avc1.4d0033' */
  codec: string;
  /** the avcC record (VideoDecoderConfig.description) */
  description: Uint8Array;
  width: number;
  height: number;
  timescale: number;
  /** samples in decode order */
  samples: Mp4Sample[];
  /** frames per second: samples over the presentation span (ffmpeg's average frame rate) */
  fps: number;
  /** colour box ('colr' nclx or QuickTime nclc: matrix_coefficients, and the range for nclx), when the file has one */
  colour?: { matrix: number; fullRange?: boolean };
}

interface Box {
  type: string;
  /** payload start and end (after the header) */
  start: number;
  end: number;
}

/** A ByteSource over bytes already in memory (tests, small files). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (o, n) => bytes.subarray(o, Math.min(bytes.length, o + n)) };
}

const fourcc = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const i32 = (b: Uint8Array, o: number) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
const u64 = (b: Uint8Array, o: number) => u32(b, o) * 2 ** 32 + u32(b, o + 4);

/** the boxes directly inside bytes [start, end) of an in-memory buffer */
function children(b: Uint8Array, start: number, end: number): Box[] {
  const out: Box[] = [];
  let p = start;
  while (p + 8 <= end) {
    let size = u32(b, p);
    const type = fourcc(b, p + 4);
    let header = 8;
    if (size === 1) {
      size = u64(b, p + 8);
      header = 16;
    } else if (size === 0) size = end - p;
    if (size < header || p + size > end) throw new MerError('BAD_INPUT', `MP4 box '${type}' at byte ${p} runs past its parent (${size} bytes)`);
    out.push({ type, start: p + header, end: p + size });
    p += size;
  }
  return out;
}

function child(b: Uint8Array, box: Box, type: string): Box | undefined {
  return children(b, box.start, box.end).find((c) => c.type === type);
}

function need(box: Box | undefined, what: string): Box {
  if (!box) throw new MerError('BAD_INPUT', `MP4 video track lacks its '${what}' box`);
  return box;
}

/** The top-level 'moov' box, read through the source (it may sit after the media data). */
async function readMoov(src: ByteSource): Promise<Uint8Array> {
  let p = 0;
  let sawMoof = false;
  while (p + 8 <= src.size) {
    const h = await src.read(p, 16);
    let size = u32(h, 0);
    const type = fourcc(h, 4);
    if (size === 1) size = u64(h, 8);
    else if (size === 0) size = src.size - p;
    if (size < 8) throw new MerError('BAD_INPUT', `not an MP4 file: bad box size at byte ${p}`);
    if (p === 0 && type !== 'ftyp' && type !== 'moov' && type !== 'free' && type !== 'mdat' && type !== 'wide') {
      throw new MerError('UNSUPPORTED', `not an MP4/MOV file (first box '${type.replace(/[^\x20-\x7e]/g, '?')}')`);
    }
    if (type === 'moof') sawMoof = true;
    if (type === 'moov') return src.read(p, size);
    p += size;
  }
  throw new MerError(sawMoof ? 'UNSUPPORTED' : 'BAD_INPUT', sawMoof ? 'fragmented MP4 is not read by the page decoder' : 'MP4 file has no movie header (moov)');
}

const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/** Demux the first video track of an MP4 (see the module comment). */
export async function demuxMp4(src: ByteSource): Promise<Mp4VideoTrack> {
  const b = await readMoov(src);
  const moovHead = children(b, 0, b.length)[0];
  const traks = children(b, moovHead.start, moovHead.end).filter((c) => c.type === 'trak');
  for (const trak of traks) {
    const mdia = child(b, trak, 'mdia');
    if (!mdia) continue;
    const hdlr = child(b, mdia, 'hdlr');
    if (!hdlr || fourcc(b, hdlr.start + 8) !== 'vide') continue;
    const mdhd = need(child(b, mdia, 'mdhd'), 'mdhd');
    const timescale = b[mdhd.start] === 1 ? u32(b, mdhd.start + 20) : u32(b, mdhd.start + 12);
    const stbl = need(child(b, need(child(b, mdia, 'minf'), 'minf'), 'stbl'), 'stbl');
    const stsd = need(child(b, stbl, 'stsd'), 'stsd');
    const entry = children(b, stsd.start + 8, stsd.end)[0];
    if (!entry) throw new MerError('BAD_INPUT', 'MP4 video track has no sample description');
    if (entry.type !== 'avc1' && entry.type !== 'avc3') throw new MerError('UNSUPPORTED', `video codec '${entry.type}' is not read by the page decoder (H.264 only)`);
    // VisualSampleEntry: 6 reserved + 2 data ref + 16 pre-defined/reserved, then width, height; boxes after 78 bytes
    const width = u16(b, entry.start + 24);
    const height = u16(b, entry.start + 26);
    const boxes = children(b, entry.start + 78, entry.end);
    const avcC = boxes.find((c) => c.type === 'avcC');
    if (!avcC) throw new MerError('BAD_INPUT', 'H.264 track without its avcC configuration');
    const description = b.slice(avcC.start, avcC.end);
    const codec = `${entry.type}.${hex2(description[1])}${hex2(description[2])}${hex2(description[3])}`;
    const colr = boxes.find((c) => c.type === 'colr' && (fourcc(b, c.start) === 'nclx' || fourcc(b, c.start) === 'nclc'));
    const colour = colr ? { matrix: u16(b, colr.start + 8), ...(fourcc(b, colr.start) === 'nclx' ? { fullRange: (b[colr.start + 10] & 0x80) !== 0 } : {}) } : undefined;

    // sample sizes
    const stsz = child(b, stbl, 'stsz');
    const sizes: number[] = [];
    if (stsz) {
      const fixed = u32(b, stsz.start + 4);
      const n = u32(b, stsz.start + 8);
      for (let i = 0; i < n; i++) sizes.push(fixed || u32(b, stsz.start + 12 + 4 * i));
    } else {
      const stz2 = need(child(b, stbl, 'stz2'), 'stsz');
      const field = b[stz2.start + 7];
      const n = u32(b, stz2.start + 8);
      for (let i = 0; i < n; i++) {
        const o = stz2.start + 12;
        sizes.push(field === 8 ? b[o + i] : field === 16 ? u16(b, o + 2 * i) : (b[o + (i >> 1)] >> (i & 1 ? 0 : 4)) & 15);
      }
    }
    const n = sizes.length;
    // chunk offsets
    const stco = child(b, stbl, 'stco');
    const co64 = child(b, stbl, 'co64');
    const chunkOffsets: number[] = [];
    if (stco) for (let i = 0, c = u32(b, stco.start + 4); i < c; i++) chunkOffsets.push(u32(b, stco.start + 8 + 4 * i));
    else for (let i = 0, c = u32(b, need(co64, 'stco').start + 4); i < c; i++) chunkOffsets.push(u64(b, co64!.start + 8 + 8 * i));
    // sample → chunk
    const stsc = need(child(b, stbl, 'stsc'), 'stsc');
    const runs: { first: number; per: number }[] = [];
    for (let i = 0, c = u32(b, stsc.start + 4); i < c; i++) runs.push({ first: u32(b, stsc.start + 8 + 12 * i), per: u32(b, stsc.start + 12 + 12 * i) });
    const offsets = new Array<number>(n);
    let s = 0;
    for (let r = 0; r < runs.length && s < n; r++) {
      const lastChunk = r + 1 < runs.length ? runs[r + 1].first - 1 : chunkOffsets.length;
      for (let ch = runs[r].first; ch <= lastChunk && s < n; ch++) {
        let o = chunkOffsets[ch - 1];
        for (let k = 0; k < runs[r].per && s < n; k++) {
          offsets[s] = o;
          o += sizes[s];
          s++;
        }
      }
    }
    if (s < n) throw new MerError('BAD_INPUT', `MP4 chunk table covers ${s} of ${n} samples`);
    // decode times
    const stts = need(child(b, stbl, 'stts'), 'stts');
    const dts = new Array<number>(n);
    let t = 0;
    s = 0;
    for (let i = 0, c = u32(b, stts.start + 4); i < c && s < n; i++) {
      const count = u32(b, stts.start + 8 + 8 * i);
      const delta = u32(b, stts.start + 12 + 8 * i);
      for (let k = 0; k < count && s < n; k++, s++) {
        dts[s] = t;
        t += delta;
      }
    }
    for (; s < n; s++) dts[s] = t;
    const endTime = t;
    // composition offsets
    const cts = new Array<number>(n).fill(0);
    const ctts = child(b, stbl, 'ctts');
    if (ctts) {
      const signed = b[ctts.start] === 1;
      s = 0;
      for (let i = 0, c = u32(b, ctts.start + 4); i < c && s < n; i++) {
        const count = u32(b, ctts.start + 8 + 8 * i);
        const off = signed ? i32(b, ctts.start + 12 + 8 * i) : u32(b, ctts.start + 12 + 8 * i);
        for (let k = 0; k < count && s < n; k++, s++) cts[s] = off;
      }
    }
    // sync samples (absent: every sample is one)
    const stss = child(b, stbl, 'stss');
    const key = new Array<boolean>(n).fill(!stss);
    if (stss) for (let i = 0, c = u32(b, stss.start + 4); i < c; i++) key[u32(b, stss.start + 8 + 4 * i) - 1] = true;
    // edit list: the first non-empty edit's media time is presentation time 0
    let shift = 0;
    const edts = child(b, trak, 'edts');
    const elst = edts && child(b, edts, 'elst');
    if (elst) {
      const v1 = b[elst.start] === 1;
      const count = u32(b, elst.start + 4);
      for (let i = 0, o = elst.start + 8; i < count; i++, o += v1 ? 20 : 12) {
        const mediaTime = v1 ? u64(b, o + 8) : i32(b, o + 4);
        if (mediaTime >= 0 && !(v1 && mediaTime === 2 ** 64 - 1)) {
          shift = mediaTime;
          break;
        }
      }
    }
    const samples: Mp4Sample[] = sizes.map((size, i) => ({ offset: offsets[i], size, dts: dts[i], pts: dts[i] + cts[i] - shift, key: key[i] }));
    const span = endTime / timescale;
    return { codec, description, width, height, timescale, samples, fps: span > 0 ? n / span : 0, ...(colour ? { colour } : {}) };
  }
  throw new MerError('BAD_INPUT', 'MP4 file has no video track');
}
