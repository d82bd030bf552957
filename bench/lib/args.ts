/** What the benches share on the command line and for the licensed dev set. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** the value after `name` on the command line, or undefined */
export const argValue = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);

/** ../shared/data/megc2019-cde-dev beside the project root */
export const DEV_SET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'megc2019-cde-dev');

/** The dev set's folder; when it is absent, say so and end the bench with status 0 (licensed data is never shipped). */
export function devSetOrSkip(): string {
  if (!existsSync(DEV_SET_DIR)) {
    console.log(`skipped: ${DEV_SET_DIR} is absent (licensed data is read from ../shared/data)`);
    process.exit(0);
  }
  return DEV_SET_DIR;
}
