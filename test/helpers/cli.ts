/**
 * Run the `merkit` CLI as a child process, as a user would, for the CLI tests.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './shared.ts';

/**
 * A guard against a hung child, not a speed check (speed is for benchmarks):
 * generous, because on a loaded 2-core machine one `merkit predict` on a video
 * took over 120 s.
 */
export const CLI_HANG_GUARD_MS = 600_000;

export interface CliResult {
  /** exit code; null when the guard killed the child (then `err` says so) */
  code: number | null;
  out: string;
  err: string;
}

export function runMerkit(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'merkit.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: CLI_HANG_GUARD_MS,
  });
  // a child killed by the guard reads as a failure that says so, not as exit code null
  const err = r.status === null ? `merkit ${args[0]} was killed (${r.signal}) after ${CLI_HANG_GUARD_MS / 1000} s\n${r.stderr}` : r.stderr;
  return { code: r.status, out: r.stdout, err };
}
