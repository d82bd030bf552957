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
 * The pickle VM (src/io/pickle.ts) knows the opcodes torch writes (protocols
 * 2–5); this file gives it the few globals a state dict needs: collections.OrderedDict,
 * torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter and
 * the typed storage classes. Anything else becomes an inert placeholder, so a
 * checkpoint with extra metadata still yields its tensors. Nothing is ever
 * executed.
 *
 * Tensors come back as Float32Array in PyTorch's (row-major, NCHW/OIHW)
 * layout, non-contiguous views materialised; integer and half dtypes are
 * converted. Layout changes (OIHW → HWIO, …) belong to the model loaders.
 */
import { MerError } from '../core/errors.ts';
import { defaultCall, PyGlobal, PyObject, unpickle } from '../io/pickle.ts';
import { zipDirectory, zipEntryData, type ZipDirEntry } from '../io/zip.ts';

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
// torch objects in the pickle

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

/** torch's globals a state dict calls (tensors, parameters); the rest as the pickle VM builds them. */
function torchCall(fn: PyGlobal, args: readonly unknown[], file: string): unknown {
  switch (fn.qualified) {
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
      return defaultCall(fn, args);
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

function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

function isTar(buf: Uint8Array): boolean {
  return buf.length > 262 && new TextDecoder().decode(buf.subarray(257, 262)) === 'ustar';
}

function readZipCheckpoint(buf: Uint8Array, file: string): { obj: unknown; storages: Map<string, Float32Array> } {
  const entries = new Map<string, ZipDirEntry>(zipDirectory(buf, file).map((e) => [e.name, e]));
  const pkl = [...entries.keys()].find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pkl) throw new MerError('BAD_INPUT', 'zip checkpoint without data.pkl', { file, expected: 'a torch.save zip archive' });
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const refs = new Map<string, StorageRef>();
  const { value } = unpickle(zipEntryData(buf, entries.get(pkl)!, file), 0, file, (pid) => {
    const s = storageFromPid(pid, file);
    refs.set(s.key, s);
    return s;
  }, torchCall);
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
  const magic = unpickle(buf, 0, file, none, torchCall);
  const m = magic.value;
  if (!(typeof m === 'bigint' ? m === LEGACY_MAGIC : false)) {
    throw new MerError('BAD_INPUT', 'not a PyTorch checkpoint (bad magic number)', {
      file,
      expected: 'a torch.save file (zip archive or legacy pickle)',
    });
  }
  const proto = unpickle(buf, magic.end, file, none, torchCall);
  if (proto.value !== LEGACY_PROTOCOL) {
    throw new MerError('UNSUPPORTED', `legacy checkpoint protocol ${String(proto.value)}`, { file, expected: String(LEGACY_PROTOCOL) });
  }
  const sysInfo = unpickle(buf, proto.end, file, none, torchCall);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new MerError('UNSUPPORTED', 'big-endian legacy checkpoint', { file });
  }
  const refs = new Map<string, StorageRef>();
  const main = unpickle(buf, sysInfo.end, file, (pid) => {
    const s = storageFromPid(pid, file);
    if (!refs.has(s.key)) refs.set(s.key, s);
    return refs.get(s.key);
  }, torchCall);
  const keysPickle = unpickle(buf, main.end, file, none, torchCall);
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
