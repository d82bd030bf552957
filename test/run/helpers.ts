/** Child processes for the run tests: spawned with output captured, killed by PID (also on failure). */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared.ts';

export const MERKIT_BIN = join(PROJECT_ROOT, 'bin', 'merkit.js');
export const SLOW_PLUGIN = join(PROJECT_ROOT, 'test', 'run', 'fixtures', 'slowRecipe.ts');

export interface Proc {
  child: ChildProcess;
  out(): string;
  exit: Promise<number | null>;
  kill(): void;
}

export function merkit(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [MERKIT_BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, MERKIT_PLUGINS: SLOW_PLUGIN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b) => (out += String(b)));
  child.stderr?.on('data', (b) => (out += String(b)));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    out: () => out,
    exit,
    kill() {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    },
  };
}

export async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
