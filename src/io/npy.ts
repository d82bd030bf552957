/**
 * NumPy .npy / .npz files.
 *
 * Reads format versions 1.0, 2.0 and 3.0; little- and big-endian; dtypes
 * f2 (→ Float32Array), f4, f8, i1, i2, i4, u1, u2, u4, b1 (→ Uint8Array of
 * 0/1) and i8/u8 (→ Float64Array; a value outside ±2^53 raises a MerError
 * instead of silently losing precision). Data keeps the file's order: when
 * `fortranOrder` is true the data is column-major — `npyToCOrder` converts.
 * Writes version 1.0 (2.0 when the header needs it), little-endian, C order,
 * header padded so the data starts on a 64-byte boundary (as numpy does).
 * .npz = a zip of `<name>.npy` entries (stored by `np.savez`, deflated by
 * `np.savez_compressed`); both are read, and written with `compress`.
 */
import { readFile } from 'node:fs/promises';
import { MerError } from '../core/errors.ts';
import { writeFileAtomic as atomicWrite } from './atomic.ts';
import { readZip, writeZip } from './zip.ts';

export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export interface NpyArray {
  shape: number[];
  /** numpy dtype name of the data as returned: 'float32', 'float64', 'int8', …, 'bool' */
  dtype: string;
  /** the header's descr as in the file, e.g. '<f4', '>i2', '|b1' */
  descr?: string;
  data: NpyData;
  fortranOrder: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy aligns the start of the data to this many bytes */
const HEADER_ALIGN = 64;
const V1_MAX_HEADER = 0xffff;

function bad(message: string, file?: string): MerError {
  return new MerError('BAD_INPUT', message, { file });
}

interface Kind {
  size: number;
  name: string;
  read: (dv: DataView, off: number, le: boolean) => number;
  make: (n: number) => NpyData;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const KINDS: Record<string, Kind> = {
  f2: { size: 2, name: 'float32', read: (d, o, le) => halfToFloat(d.getUint16(o, le)), make: (n) => new Float32Array(n) },
  f4: { size: 4, name: 'float32', read: (d, o, le) => d.getFloat32(o, le), make: (n) => new Float32Array(n) },
  f8: { size: 8, name: 'float64', read: (d, o, le) => d.getFloat64(o, le), make: (n) => new Float64Array(n) },
  i1: { size: 1, name: 'int8', read: (d, o) => d.getInt8(o), make: (n) => new Int8Array(n) },
  i2: { size: 2, name: 'int16', read: (d, o, le) => d.getInt16(o, le), make: (n) => new Int16Array(n) },
  i4: { size: 4, name: 'int32', read: (d, o, le) => d.getInt32(o, le), make: (n) => new Int32Array(n) },
  i8: { size: 8, name: 'float64', read: (d, o, le) => Number(d.getBigInt64(o, le)), make: (n) => new Float64Array(n) },
  u1: { size: 1, name: 'uint8', read: (d, o) => d.getUint8(o), make: (n) => new Uint8Array(n) },
  u2: { size: 2, name: 'uint16', read: (d, o, le) => d.getUint16(o, le), make: (n) => new Uint16Array(n) },
  u4: { size: 4, name: 'uint32', read: (d, o, le) => d.getUint32(o, le), make: (n) => new Uint32Array(n) },
  u8: { size: 8, name: 'float64', read: (d, o, le) => Number(d.getBigUint64(o, le)), make: (n) => new Float64Array(n) },
  b1: { size: 1, name: 'bool', read: (d, o) => (d.getUint8(o) ? 1 : 0), make: (n) => new Uint8Array(n) },
};

/** Parse the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
function parseHeader(text: string, file?: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fo === undefined || sh === undefined) {
    if (/'descr'\s*:\s*\[/.test(text)) throw new MerError('UNSUPPORTED', 'structured (record) npy arrays are not supported', { file });
    throw bad(`corrupt npy header: ${JSON.stringify(text.trim().slice(0, 120))}`, file);
  }
  const shape = sh
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) throw bad(`corrupt npy header: bad dimension "${s}"`, file);
      return v;
    });
  return { descr, fortranOrder: fo === 'True', shape };
}

/** Parse a .npy file held in memory. */
export function parseNpy(buf: Uint8Array, file?: string): NpyArray {
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) throw bad('not an npy file: missing \\x93NUMPY magic', file);
  const major = buf[6];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('truncated npy header', file);
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else throw new MerError('UNSUPPORTED', `npy format version ${major}.${buf[7]} is not supported`, { file, expected: '1.0, 2.0 or 3.0' });
  if (headerStart + headerLen > buf.length) throw bad('truncated npy header', file);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(headerStart, headerStart + headerLen));
  const { descr, fortranOrder, shape } = parseHeader(text, file);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const key = m ? `${m[2]}${m[3]}` : descr;
  const kind = KINDS[key];
  if (!m || !kind) throw new MerError('UNSUPPORTED', `npy dtype "${descr}" is not supported`, { file, expected: 'f2/f4/f8/i1/i2/i4/i8/u1/u2/u4/u8/b1' });
  const le = m[1] !== '>';
  const n = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  if (start + n * kind.size > buf.length) {
    throw bad(`truncated npy: shape (${shape.join(', ')}) needs ${n * kind.size} data bytes, file has ${buf.length - start}`, file);
  }
  const data = kind.make(n);
  for (let i = 0; i < n; i++) {
    const v = kind.read(dv, start + i * kind.size, le);
    if ((key === 'i8' || key === 'u8') && !Number.isSafeInteger(v)) {
      throw bad(`npy ${descr} value at index ${i} does not fit a float64 exactly (|v| > 2^53)`, file);
    }
    data[i] = v;
  }
  return { shape, dtype: kind.name, descr, data, fortranOrder };
}

