/**
 * The model-folder format (`merkit train --out model/`), in one place for its
 * two readers: run/modelFolder.ts (Node, node:fs) and web/modelClient.ts (the
 * page, fetch). Browser-safe: no Node import; the reader takes a function
 * that returns an array file's bytes.
 *
 * Layout:
 *   merkit-model.json   { format: 'merkit-model/1', recipe, recipeParams,
 *                         labels, classes, trainedOn, preprocessing,
 *                         trainingMetrics, createdWith, model }
 *   arrays/<n>.bin      one file per numeric array of the SavedModel tree:
 *                       raw little-endian values; dtype and shape are in the
 *                       json node that references the file.
 * `model` is the SavedModel tree with every array replaced by
 * { file, dtype, shape }.
 */
import { MerError } from '../core/errors.ts';
import type { SavedModel } from '../learn/types.ts';

export const MODEL_FORMAT = 'merkit-model/1';
export const MODEL_JSON = 'merkit-model.json';

export type Dtype = 'float32' | 'float64' | 'int32';
type NumArray = Float32Array | Float64Array | Int32Array;

export interface ArrayRef {
  readonly file: string;
  readonly dtype: Dtype;
  readonly shape: number[];
}

export interface SavedModelJson {
  readonly kind: string;
  readonly json: unknown;
  readonly arrays?: Record<string, ArrayRef>;
  readonly children?: SavedModelJson[];
}

export interface ModelMeta {
  readonly recipe: string;
  readonly recipeParams: Record<string, unknown>;
  /** label scheme name, e.g. 'megc3' */
  readonly labels: string;
  readonly classes: readonly string[];
  readonly trainedOn: { dataset: string; clips: number; subjects: number; perClass?: Record<string, number> };
  /** what the input must go through before `extract` (face crop size, frame size, …) */
  readonly preprocessing: Record<string, unknown>;
  /** metrics on the TRAINING set itself (resubstitution): an optimistic sanity check, not an estimate */
  readonly trainingMetrics: { kind: 'resubstitution'; note: string; [k: string]: unknown };
}

export interface ModelFile extends ModelMeta {
  readonly format: string;
  readonly createdWith: string;
  readonly createdAt?: string;
  readonly model: SavedModelJson;
}

const littleEndianHost = (): boolean => new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function dtypeOf(a: NumArray): Dtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Little-endian bytes of a typed array (copies on a big-endian host). */
export function toLittleEndian(a: NumArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (littleEndianHost()) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let b = 0; b < w; b++) out[i + b] = bytes[i + w - 1 - b];
  return out;
}

/** An array file's little-endian bytes → its typed array (a copy: the result owns its buffer). */
export function decodeArray(buf: ArrayBuffer | Uint8Array, dtype: Dtype, file: string): NumArray {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  const w = dtype === 'float64' ? 8 : 4;
  if (bytes.length % w !== 0) throw new MerError('BAD_INPUT', `array file has ${bytes.length} bytes`, { file, expected: `a multiple of ${w} (${dtype})` });
  const copy = new Uint8Array(bytes.length);
  if (littleEndianHost()) copy.set(bytes);
  else for (let i = 0; i < bytes.length; i += w) for (let b = 0; b < w; b++) copy[i + b] = bytes[i + w - 1 - b];
  return dtype === 'float32' ? new Float32Array(copy.buffer) : dtype === 'float64' ? new Float64Array(copy.buffer) : new Int32Array(copy.buffer);
}

/**
 * A SavedModel tree as the json `model` node plus the array files to write
 * beside it (numbered in depth-first order, so the names are the same on every run).
 */
export function encodeSavedModel(saved: SavedModel): { model: SavedModelJson; files: { file: string; bytes: Uint8Array }[] } {
  const files: { file: string; bytes: Uint8Array }[] = [];
  const safe = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, '_');
  const walk = (node: SavedModel): SavedModelJson => {
    let arrays: Record<string, ArrayRef> | undefined;
    if (node.arrays) {
      arrays = {};
      for (const [name, a] of Object.entries(node.arrays)) {
        const file = `arrays/${String(files.length).padStart(3, '0')}-${safe(node.kind)}-${safe(name)}.bin`;
        files.push({ file, bytes: toLittleEndian(a) });
        arrays[name] = { file, dtype: dtypeOf(a), shape: [a.length] };
      }
    }
    const children = node.children ? node.children.map(walk) : undefined;
    return { kind: node.kind, json: node.json ?? null, ...(arrays ? { arrays } : {}), ...(children ? { children } : {}) };
  };
  return { model: walk(saved), files };
}

/** The parsed merkit-model.json, checked for its format and the fields every reader needs. */
export function checkModelFile(meta: ModelFile, file: string): ModelFile {
  if (meta?.format !== MODEL_FORMAT) {
    throw new MerError('UNSUPPORTED', `model format '${String(meta?.format)}'`, { file, expected: MODEL_FORMAT });
  }
  if (!meta.model || !Array.isArray(meta.classes)) throw new MerError('BAD_INPUT', 'model json lacks model/classes', { file });
  return meta;
}

/**
 * The SavedModel tree of a model json, its arrays read through `read(file)`
 * (the array's path relative to the folder → its bytes; the caller says what
 * a missing file is) and checked against their shapes. `where(file)` names a
 * file in errors.
 */
export async function decodeSavedModel(
  root: SavedModelJson,
  read: (file: string, array: string, kind: string) => Promise<ArrayBuffer | Uint8Array>,
  where: (file: string) => string,
): Promise<SavedModel> {
  const walk = async (node: SavedModelJson): Promise<SavedModel> => {
    let arrays: Record<string, NumArray> | undefined;
    if (node.arrays) {
      arrays = {};
      for (const [name, ref] of Object.entries(node.arrays)) {
        const a = decodeArray(await read(ref.file, name, node.kind), ref.dtype, where(ref.file));
        const n = ref.shape.reduce((p, q) => p * q, 1);
        if (a.length !== n) throw new MerError('BAD_INPUT', `array has ${a.length} values`, { file: where(ref.file), expected: `shape [${ref.shape.join(', ')}] = ${n}` });
        arrays[name] = a;
      }
    }
    const children = node.children ? await Promise.all(node.children.map(walk)) : undefined;
    return { kind: node.kind, json: node.json, ...(arrays ? { arrays } : {}), ...(children ? { children } : {}) };
  };
  return walk(root);
}
