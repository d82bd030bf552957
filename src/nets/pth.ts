/**
 * PyTorch checkpoint (.pth / .pt) import: named tensors out of both on-disk
 * formats `torch.save` has used, without Python.
 *
 * - zip format (torch ≥ 1.6): a zip archive `<name>/data.pkl` (the pickled
 *   object; tensors refer to storages through persistent ids) plus one
 *   entry `<name>/data/<key>` of raw little-endian bytes per storage.
 * - legacy format (torch < 1.6, and `_use_new_zipfile_serialization=False`):
 *   five pickles in a row — magic number 0x1950a86a20f9469cfc6c, protocol
 *   version 1001, sys info, the object (storages as persistent ids), the list
 *   of storage keys — then, for each key in that order, an int64 element
 *   count and the storage's raw bytes.
 *
 * The pickle VM below knows the opcodes torch writes (protocols 2–5) and the
 * few globals a state dict needs: collections.OrderedDict,
 * torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter and
 * the typed storage classes. Anything else becomes an inert placeholder, so a
 * checkpoint with extra metadata still yields its tensors. Nothing is ever
 * executed.
 *
 * Tensors come back as Float32Array in PyTorch's (row-major, NCHW/OIHW)
 * layout, non-contiguous views materialised; integer and half dtypes are
 * converted. Layout changes (OIHW → HWIO, …) belong to the model loaders.
 */
import { inflateRawSync } from 'node:zlib';
import { MerError } from '../core/errors.ts';

export interface NamedTensor {
  shape: number[];
  /** the PyTorch dtype, e.g. 'float32', 'int64', 'float16' (data is always converted to float32) */
  dtype: string;
  data: Float32Array;
}

export type TensorMap = Map<string, NamedTensor>;

/** Legacy-format magic number (torch/serialization.py MAGIC_NUMBER). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
/** Legacy-format protocol version (torch/serialization.py PROTOCOL_VERSION). */
const LEGACY_PROTOCOL = 1001;
/** Keys under which training scripts commonly wrap a state dict. */
const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'network'];
/** Prefix nn.DataParallel / DistributedDataParallel adds to every name. */
const PARALLEL_PREFIX = 'module.';

// ---------------------------------------------------------------------------
// Pickle VM

class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object the VM does not model (kept so the stream stays consistent). */
class PyObject {
  state: unknown;
  constructor(
    readonly cls: PyGlobal,
    readonly args: unknown[],
  ) {}
}

/** A reference to a storage: which key, which element type, how many elements. */
interface StorageRef {
  kind: 'storage';
  key: string;
  dtype: string;
  numel: number;
}

/** A tensor: a strided view of a storage. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const MARK = Symbol('mark');

const STORAGE_DTYPES: Record<string, { dtype: string; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** torch dtype globals (torch.float32 …), as used by UntypedStorage-era pickles. */
const TORCH_DTYPES: Record<string, string> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

function dtypeBytes(dtype: string): number {
  for (const v of Object.values(STORAGE_DTYPES)) if (v.dtype === dtype) return v.bytes;
  throw new MerError('UNSUPPORTED', `unsupported storage dtype ${dtype}`);
}

interface PickleResult {
  value: unknown;
  /** byte offset just after STOP */
  end: number;
}

/**
 * Run one pickle starting at `pos`. `persistentLoad` turns a persistent id
 * (BINPERSID) into a value.
 */
