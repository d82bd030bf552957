/**
 * How an audited fold travels (issue 20): the fold-cache key tells audited
 * and unaudited folds apart (an unaudited cached result is never served to an
 * audited run), a resumed audited run gives the same audit bit for bit, and
 * the audit comes back identical through worker threads and through BullMQ
 * workers — with the reported predictions the same as an unaudited run's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, type EvaluateOptions } from '../../src/run/evaluate.ts';
import { foldKey } from '../../src/run/foldCache.ts';
import type { FoldTask } from '../../src/run/tasks.ts';
import { createBullmqExecutor, startBullmqWorkers } from '../../src/run/bullmq.ts';
import { findRedisServer, startRedisServer } from '../../src/run/redisServer.ts';
import { writeSyntheticFlowdir } from '../helpers/flowdir.ts';

const noRedis = findRedisServer() ? false : 'redis-server is not on PATH (apt-get install -y redis-server)';
if (noRedis) console.log(`# skipped: ${noRedis}`);

test('fold-cache keys: audited ≠ unaudited ≠ audited every K', () => {
  const t: FoldTask = {
    type: 'fold', recipe: 'ststnet', recipeParams: { epochs: 3 }, foldName: 's1', seed: 1, classes: ['a', 'b'],
    trainX: [new Float32Array(2)], trainY: [0], trainIds: ['c1'], trainSubjects: ['s2'], testX: [new Float32Array(2)],
  };
  const keys = [foldKey(t), foldKey({ ...t, audit: {} }), foldKey({ ...t, audit: { every: 2 } })];
  assert.equal(new Set(keys).size, 3);
  assert.equal(foldKey({ ...t, audit: undefined }), keys[0], 'an unaudited task keeps its key');
});

const dir = mkdtempSync(join(tmpdir(), 'merkit-audit-run-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const data = writeSyntheticFlowdir(join(dir, 'data'), 3, 6, 4);
const base: EvaluateOptions = { dataset: `flowdir:${data}`, labels: 'megc3', recipe: 'ststnet', recipeParams: { epochs: 4, batchSize: 6, lr: 0.01 }, protocol: 'loso', workers: 1 };

test('cache: an unaudited fold is not reused by an audited run; an audited run resumes with the same audit; worker threads give the same audit', async () => {
  const cache = join(dir, 'cache');
  const plain = await evaluate({ ...base, cache });
  const audited = await evaluate({ ...base, cache, audit: {} });
  assert.equal(audited.timing.cachedFolds, 0, 'unaudited fold results must not be served to an audited run');
  assert.deepEqual(audited.audit!.epochs, [1, 2, 3, 4]);
  assert.deepEqual(audited.predictions, plain.predictions, 'the audit changes no reported prediction');
  const again = await evaluate({ ...base, cache, audit: {} });
  assert.equal(again.timing.cachedFolds, 3);
  assert.deepEqual(again.audit, audited.audit);
  const every = await evaluate({ ...base, cache, audit: { every: 3 } });
  assert.equal(every.timing.cachedFolds, 0);
  assert.deepEqual(every.audit!.epochs, [3, 4]);
  const threads = await evaluate({ ...base, cache: false, workers: 2, audit: {} });
  assert.deepEqual(threads.audit, audited.audit);
  assert.deepEqual(threads.predictions, plain.predictions);
});

test('BullMQ workers return the same audit as the local run', { skip: noRedis, timeout: 180_000 }, async (t) => {
  const redis = await startRedisServer();
  const cacheDir = join(dir, 'bull-cache');
  const workers = await startBullmqWorkers({ redis: redis.url, cacheDir, concurrency: 1 });
  const executor = await createBullmqExecutor({ redis: redis.url, cacheDir });
  t.after(async () => {
    await executor.close();
    await workers.close();
    await redis.stop();
  });
  const local = await evaluate({ ...base, cache: false, audit: {} });
  const viaRedis = await evaluate({ ...base, cache: cacheDir, executor, audit: {} });
  assert.deepEqual(viaRedis.audit, local.audit);
  assert.deepEqual(viaRedis.predictions, local.predictions);
});
