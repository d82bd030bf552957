/**
 * Minimal ZIP reader/writer (what .npz files need): entries stored (method 0)
 * or deflated (method 8), found through the central directory; CRC-32 is
 * checked on read. ZIP64 archives (> 4 GiB or > 65535 entries) and encrypted
 * entries are refused with a clear MerError.
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

/** All file entries of a zip archive (folders skipped), in central-directory order. */
export function readZip(buf: Uint8Array, file?: string): ZipEntry[] {
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
  const count = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === ZIP64_MARK || cdSize === ZIP64_MARK) {
    throw new MerError('UNSUPPORTED', 'ZIP64 archives are not supported', { file });
  }
  if (cdOffset + cdSize > eocd) throw bad('corrupt zip: central directory outside the file', file);
  const decoder = new TextDecoder('utf-8');
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== SIG_CENTRAL) throw bad(`corrupt zip: central directory entry ${i} is damaged`, file);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    const compSize = dv.getUint32(p + 20, true);
    const size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    const name = decoder.decode(buf.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (compSize === ZIP64_MARK || size === ZIP64_MARK || local === ZIP64_MARK) {
      throw new MerError('UNSUPPORTED', `ZIP64 entry "${name}" is not supported`, { file });
    }
    if (flags & FLAG_ENCRYPTED) throw new MerError('UNSUPPORTED', `encrypted zip entry "${name}"`, { file });
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
    if (data.length !== size) throw bad(`corrupt zip: entry "${name}" has ${data.length} bytes, directory says ${size}`, file);
    if (crc32(data) !== crc) throw bad(`corrupt zip: CRC mismatch in entry "${name}"`, file);
    out.push({ name, data });
  }
  return out;
}

/** DOS date/time of 1980-01-01 00:00 — fixed so that archives are byte-reproducible */
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1;
const DOS_TIME_0 = 0;

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
    l.setUint16(4, VERSION_20, true);
    l.setUint16(6, FLAG_UTF8, true);
    l.setUint16(8, method, true);
    l.setUint16(10, DOS_TIME_0, true);
    l.setUint16(12, DOS_DATE_1980, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, body.length, true);
    l.setUint32(22, e.data.length, true);
    l.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, SIG_CENTRAL, true);
    c.setUint16(4, VERSION_20, true);
    c.setUint16(6, VERSION_20, true);
    c.setUint16(8, FLAG_UTF8, true);
    c.setUint16(10, method, true);
    c.setUint16(12, DOS_TIME_0, true);
    c.setUint16(14, DOS_DATE_1980, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, body.length, true);
    c.setUint32(24, e.data.length, true);
    c.setUint16(28, name.length, true);
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