function unpickle(buf: Uint8Array, pos: number, file: string, persistentLoad: (pid: unknown) => unknown): PickleResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dec = new TextDecoder('utf-8');
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = pos;
  const need = (n: number) => {
    if (p + n > buf.length) throw new MerError('BAD_INPUT', `truncated pickle at byte ${p}`, { file, expected: `${n} more bytes` });
  };
  const u8 = () => (need(1), buf[p++]);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), view.getInt32(p - 4, true));
  const u64 = () => (need(8), (p += 8), Number(view.getBigUint64(p - 8, true)));
  const bytes = (n: number) => (need(n), (p += n), buf.subarray(p - n, p));
  const line = () => {
    const start = p;
    while (p < buf.length && buf[p] !== 0x0a) p++;
    if (p >= buf.length) throw new MerError('BAD_INPUT', 'truncated pickle (unterminated line)', { file });
    return dec.decode(buf.subarray(start, p++));
  };
  const popMark = (): unknown[] => {
    for (let k = stack.length - 1; k >= 0; k--) {
      if (stack[k] === MARK) {
        const items = stack.slice(k + 1);
        stack.length = k;
        return items;
      }
    }
    throw new MerError('BAD_INPUT', 'corrupt pickle: no MARK on the stack', { file });
  };
  const pop = () => {
    if (stack.length === 0) throw new MerError('BAD_INPUT', 'corrupt pickle: stack underflow', { file });
    return stack.pop();
  };
  const top = () => stack[stack.length - 1];
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) throw new MerError('BAD_INPUT', 'corrupt pickle: SETITEM on a non-dict', { file });
    for (let k = 0; k + 1 < items.length; k += 2) d.set(items[k], items[k + 1]);
  };
  const appendItems = (l: unknown, items: unknown[]) => {
    if (Array.isArray(l)) l.push(...items);
    else if (l instanceof PyObject) l.state = [...(Array.isArray(l.state) ? l.state : []), ...items];
    else throw new MerError('BAD_INPUT', 'corrupt pickle: APPEND on a non-list', { file });
  };
  const readLong = (n: number): number | bigint => {
    const b = bytes(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x58: // BINUNICODE
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(dec.decode(bytes(u64())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()));
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(readLong(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(readLong(u32()));
        break;
      case 0x49: {
        // INT (text): also encodes True/False as I01/I00
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseInt(s, 10));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseInt(line().replace(/L$/, ''), 10));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (s instanceof Set) for (const it of items) s.add(it);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(new PyGlobal(String(module), String(name)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, Array.isArray(args) ? args : [], file));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, Array.isArray(args) ? args : [], file));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, Array.isArray(args) ? args : [], file));
        break;
      }
      case 0x62: {
        // BUILD: set state; Maps (OrderedDict) keep their items, state is metadata
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistentLoad(line()));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, u8(), file));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, u32(), file));
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(memo, parseInt(line(), 10), file));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT (text)
        memo.set(parseInt(line(), 10), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new MerError('UNSUPPORTED', `pickle opcode 0x${op.toString(16)} at byte ${p - 1} is not supported`, {
          file,
          expected: 'a PyTorch checkpoint (pickle protocol 2–5)',
        });
    }
  }
}

function memoGet(memo: Map<number, unknown>, k: number, file: string): unknown {
  if (!memo.has(k)) throw new MerError('BAD_INPUT', `corrupt pickle: memo entry ${k} missing`, { file });
  return memo.get(k);
}

function callGlobal(fn: unknown, args: readonly unknown[], file: string): unknown {
  if (!(fn instanceof PyGlobal)) return new PyObject(new PyGlobal('?', '?'), [...args]);
  switch (fn.qualified) {
    case 'collections.OrderedDict':
    case 'builtins.dict':
    case '__builtin__.dict':
      return new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []);
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor': {
      const [storage, offset, size, stride] = args as [StorageRef, number, number[], number[]];
      if (!storage || (storage as StorageRef).kind !== 'storage') {
        throw new MerError('BAD_INPUT', `${fn.name} without a storage`, { file });
      }
      return new TensorRef(storage, Number(offset), [...size].map(Number), [...stride].map(Number));
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return args[0];
    default:
      return new PyObject(fn, [...args]);
  }
}

