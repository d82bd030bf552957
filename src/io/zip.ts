/**
 * Minimal ZIP reader/writer (what .npz files and PyTorch's zip checkpoints
 * need): entries stored (method 0) or deflated (method 8), found through the
 * central directory, ZIP64 records read (torch.save writes them); CRC-32 is
 * checked on read. Encrypted entries are refused with a clear MerError; the
 * writer makes no ZIP64 archive (it refuses one over 4 GiB).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { MerError } from '../core/errors.ts';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const EOCD_BYTES = 22;
/** the EOCD can be followed by a comment of at most 65535 bytes */
const MAX_COMMENT = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const ZIP64_MARK = 0xffffffff;
/** an entry count of 0xffff in the EOCD: the real count is in the ZIP64 record */
const ZIP16_MARK = 0xffff;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD64_LOCATOR_BYTES = 20;
/** extra-field id of the ZIP64 extended information */
const EXTRA_ZIP64 = 0x0001;
/** "version needed to extract" 2.0: deflate */
const VERSION_20 = 20;
/** general-purpose flag bit 11: names are UTF-8 */
const FLAG_UTF8 = 0x0800;
const FLAG_ENCRYPTED = 0x0001;

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, as used by zip and png) */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

function bad(message: string, file?: string): MerError {
  return new MerError('BAD_INPUT', message, { file });
}

/** One central-directory record: where an entry's bytes are and how they are stored. */
export interface ZipDirEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** 64-bit little-endian value that must fit a JS number exactly */
function u64(dv: DataView, p: number, file?: string): number {
  const v = dv.getBigUint64(p, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MerError('UNSUPPORTED', 'ZIP64 value beyond 2^53', { file });
  return Number(v);
}

/**
 * The central directory of a zip archive, ZIP64 included (the EOCD64 record
 * found through its locator; 64-bit sizes and offsets from each entry's
 * extra field 0x0001 where the 32-bit field holds 0xffffffff). Folders are
 * listed too (names ending in '/').
 */
export function zipDirectory(buf: Uint8Array, file?: string): ZipDirEntry[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let p = buf.length - EOCD_BYTES; p >= Math.max(0, buf.length - EOCD_BYTES - MAX_COMMENT); p--) {
    if (dv.getUint32(p, true) === SIG_EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    const isZip = buf.length >= 4 && dv.getUint32(0, true) === SIG_LOCAL;
    throw bad(isZip ? 'truncated zip: end-of-central-directory record missing' : 'not a zip archive', file);
  }
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  let cdEnd = eocd;
  if (count === ZIP16_MARK || cdOffset === ZIP64_MARK || cdSize === ZIP64_MARK) {
    const loc = eocd - EOCD64_LOCATOR_BYTES;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_EOCD64_LOCATOR) throw bad('corrupt ZIP64 zip: end-of-central-directory locator missing', file);
    const z64 = u64(dv, loc + 8, file);
    if (z64 + 56 > loc || dv.getUint32(z64, true) !== SIG_EOCD64) throw bad('corrupt ZIP64 zip: end-of-central-directory record missing', file);
    count = u64(dv, z64 + 32, file);
    cdSize = u64(dv, z64 + 40, file);
    cdOffset = u64(dv, z64 + 48, file);
    cdEnd = z64;
  }
  if (cdOffset + cdSize > cdEnd) throw bad('corrupt zip: central directory outside the file', file);
  const decoder = new TextDecoder('utf-8');
  const out: ZipDirEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== SIG_CENTRAL) throw bad(`corrupt zip: central directory entry ${i} is damaged`, file);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const name = decoder.decode(buf.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: the 64-bit values, in this order, of the fields set to 0xffffffff
    let e = p + 46 + nameLen;
    const extraEnd = Math.min(buf.length, e + extraLen);
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === EXTRA_ZIP64) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) throw bad(`corrupt zip: ZIP64 field of "${name}" is too short`, file);
          const v = u64(dv, q, file);
          q += 8;
          return v;
        };
        if (size === ZIP64_MARK) size = next();
        if (compressedSize === ZIP64_MARK) compressedSize = next();
        if (localOffset === ZIP64_MARK) localOffset = next();
      }
      e += 4 + len;
    }
    if (compressedSize === ZIP64_MARK || size === ZIP64_MARK || localOffset === ZIP64_MARK) throw bad(`corrupt zip: entry "${name}" lacks its ZIP64 sizes`, file);
    out.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The bytes of one entry: inflated when deflated, length and CRC-32 checked. */
