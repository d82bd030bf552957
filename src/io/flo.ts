/**
 * Middlebury .flo optical-flow files: float32 magic 202021.25 ("PIEH"),
 * int32 width, int32 height, then width·height (u, v) float32 pairs, row-major,
 * all little-endian. u is to the right and v down, in pixels — the same
 * convention as merkit's FlowField.
 */
import { readFile } from 'node:fs/promises';
import { MerError } from '../core/errors.ts';
import { makeFlow, type FlowField } from '../core/image.ts';
import { writeFileAtomic as atomicWrite } from './atomic.ts';

const FLO_MAGIC = 202021.25;
const HEADER_BYTES = 12;
/** sanity bound on each dimension, as in the Middlebury reference code */
const MAX_DIM = 99999;

export function encodeFlo(flow: FlowField): Uint8Array {
  const { width, height, u, v } = flow;
  const n = width * height;
  if (u.length !== n || v.length !== n) throw new MerError('BAD_INPUT', `flow planes must have ${width}×${height} values`);
  const out = new Uint8Array(HEADER_BYTES + n * 8);
  const dv = new DataView(out.buffer);
  dv.setFloat32(0, FLO_MAGIC, true);
  dv.setInt32(4, width, true);
  dv.setInt32(8, height, true);
  for (let i = 0; i < n; i++) {
    dv.setFloat32(HEADER_BYTES + 8 * i, u[i], true);
    dv.setFloat32(HEADER_BYTES + 8 * i + 4, v[i], true);
  }
  return out;
}

export function decodeFlo(buf: Uint8Array, file?: string): FlowField {
  if (buf.length < HEADER_BYTES) throw new MerError('BAD_INPUT', `truncated .flo: ${buf.length} bytes, header needs ${HEADER_BYTES}`, { file });
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getFloat32(0, true);
  if (magic !== FLO_MAGIC) {
    throw new MerError('BAD_INPUT', `not a Middlebury .flo file: magic number is ${magic}`, { file, expected: String(FLO_MAGIC) });
  }
  const width = dv.getInt32(4, true);
  const height = dv.getInt32(8, true);
  if (width < 1 || height < 1 || width > MAX_DIM || height > MAX_DIM) throw new MerError('BAD_INPUT', `.flo has invalid size ${width}×${height}`, { file });
  const n = width * height;
  if (buf.length < HEADER_BYTES + 8 * n) {
    throw new MerError('BAD_INPUT', `truncated .flo: ${width}×${height} needs ${HEADER_BYTES + 8 * n} bytes, file has ${buf.length}`, { file });
  }
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = dv.getFloat32(HEADER_BYTES + 8 * i, true);
    v[i] = dv.getFloat32(HEADER_BYTES + 8 * i + 4, true);
  }
  return makeFlow(width, height, u, v);
}

export async function readFlo(path: string): Promise<FlowField> {
  let b: Buffer;
  try {
    b = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MerError('NOT_FOUND', '.flo file not found', { file: path, cause: e });
    throw new MerError('BAD_INPUT', `cannot read .flo file: ${(e as Error).message}`, { file: path, cause: e });
  }
  return decodeFlo(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path);
}

export async function writeFlo(path: string, flow: FlowField): Promise<void> {
  await atomicWrite(path, encodeFlo(flow));
}
