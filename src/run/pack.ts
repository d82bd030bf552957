/**
 * Keeping Redis payloads small: every Float32Array in a task (clip features,
 * in-memory frames, a fold's training/test rows) is written to the shared
 * content-addressed cache and replaced by a reference { $f32: key } (or, for
 * a list of rows, one concatenated array { $rows: key, lens }). The key is the
 * sha256 of the bytes, so packing the same data twice writes nothing new.
 */
import { createHash } from 'node:crypto';
import { MerError } from '../core/errors.ts';
import type { ArrayCache } from '../io/cache.ts';

export interface F32Ref { $f32: string; n: number }
export interface RowsRef { $rows: string; lens: number[] }

function bytesKey(a: Float32Array): string {
  return createHash('sha256').update('f32\0').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

async function putArray(cache: ArrayCache, a: Float32Array): Promise<string> {
  const key = bytesKey(a);
  if (!(await cache.get(key))) await cache.put(key, a);
  return key;
}

function isRows(v: unknown): v is Float32Array[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof Float32Array);
}

/** A JSON-safe copy of `v` with every Float32Array moved into the cache. */
export async function packArrays(v: unknown, cache: ArrayCache): Promise<unknown> {
  if (v instanceof Float32Array) return { $f32: await putArray(cache, v), n: v.length } satisfies F32Ref;
  if (isRows(v)) {
    const lens = v.map((x) => x.length);
    const all = new Float32Array(lens.reduce((s, n) => s + n, 0));
    let o = 0;
    for (const x of v) {
      all.set(x, o);
      o += x.length;
    }
    return { $rows: await putArray(cache, all), lens } satisfies RowsRef;
  }
  if (ArrayBuffer.isView(v)) throw new MerError('INTERNAL', 'only Float32Array payloads can be packed');
  if (Array.isArray(v)) return Promise.all(v.map((x) => packArrays(x, cache)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = await packArrays(x, cache);
    return out;
  }
  return v;
}

async function getArray(cache: ArrayCache, key: string, n: number): Promise<Float32Array> {
  const a = await cache.get(key);
  if (!a || a.length !== n) {
    throw new MerError('NOT_FOUND', `array ${key.slice(0, 12)}… is not in the cache folder ${cache.dir}`, {
      expected: 'the client (merkit evaluate) and every worker to use the same shared --cache folder',
    });
  }
  return a;
}

/** The inverse of packArrays. */
export async function unpackArrays(v: unknown, cache: ArrayCache): Promise<unknown> {
  if (Array.isArray(v)) return Promise.all(v.map((x) => unpackArrays(x, cache)));
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$f32 === 'string' && typeof o.n === 'number') return getArray(cache, o.$f32, o.n);
  if (typeof o.$rows === 'string' && Array.isArray(o.lens)) {
    const lens = o.lens as number[];
    const all = await getArray(cache, o.$rows, lens.reduce((s, n) => s + n, 0));
    const rows: Float32Array[] = [];
    let off = 0;
    for (const n of lens) {
      rows.push(all.slice(off, off + n));
      off += n;
    }
    return rows;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = await unpackArrays(x, cache);
  return out;
}