export function zipEntryData(buf: Uint8Array, entry: ZipDirEntry, file?: string): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const { name, method, localOffset: local, compressedSize: compSize } = entry;
  if (entry.flags & FLAG_ENCRYPTED) throw new MerError('UNSUPPORTED', `encrypted zip entry "${name}"`, { file });
  if (local + 30 > buf.length || dv.getUint32(local, true) !== SIG_LOCAL) throw bad(`corrupt zip: local header of "${name}" is damaged`, file);
  const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
  if (start + compSize > buf.length) throw bad(`truncated zip: entry "${name}" runs past the end of the file`, file);
  const comp = buf.subarray(start, start + compSize);
  let data: Uint8Array;
  if (method === METHOD_STORED) data = comp;
  else if (method === METHOD_DEFLATE) {
    try {
      data = new Uint8Array(inflateRawSync(comp));
    } catch (e) {
      throw bad(`corrupt zip: entry "${name}" does not inflate (${e instanceof Error ? e.message : String(e)})`, file);
    }
  } else throw new MerError('UNSUPPORTED', `zip entry "${name}" uses compression method ${method}`, { file, expected: 'stored (0) or deflate (8)' });
  if (data.length !== entry.size) throw bad(`corrupt zip: entry "${name}" has ${data.length} bytes, directory says ${entry.size}`, file);
  if (crc32(data) !== entry.crc) throw bad(`corrupt zip: CRC mismatch in entry "${name}"`, file);
  return data;
}

/** All file entries of a zip archive (folders skipped), in central-directory order. */
export function readZip(buf: Uint8Array, file?: string): ZipEntry[] {
  return zipDirectory(buf, file)
    .filter((e) => !e.name.endsWith('/'))
    .map((e) => ({ name: e.name, data: zipEntryData(buf, e, file) }));
}

/** DOS date/time of 1980-01-01 00:00 — fixed so that archives are byte-reproducible */
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1;
const DOS_TIME_0 = 0;

/**
 * The fields a local header (from byte 4) and its central-directory entry
 * (from byte 6) repeat in the same order: version needed, flags, method,
 * time, date, CRC-32, compressed and uncompressed size, name length.
 */
function setEntryFields(v: DataView, at: number, method: number, crc: number, compressed: number, size: number, nameLength: number): void {
  v.setUint16(at, VERSION_20, true);
  v.setUint16(at + 2, FLAG_UTF8, true);
  v.setUint16(at + 4, method, true);
  v.setUint16(at + 6, DOS_TIME_0, true);
  v.setUint16(at + 8, DOS_DATE_1980, true);
  v.setUint32(at + 10, crc, true);
  v.setUint32(at + 14, compressed, true);
  v.setUint32(at + 18, size, true);
  v.setUint16(at + 22, nameLength, true);
}

/** Build a zip archive; `compress` deflates entries (like numpy's savez_compressed). */
export function writeZip(entries: readonly ZipEntry[], opts: { compress?: boolean } = {}): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const method = opts.compress ? METHOD_DEFLATE : METHOD_STORED;
    const body = opts.compress ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    if (offset > 0xfffffffe || body.length > 0xfffffffe) throw new MerError('UNSUPPORTED', 'archive would need ZIP64 (> 4 GiB)');
    const lh = new Uint8Array(30 + name.length);
    const l = new DataView(lh.buffer);
    l.setUint32(0, SIG_LOCAL, true);
    setEntryFields(l, 4, method, crc, body.length, e.data.length, name.length);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, SIG_CENTRAL, true);
    c.setUint16(4, VERSION_20, true); // version made by
    setEntryFields(c, 6, method, crc, body.length, e.data.length, name.length);
    c.setUint32(42, offset, true);
    ch.set(name, 46);
    parts.push(lh, body);
    central.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const eocd = new Uint8Array(EOCD_BYTES);
  const d = new DataView(eocd.buffer);
  d.setUint32(0, SIG_EOCD, true);
  d.setUint16(8, entries.length, true);
  d.setUint16(10, entries.length, true);
  d.setUint32(12, cdSize, true);
  d.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((s, b) => s + b.length, 0));
  let p = 0;
  for (const b of all) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
