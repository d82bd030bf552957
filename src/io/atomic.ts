/**
 * The one atomic file writer: a temp file in the same folder, then rename, so
 * a reader (or a resumed run) never sees a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MerError } from '../core/errors.ts';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new MerError('BAD_INPUT', `cannot write file: ${msg}`, { file: path, cause: e });
  }
}