function descrOf(data: NpyData): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint32Array) return '<u4';
  throw new MerError('BAD_INPUT', 'unsupported typed array for npy');
}

/** Encode a typed array with the given C-order shape as .npy bytes (little-endian). Pass dtype 'bool' to store a Uint8Array as b1. */
export function encodeNpy(data: NpyData, shape: readonly number[], opts: { dtype?: 'bool' } = {}): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new MerError('BAD_INPUT', `npy shape (${shape.join(', ')}) holds ${n} values, data has ${data.length}`);
  let descr = descrOf(data);
  if (opts.dtype === 'bool') {
    if (!(data instanceof Uint8Array)) throw new MerError('BAD_INPUT', 'bool npy data must be a Uint8Array of 0/1');
    descr = '|b1';
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let pre = 10;
  const total = (p: number) => Math.ceil((p + dict.length + 1) / HEADER_ALIGN) * HEADER_ALIGN;
  if (total(pre) - pre > V1_MAX_HEADER) {
    major = 2;
    pre = 12;
  }
  const headerLen = total(pre) - pre;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(pre + headerLen + bytes.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  // typed arrays are in platform order: little-endian on every platform Node/browsers run on
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new MerError('UNSUPPORTED', 'big-endian host');
  out.set(bytes, pre + headerLen);
  return out;
}

/** A Fortran-ordered array re-laid in C order (returns the input when already C order). */
export function npyToCOrder(arr: NpyArray): NpyArray {
  if (!arr.fortranOrder || arr.shape.length < 2) return { ...arr, fortranOrder: false };
  const { shape } = arr;
  const nd = shape.length;
  const n = arr.data.length;
  const out = new (arr.data.constructor as new (n: number) => NpyData)(n);
  // Fortran strides: first axis fastest
  const fStride: number[] = [];
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride.push(s);
    s *= shape[k];
  }
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += idx[k] * fStride[k];
    out[c] = arr.data[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return { ...arr, data: out, fortranOrder: false };
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MerError('NOT_FOUND', `${what} file not found`, { file: path, cause: e });
    throw new MerError('BAD_INPUT', `cannot read ${what} file: ${(e as Error).message}`, { file: path, cause: e });
  }
}

/** Read one .npy file. */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readBytes(path, 'npy'), path);
}

/** Write one .npy file (atomically). */
export async function writeNpy(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await atomicWrite(path, encodeNpy(data, shape));
}

/** Parse .npz bytes: keys are the entry names without the '.npy' suffix. */
export function parseNpz(buf: Uint8Array, file?: string): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const e of readZip(buf, file)) {
    const key = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
    try {
      out[key] = parseNpy(e.data, file);
    } catch (err) {
      if (err instanceof MerError) throw new MerError(err.code, `entry "${e.name}": ${err.message}`, { file, cause: err, expected: err.expected });
      throw err;
    }
  }
  return out;
}

/** Read a .npz archive (np.savez or np.savez_compressed). */
export async function readNpz(path: string): Promise<Record<string, NpyArray>> {
  return parseNpz(await readBytes(path, 'npz'), path);
}

export type NpzInput = Record<string, { data: NpyData; shape: readonly number[] } | NpyArray>;

/** Encode arrays as .npz bytes; `compress` deflates (like np.savez_compressed). */
export function encodeNpz(arrays: NpzInput, opts: { compress?: boolean } = {}): Uint8Array {
  const entries = Object.entries(arrays).map(([name, a]) => {
    const c = 'fortranOrder' in a ? npyToCOrder(a) : a;
    const asBool = 'dtype' in c && c.dtype === 'bool';
    return { name: `${name}.npy`, data: encodeNpy(c.data, c.shape, asBool ? { dtype: 'bool' } : {}) };
  });
  return writeZip(entries, opts);
}

/** Write a .npz archive atomically. */
export async function writeNpz(path: string, arrays: NpzInput, opts: { compress?: boolean } = {}): Promise<void> {
  await atomicWrite(path, encodeNpz(arrays, opts));
}