/** Interpret a storage persistent id ('storage', type, key, location, numel[, view]). */
function storageFromPid(pid: unknown, file: string): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    throw new MerError('UNSUPPORTED', `unknown persistent id ${JSON.stringify(String(pid))}`, { file, expected: "('storage', …)" });
  }
  const [, type, key, , numel] = pid as [string, PyGlobal, string, string, number];
  let dtype: string | undefined;
  if (type instanceof PyGlobal) {
    dtype = STORAGE_DTYPES[type.name]?.dtype ?? (type.module === 'torch' ? TORCH_DTYPES[type.name] : undefined);
  }
  if (!dtype) {
    throw new MerError('UNSUPPORTED', `unsupported storage type ${type instanceof PyGlobal ? type.qualified : String(type)}`, { file });
  }
  return { kind: 'storage', key: String(key), dtype, numel: Number(numel) };
}

// ---------------------------------------------------------------------------
// Storage bytes → float32, strided views

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function storageToFloat(bytes: Uint8Array, dtype: string, numel: number): Float32Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(numel);
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < numel; i++) out[i] = v.getFloat32(4 * i, true);
      break;
    case 'float64':
      for (let i = 0; i < numel; i++) out[i] = v.getFloat64(8 * i, true);
      break;
    case 'float16':
      for (let i = 0; i < numel; i++) out[i] = halfToFloat(v.getUint16(2 * i, true));
      break;
    case 'bfloat16':
      {
        // bfloat16 is the upper half of a float32
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < numel; i++) bits[i] = v.getUint16(2 * i, true) << 16;
      }
      break;
    case 'int64':
      for (let i = 0; i < numel; i++) out[i] = Number(v.getBigInt64(8 * i, true));
      break;
    case 'int32':
      for (let i = 0; i < numel; i++) out[i] = v.getInt32(4 * i, true);
      break;
    case 'int16':
      for (let i = 0; i < numel; i++) out[i] = v.getInt16(2 * i, true);
      break;
    case 'int8':
      for (let i = 0; i < numel; i++) out[i] = v.getInt8(i);
      break;
    case 'uint8':
    case 'bool':
      for (let i = 0; i < numel; i++) out[i] = v.getUint8(i);
      break;
    default:
      throw new MerError('UNSUPPORTED', `unsupported dtype ${dtype}`);
  }
  return out;
}

