/**
 * Locating the licensed real data in ../shared/data (beside the project root).
 * Tests that need it call `sharedData('megc2019-cde-dev')`: it returns the
 * absolute path, or undefined after printing why the test is skipped.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = process.env.MERKIT_SHARED_DATA ?? join(PROJECT_ROOT, '..', 'shared', 'data');

export function sharedData(rel: string): string | undefined {
  const p = join(SHARED_DATA, rel);
  if (existsSync(p)) return p;
  console.log(`# skipped: real data ${p} is absent (licensed data is read from ../shared/data, never shipped)`);
  return undefined;
}

/** for node:test's `skip` option: a reason string when absent, false when present */
export function skipUnlessShared(rel: string): string | false {
  return existsSync(join(SHARED_DATA, rel)) ? false : `real data ../shared/data/${rel} is absent`;
}
