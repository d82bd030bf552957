/**
 * Content-addressed cache of stage outputs on disk.
 *
 * Key = sha256 of (stage name, its parameters, the hash of its input content,
 * CODE_VERSION). Values are Float32Arrays stored raw (little-endian) — the
 * only kind of expensive per-clip output the runner caches today. Writes are
 * atomic (temp file + rename), so a killed run never leaves a half-written
 * entry and a re-run resumes from what finished.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';

/** Bump when a stage's output for the same input and parameters changes. */
export const CODE_VERSION = 'merkit-cache-1';

export function defaultCacheDir(): string {
  return process.env.MERKIT_CACHE ?? join(homedir(), '.cache', 'merkit');
}

/** Stable JSON: object keys sorted, typed arrays as plain arrays. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (ArrayBuffer.isView(v)) return stableStringify(Array.from(v as unknown as ArrayLike<number>));
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}

export function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : p);
    h.update('\0');
  }
  return h.digest('hex');
}

export function cacheKey(stage: string, params: unknown, inputHash: string): string {
  return sha256(CODE_VERSION, stage, stableStringify(params), inputHash);
}

export class ArrayCache {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  async get(key: string): Promise<Float32Array | undefined> {
    try {
      const buf = await readFile(this.path(key));
      if (buf.byteLength % 4 !== 0) return undefined;
      const out = new Float32Array(buf.byteLength / 4);
      new Uint8Array(out.buffer).set(buf);
      return out;
    } catch {
      return undefined;
    }
  }

  async put(key: string, value: Float32Array): Promise<void> {
    await writeFileAtomic(this.path(key), new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
}