/** Gather a strided view into a contiguous row-major array. */
function materialise(storage: Float32Array, t: TensorRef, name: string, file: string): Float32Array {
  const { shape, stride, offset } = t;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (n === 0) return out;
  let maxIndex = offset;
  for (let d = 0; d < shape.length; d++) maxIndex += (shape[d] - 1) * stride[d];
  if (offset < 0 || maxIndex >= storage.length) {
    throw new MerError('BAD_INPUT', `tensor ${name} reads past its storage (${maxIndex + 1} > ${storage.length} elements)`, { file });
  }
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = storage[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= shape[d] * stride[d];
      idx[d] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Containers

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

function readZipDirectory(buf: Uint8Array, file: string): Map<string, ZipEntry> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const EOCD_SIG = 0x06054b50;
  const EOCD_MIN = 22;
  const MAX_COMMENT = 0xffff;
  let eocd = -1;
  for (let i = buf.length - EOCD_MIN; i >= Math.max(0, buf.length - EOCD_MIN - MAX_COMMENT); i--) {
    if (v.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new MerError('BAD_INPUT', 'zip checkpoint without an end-of-central-directory record', { file });
  let count = v.getUint16(eocd + 10, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // ZIP64 end of central directory locator sits just before the EOCD
    const loc = eocd - 20;
    if (loc < 0 || v.getUint32(loc, true) !== 0x07064b50) throw new MerError('BAD_INPUT', 'corrupt ZIP64 checkpoint', { file });
    const z64 = Number(v.getBigUint64(loc + 8, true));
    count = Number(v.getBigUint64(z64 + 32, true));
    cdOffset = Number(v.getBigUint64(z64 + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  const dec = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (v.getUint32(p, true) !== 0x02014b50) throw new MerError('BAD_INPUT', 'corrupt zip central directory', { file });
    const method = v.getUint16(p + 10, true);
    let compressedSize = v.getUint32(p + 20, true);
    let uncompressedSize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    const name = dec.decode(buf.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: 64-bit sizes/offset for the fields set to 0xffffffff
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressedSize === 0xffffffff) (uncompressedSize = Number(v.getBigUint64(q, true))), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = Number(v.getBigUint64(q, true))), (q += 8);
        if (localOffset === 0xffffffff) localOffset = Number(v.getBigUint64(q, true));
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, localOffset });
    p = eEnd + commentLen;
  }
  return entries;
}

function zipEntryData(buf: Uint8Array, e: ZipEntry, file: string): Uint8Array {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint32(e.localOffset, true) !== 0x04034b50) throw new MerError('BAD_INPUT', `corrupt zip entry ${e.name}`, { file });
  const start = e.localOffset + 30 + v.getUint16(e.localOffset + 26, true) + v.getUint16(e.localOffset + 28, true);
  const raw = buf.subarray(start, start + e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 8) return new Uint8Array(inflateRawSync(raw));
  throw new MerError('UNSUPPORTED', `zip entry ${e.name} uses compression method ${e.method}`, { file, expected: 'stored or deflate' });
}

function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

function isTar(buf: Uint8Array): boolean {
  return buf.length > 262 && new TextDecoder().decode(buf.subarray(257, 262)) === 'ustar';
}

function readZipCheckpoint(buf: Uint8Array, file: string): { obj: unknown; storages: Map<string, Float32Array> } {
  const entries = readZipDirectory(buf, file);
  const pkl = [...entries.keys()].find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pkl) throw new MerError('BAD_INPUT', 'zip checkpoint without data.pkl', { file, expected: 'a torch.save zip archive' });
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const refs = new Map<string, StorageRef>();
  const { value } = unpickle(zipEntryData(buf, entries.get(pkl)!, file), 0, file, (pid) => {
    const s = storageFromPid(pid, file);
    refs.set(s.key, s);
    return s;
  });
  const storages = new Map<string, Float32Array>();
  for (const [key, s] of refs) {
    const e = entries.get(`${prefix}data/${key}`);
    if (!e) throw new MerError('BAD_INPUT', `storage ${key} missing from the archive`, { file, expected: `${prefix}data/${key}` });
    const bytes = zipEntryData(buf, e, file);
    const numel = Math.floor(bytes.length / dtypeBytes(s.dtype));
    storages.set(key, storageToFloat(bytes, s.dtype, numel));
  }
  return { obj: value, storages };
}

function readLegacyCheckpoint(buf: Uint8Array, file: string): { obj: unknown; storages: Map<string, Float32Array> } {
  const none = () => {
    throw new MerError('BAD_INPUT', 'unexpected persistent id in a legacy header pickle', { file });
  };
  const magic = unpickle(buf, 0, file, none);
  const m = magic.value;
  if (!(typeof m === 'bigint' ? m === LEGACY_MAGIC : false)) {
    throw new MerError('BAD_INPUT', 'not a PyTorch checkpoint (bad magic number)', {
      file,
      expected: 'a torch.save file (zip archive or legacy pickle)',
    });
  }
  const proto = unpickle(buf, magic.end, file, none);
  if (proto.value !== LEGACY_PROTOCOL) {
    throw new MerError('UNSUPPORTED', `legacy checkpoint protocol ${String(proto.value)}`, { file, expected: String(LEGACY_PROTOCOL) });
  }
  const sysInfo = unpickle(buf, proto.end, file, none);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new MerError('UNSUPPORTED', 'big-endian legacy checkpoint', { file });
  }
  const refs = new Map<string, StorageRef>();
  const main = unpickle(buf, sysInfo.end, file, (pid) => {
    const s = storageFromPid(pid, file);
    if (!refs.has(s.key)) refs.set(s.key, s);
    return refs.get(s.key);
  });
  const keysPickle = unpickle(buf, main.end, file, none);
  if (!Array.isArray(keysPickle.value)) throw new MerError('BAD_INPUT', 'legacy checkpoint without a storage key list', { file });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = keysPickle.end;
  const storages = new Map<string, Float32Array>();
  for (const k of keysPickle.value as unknown[]) {
    const key = String(k);
    const s = refs.get(key);
    if (!s) throw new MerError('BAD_INPUT', `legacy checkpoint lists storage ${key} that no tensor uses`, { file });
    if (p + 8 > buf.length) throw new MerError('BAD_INPUT', `truncated legacy checkpoint at storage ${key}`, { file });
    const numel = Number(view.getBigInt64(p, true));
    p += 8;
    const nbytes = numel * dtypeBytes(s.dtype);
    if (p + nbytes > buf.length) {
      throw new MerError('BAD_INPUT', `truncated legacy checkpoint: storage ${key} needs ${nbytes} bytes`, { file });
    }
    storages.set(key, storageToFloat(buf.subarray(p, p + nbytes), s.dtype, numel));
    p += nbytes;
  }
  return { obj: main.value, storages };
}

