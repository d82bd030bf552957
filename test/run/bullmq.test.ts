/**
 * The BullMQ executor end to end: a private redis-server, two `merkit worker`
 * processes, `merkit evaluate --executor bullmq` on a small learnable feature
 * table whose folds are slowed (test-only recipe), and one worker killed with
 * SIGKILL in the middle of a fold. Every fold must still be computed exactly
 * once to completion, and the metrics equal the local executor's bit for bit.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Queue } from 'bullmq';
import { evaluate } from '../../src/run/evaluate.ts';
import { QUEUES, redisConnection, errorFromReason, MERERROR_PREFIX_FOR_TESTS } from '../../src/run/bullmq.ts';
import { findRedisServer, startRedisServer, type RedisServer } from '../../src/run/redisServer.ts';
import { MerError } from '../../src/core/errors.ts';
import { SLOW_RECIPE } from './fixtures/slowRecipe.ts';
import { writeLearnableTable } from './fixtures/table.ts';
import { merkit, until, type Proc } from './helpers.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';

const noRedis = findRedisServer() ? false : 'redis-server is not on PATH (apt-get install -y redis-server)';
if (noRedis) console.log(`# skipped: ${noRedis}`);

test('a failed job reason carrying a MerError comes back as that MerError', () => {
  const e = errorFromReason(`${MERERROR_PREFIX_FOR_TESTS}{"code":"BAD_INPUT","message":"not an image","file":"/x/a.jpg"}`);
  assert.ok(e instanceof MerError);
  assert.equal(e.code, 'BAD_INPUT');
  assert.equal(e.file, '/x/a.jpg');
  const plain = errorFromReason('boom');
  assert.ok(!(plain instanceof MerError));
  assert.equal(plain.message, 'boom');
});

/** A private redis-server and a temp folder for one test; both, and every process in `procs`, go when the test ends. */
async function redisSandbox(t: TestContext): Promise<{ dir: string; procs: Proc[]; redis: RedisServer }> {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-bullmq-'));
  const procs: Proc[] = [];
  let redis: RedisServer | undefined;
  t.after(async () => {
    for (const p of procs) p.kill();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  redis = await startRedisServer();
  return { dir, procs, redis };
}

test('two workers, one killed mid-fold: every fold once, metrics equal the local run', { skip: noRedis, timeout: 120_000 }, async (t) => {
  const { dir, procs, redis } = await redisSandbox(t);
  const table = writeLearnableTable(dir, 6, 4);
  const cache = join(dir, 'cache');
  const workerArgs = ['worker', '--redis', redis.url, '--cache', cache, '--lock-ms', '1500'];
  const slow = { MERKIT_TEST_FOLD_MS: '1500' };
  const a = merkit(workerArgs, slow);
  const b = merkit(workerArgs, slow);
  procs.push(a, b);
  await until('workers ready', () => a.out().includes('ready:') && b.out().includes('ready:'), 30_000);

  const run = merkit(['evaluate', '--dataset', `features:${table}`, '--recipe', SLOW_RECIPE, '--executor', 'bullmq', '--redis', redis.url, '--cache', cache, '--out', join(dir, 'out')]);
  procs.push(run);
  const foldStart = /started merkit-fold fold (\S+)/;
  await until('worker A to start a fold', () => foldStart.test(a.out()) || run.child.exitCode !== null, 60_000);
  const killedFold = foldStart.exec(a.out())?.[1];
  assert.ok(killedFold, `worker A never took a fold:\n${a.out()}`);
  a.kill();
  await a.exit;

  assert.equal(await run.exit, 0, run.out());
  // the fold A was running was taken over by B after A's lock expired
  assert.ok(b.out().includes(`started merkit-fold fold ${killedFold} `), `worker B never took over ${killedFold}:\n${b.out()}`);

  const res = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  const names = res.folds.map((f: { name: string }) => f.name);
  assert.equal(names.length, 6);
  assert.equal(new Set(names).size, 6);
  const clips = res.predictions.map((p: { subject: string; clip: string }) => `${p.subject}/${p.clip}`);
  assert.equal(clips.length, 24);
  assert.equal(new Set(clips).size, 24, 'every clip predicted exactly once');

  // in Redis: six fold jobs, all completed, none failed
  const q = new Queue(QUEUES.fold, { connection: redisConnection(redis.url) });
  try {
    const counts = await q.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
    assert.deepEqual(counts, { completed: 6, failed: 0, active: 0, wait: 0, delayed: 0 });
  } finally {
    await q.close();
  }

  const local = await evaluate({ dataset: `features:${table}`, recipe: SLOW_RECIPE, workers: 1, cache: false });
  assert.deepEqual(res.metrics, JSON.parse(JSON.stringify(local.metrics)));
  assert.deepEqual(res.predictions, JSON.parse(JSON.stringify(local.predictions)));
});

test('the compiled package: `merkit worker` and `evaluate --executor bullmq` from dist/, threads on the compiled processor (no tsx)', { skip: noRedis, timeout: 300_000 }, async (t) => {
  // dist/ as `npm pack` builds it (a no-op when it is up to date)
  const built = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const { dir, procs, redis } = await redisSandbox(t);
  const table = writeLearnableTable(dir, 4, 6);
  const cache = join(dir, 'cache');
  // MERKIT_FROM_DIST: bin/merkit.js runs dist/ as an install does; no .ts plug-in (plain node cannot load one)
  const fromDist = { MERKIT_FROM_DIST: '1', MERKIT_PLUGINS: '' };
  const w = merkit(['worker', '--redis', redis.url, '--cache', cache], fromDist);
  procs.push(w);
  await until('worker ready', () => w.out().includes('ready:') || w.child.exitCode !== null, 60_000);
  const run = merkit(['evaluate', '--dataset', `features:${table}`, '--recipe', 'svm-linear', '--protocol', 'loso', '--executor', 'bullmq', '--redis', redis.url, '--cache', cache, '--out', join(dir, 'out'), '--json'], fromDist);
  procs.push(run);
  assert.equal(await run.exit, 0, `${run.out()}\nworker:\n${w.out()}`);
  assert.match(w.out(), /done merkit-fold/, 'the folds ran on the worker');
  const res = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  const local = await evaluate({ dataset: `features:${table}`, recipe: 'svm-linear', protocol: 'loso', workers: 1, cache: false });
  assert.deepEqual(res.metrics, JSON.parse(JSON.stringify(local.metrics)));
});
