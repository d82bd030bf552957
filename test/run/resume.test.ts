/**
 * Resume: a local run killed half way (kill -9) is run again with the same
 * cache; the folds that finished come from the cache (fewer folds recomputed)
 * and the printed numbers equal an uninterrupted run's exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/run/evaluate.ts';
import { formatSummaryTable } from '../../src/eval/report.ts';
import { SLOW_RECIPE } from './fixtures/slowRecipe.ts';
import { writeLearnableTable } from './fixtures/table.ts';
import { merkit, until } from './helpers.ts';

function foldFiles(dir: string): number {
  let n = 0;
  try {
    for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) if (f.endsWith('.fold.json')) n++;
  } catch {
    /* not there yet */
  }
  return n;
}

test('a killed local run resumes from the fold cache and prints the same numbers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-resume-'));
  const procs: { kill(): void }[] = [];
  t.after(() => {
    for (const p of procs) p.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const table = writeLearnableTable(dir, 6, 4);
  const cache = join(dir, 'cache');
  const args = ['evaluate', '--dataset', `features:${table}`, '--recipe', SLOW_RECIPE, '--workers', '1', '--cache', cache, '--out', join(dir, 'out')];
  const reference = await evaluate({ dataset: `features:${table}`, recipe: SLOW_RECIPE, workers: 1, cache: false });
  assert.equal(reference.folds.length, 6);

  const first = merkit(args, { MERKIT_TEST_FOLD_MS: '400' });
  procs.push(first);
  await until('two cached folds', () => foldFiles(cache) >= 2 || first.child.exitCode !== null, 30_000);
  first.kill();
  await first.exit;
  const done = foldFiles(cache);
  assert.ok(done >= 2 && done < 6, `killed with ${done} of 6 folds cached`);

  const second = merkit(args);
  procs.push(second);
  assert.equal(await second.exit, 0, second.out());
  const m = /folds: (\d+) of 6 from the cache, (\d+) to compute/.exec(second.out());
  assert.ok(m, `no cache line in:\n${second.out()}`);
  assert.ok(Number(m[1]) >= done && Number(m[2]) < 6, `recomputed ${m[2]} of 6 folds`);
  assert.ok(second.out().includes(formatSummaryTable(reference)), `printed numbers differ:\n${second.out()}`);
  const res = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  assert.deepEqual(res.metrics, JSON.parse(JSON.stringify(reference.metrics)));
  assert.deepEqual(res.predictions, JSON.parse(JSON.stringify(reference.predictions)));
});