/** Pick the dict of tensors out of a checkpoint object (a state dict, or one wrapped in {'state_dict': …}). */
function findStateDict(obj: unknown, file: string): Map<unknown, unknown> {
  if (obj instanceof Map) {
    if ([...obj.values()].some((v) => v instanceof TensorRef)) return obj;
    for (const k of WRAPPER_KEYS) if (obj.has(k)) return findStateDict(obj.get(k), file);
  }
  if (obj instanceof PyObject && obj.state instanceof Map) {
    throw new MerError('UNSUPPORTED', `checkpoint holds a pickled ${obj.cls.qualified} object, not a state dict`, {
      file,
      expected: 'torch.save(model.state_dict(), …)',
    });
  }
  throw new MerError('BAD_INPUT', 'checkpoint has no state dict of tensors', {
    file,
    expected: `a dict of tensors, or one under ${WRAPPER_KEYS.map((k) => `'${k}'`).join('/')}`,
  });
}

/**
 * Read a PyTorch checkpoint (zip or legacy format) into named tensors, in the
 * state dict's order. A 'module.' prefix (DataParallel) is stripped.
 */
export async function readPth(buf: Uint8Array, file = '<buffer>'): Promise<TensorMap> {
  if (isTar(buf)) {
    throw new MerError('UNSUPPORTED', 'tar-format checkpoint (torch < 0.4) is not supported', {
      file,
      expected: 're-save it with a newer torch',
    });
  }
  const { obj, storages } = isZip(buf) ? readZipCheckpoint(buf, file) : readLegacyCheckpoint(buf, file);
  const dict = findStateDict(obj, file);
  const keys = [...dict.keys()].map(String);
  const allParallel = keys.length > 0 && keys.every((k) => k.startsWith(PARALLEL_PREFIX));
  const out: TensorMap = new Map();
  for (const [k, v] of dict) {
    if (!(v instanceof TensorRef)) continue;
    const name = allParallel ? String(k).slice(PARALLEL_PREFIX.length) : String(k);
    const storage = storages.get(v.storage.key);
    if (!storage) throw new MerError('BAD_INPUT', `tensor ${name}: storage ${v.storage.key} has no data`, { file });
    out.set(name, { shape: v.shape, dtype: v.storage.dtype, data: materialise(storage, v, name, file) });
  }
  return out;
}

/**
 * The tensor `name` with exactly `shape`, or a MerError naming the tensor and
 * the expected vs found shape.
 */
export function requireTensor(tensors: TensorMap, name: string, shape: readonly number[], file?: string): NamedTensor {
  const t = tensors.get(name);
  if (!t) {
    throw new MerError('BAD_INPUT', `checkpoint has no tensor '${name}'`, {
      file,
      expected: `${name} of shape [${shape.join(', ')}]; found: ${[...tensors.keys()].join(', ') || 'no tensors'}`,
    });
  }
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new MerError('BAD_INPUT', `tensor '${name}' has shape [${t.shape.join(', ')}]`, {
      file,
      expected: `[${shape.join(', ')}]`,
    });
  }
  return t;
}
