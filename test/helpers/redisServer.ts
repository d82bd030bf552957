/**
 * Starting a private, throw-away redis-server (tests, benchmarks, a
 * single-machine `--executor bullmq` trial): a unix socket in a fresh folder,
 * no persistence (--save '' --appendonly no). Stop it with stop(); it is
 * killed by PID only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerError } from '../../src/core/errors.ts';

/** how long redis-server may take to open its socket */
const START_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

export interface RedisServer {
  /** the socket path, usable as --redis */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The redis-server binary on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

export async function startRedisServer(): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin) throw new MerError('NOT_FOUND', 'redis-server is not on PATH', { expected: 'Debian package redis-server (apt-get install -y redis-server)' });
  const dir = mkdtempSync(join(tmpdir(), 'merkit-redis-'));
  const sock = join(dir, 'redis.sock');
  const child: ChildProcess = spawn(bin, ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b) => (out += String(b)));
  child.stderr?.on('data', (b) => (out += String(b)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const t0 = Date.now();
  while (!existsSync(sock)) {
    if (child.exitCode !== null || Date.now() - t0 > START_TIMEOUT_MS) {
      await stop();
      throw new MerError('BAD_INPUT', `redis-server did not start: ${out.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { url: sock, pid: child.pid as number, stop };
}
