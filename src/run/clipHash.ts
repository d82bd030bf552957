/** Hash of a clip's input *content* (not its path): the cache key's input part. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClipRef } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';

async function hashFiles(h: ReturnType<typeof createHash>, files: readonly string[]): Promise<void> {
  for (const f of files) {
    let buf: Buffer;
    try {
      buf = await readFile(f);
    } catch {
      throw new MerError('NOT_FOUND', 'file not found', { file: f });
    }
    h.update(String(buf.byteLength));
    h.update(buf);
  }
}

export async function clipContentHash(clip: ClipRef): Promise<string> {
  const h = createHash('sha256');
  const s = clip.source;
  h.update(s.kind);
  switch (s.kind) {
    case 'frames':
      await hashFiles(h, s.files);
      break;
    case 'video':
      await hashFiles(h, [s.file]);
      h.update(`${s.start ?? ''}:${s.end ?? ''}`);
      break;
    case 'flow':
      await hashFiles(h, s.apexFile ? [s.file, s.apexFile] : [s.file]);
      break;
    case 'features':
      h.update(new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength));
      break;
    case 'memory':
      h.update(`${s.width}x${s.height}x${s.count}`);
      h.update(new Uint8Array(s.frames.buffer, s.frames.byteOffset, s.frames.byteLength));
      break;
  }
  // Annotations that stages may read (onset/apex/offset) are part of the input.
  h.update(`${clip.onset ?? ''}|${clip.apex ?? ''}|${clip.offset ?? ''}`);
  return h.digest('hex');
}
