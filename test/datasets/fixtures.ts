/**
 * Tiny fake dataset trees in os.tmpdir() for the adapter tests: a few clips
 * of a few 4×4 frames. One jpg/png/bmp-named buffer is encoded once with
 * sharp and written under every frame name (adapters only list names; the
 * bytes are a valid image for anyone who decodes them).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

let jpg: Buffer | undefined;
let png: Buffer | undefined;

/** a 4×4 gray jpeg (and png) */
export async function frameBytes(): Promise<{ jpg: Buffer; png: Buffer }> {
  if (!jpg || !png) {
    const raw = { raw: { width: 4, height: 4, channels: 1 as const } };
    const px = Buffer.from(Array.from({ length: 16 }, (_, i) => i * 16));
    jpg = await sharp(px, raw).jpeg().toBuffer();
    png = await sharp(px, raw).png().toBuffer();
  }
  return { jpg, png };
}

export function tempRoot(tag: string): string {
  return mkdtempSync(join(tmpdir(), `merkit-${tag}-`));
}

export function removeRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** write the same image bytes under each of `names` in `dir` (created) */
export function writeFrames(dir: string, names: readonly string[], bytes: Buffer): void {
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(join(dir, n), bytes);
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}
