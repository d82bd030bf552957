/**
 * Network weights on disk and in memory.
 *
 * The model folder (tfjs-native, readable by `tf.loadLayersModel` /
 * `tf.io.fromMemory` for LayersModel networks):
 *
 *   DIR/model.json   { format: 'merkit-network', name, inputShape, classes,
 *                      build (the factory's options), epoch?, modelTopology?,
 *                      weightsManifest: [{ paths: ['weights.bin'],
 *                                          weights: [{ name, shape, dtype }] }] }
 *   DIR/weights.bin  every weight of Network.getWeights(), float32
 *                    little-endian, concatenated in manifest order
 *
 * `weightsManifest` is exactly tfjs's format, so the same folder is a valid
 * tfjs weights bundle. Writes are atomic (src/io/atomic.ts).
 */
import * as tf from './tf.ts';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MerError } from '../core/errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { Network } from './types.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const NETWORK_FORMAT = 'merkit-network';

export type WeightArrays = Map<string, { shape: readonly number[]; data: Float32Array }>;

export interface NetworkFolderMeta {
  name: string;
  inputShape: readonly [number, number, number];
  classes: number | readonly string[];
  build?: Record<string, unknown>;
  epoch?: number;
  [extra: string]: unknown;
}

/** Copy every weight of a network to plain arrays (name → shape, data). */
export function networkWeightArrays(net: Network): WeightArrays {
  const out: WeightArrays = new Map();
  for (const [name, t] of net.getWeights()) {
    out.set(name, { shape: [...t.shape], data: new Float32Array(t.dataSync() as Float32Array) });
  }
  return out;
}

/** Flatten weight arrays into tfjs's manifest entries plus one buffer. */
export function packWeights(weights: WeightArrays): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  let total = 0;
  for (const w of weights.values()) total += w.data.length;
  const all = new Float32Array(total);
  let off = 0;
  for (const [name, w] of weights) {
    specs.push({ name, shape: [...w.shape], dtype: 'float32' });
    all.set(w.data, off);
    off += w.data.length;
  }
  return { specs, data: new Uint8Array(all.buffer) };
}

/** Inverse of packWeights; a size mismatch is a MerError naming `file`. */
export function unpackWeights(specs: readonly tf.io.WeightsManifestEntry[], data: Uint8Array, file = WEIGHTS_BIN): WeightArrays {
  const out: WeightArrays = new Map();
  const f32 = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  let off = 0;
  for (const s of specs) {
    if (s.dtype !== undefined && s.dtype !== 'float32') throw new MerError('UNSUPPORTED', `weight ${s.name} has dtype ${s.dtype}`, { file, expected: 'float32' });
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (off + n > f32.length) throw new MerError('BAD_INPUT', `weights end before ${s.name}`, { file, expected: `${off + n} floats, found ${f32.length}` });
    out.set(s.name, { shape: [...s.shape], data: f32.slice(off, off + n) });
    off += n;
  }
  if (off !== f32.length) throw new MerError('BAD_INPUT', `${f32.length - off} unexpected trailing floats`, { file, expected: `${off} floats` });
  return out;
}

/** Write a network into DIR (model.json + weights.bin). */
export async function saveNetworkFolder(dir: string, net: Network, meta: NetworkFolderMeta): Promise<void> {
  const { specs, data } = packWeights(networkWeightArrays(net));
  const json = { format: NETWORK_FORMAT, ...meta, weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }] };
  await writeFileAtomic(join(dir, WEIGHTS_BIN), data);
  await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json, null, 1));
}

/** Read a folder written by saveNetworkFolder: its meta and weights. */
export async function readNetworkFolder(dir: string): Promise<{ meta: NetworkFolderMeta; weights: WeightArrays }> {
  const jf = join(dir, MODEL_JSON);
  if (!existsSync(jf)) throw new MerError('NOT_FOUND', `no ${MODEL_JSON} in ${dir}`, { file: jf, expected: 'a merkit network folder' });
  let json: { format?: string; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] } & NetworkFolderMeta;
  try {
    json = JSON.parse(await readFile(jf, 'utf8'));
  } catch (e) {
    throw new MerError('BAD_INPUT', `cannot parse ${MODEL_JSON}: ${(e as Error).message}`, { file: jf });
  }
  if (json.format !== NETWORK_FORMAT || !json.weightsManifest?.length) {
    throw new MerError('BAD_INPUT', `${MODEL_JSON} is not a merkit network (format ${String(json.format)})`, { file: jf, expected: `format '${NETWORK_FORMAT}' with a weightsManifest` });
  }
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const data = parts.length === 1 ? new Uint8Array(parts[0]) : new Uint8Array(Buffer.concat(parts));
  const { weightsManifest: _m, format: _f, ...meta } = json;
  return { meta, weights: unpackWeights(specs, data, join(dir, WEIGHTS_BIN)) };
}

/**
 * Save a tf.LayersModel (topology + weights) as a tfjs-native folder through
 * a tf.io save handler (`tf.io.withSaveHandler`): DIR/model.json (tfjs's
 * format: modelTopology + weightsManifest) and DIR/weights.bin.
 */
export async function saveLayersModelFolder(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weightData = a.weightData instanceof ArrayBuffer ? new Uint8Array(a.weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]));
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weightData);
      const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: [WEIGHTS_BIN], weights: a.weightSpecs }] };
      await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Load a folder written by saveLayersModelFolder (custom layers must be registered, e.g. by importing src/nets/ststnet.ts). */
export async function loadLayersModelFolder(dir: string): Promise<tf.LayersModel> {
  const jf = join(dir, MODEL_JSON);
  if (!existsSync(jf)) throw new MerError('NOT_FOUND', `no ${MODEL_JSON} in ${dir}`, { file: jf, expected: 'a tfjs model folder' });
  const json = JSON.parse(await readFile(jf, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const buf = Buffer.concat(parts);
  const weightData = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }));
}
