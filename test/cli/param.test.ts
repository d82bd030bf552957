/**
 * `--param key=value` on evaluate and train: typed by the recipe's default,
 * unknown keys refused in one line naming the valid ones, and the value
 * recorded in results.json / the model folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMerkit } from '../helpers/cli.ts';
import { parseParamValue, recipeParamOverrides } from '../../src/cli/recipeParams.ts';
import { MerError } from '../../src/core/errors.ts';

test('parseParamValue: number, boolean, string, lists, JSON — typed like the default', () => {
  assert.equal(parseParamValue('C', '10', 1), 10);
  assert.equal(parseParamValue('C', '1e-3', 1), 0.001);
  assert.throws(() => parseParamValue('C', 'ten', 1), /C=ten: not a number/);
  assert.throws(() => parseParamValue('C', '', 1), /not a number/);
  assert.equal(parseParamValue('rankSmooth', 'true', false), true);
  assert.equal(parseParamValue('rankSmooth', 'false', true), false);
  assert.throws(() => parseParamValue('rankSmooth', 'yes', false), /not a boolean/);
  assert.equal(parseParamValue('variant', 'nr', 'mmfl'), 'nr');
  assert.deepEqual(parseParamValue('grid', '5,4', [8, 8]), [5, 4]);
  assert.deepEqual(parseParamValue('grid', '[5, 4]', [8, 8]), [5, 4]);
  assert.deepEqual(parseParamValue('tuneC', '1,10,100', []), [1, 10, 100]);
  assert.deepEqual(parseParamValue('tuneC', '', []), []);
  assert.deepEqual(parseParamValue('names', 'a,b', []), ['a', 'b']);
  assert.throws(() => parseParamValue('grid', '5,x', [8, 8]), /not a number/);
  assert.equal(parseParamValue('macroDir', 'null', null), null);
  assert.throws(() => parseParamValue('macroDir', '{', null), /not valid JSON/);
});

test('recipeParamOverrides: checked against the recipe\'s declared params', async () => {
  assert.deepEqual(await recipeParamOverrides('mmfl', ['variant=original', 'svmC=10', 'grid=5,5']), { variant: 'original', svmC: 10, grid: [5, 5] });
  assert.deepEqual(await recipeParamOverrides('mmfl', []), {});
  await assert.rejects(recipeParamOverrides('mmfl', ['nope=1']), (e: unknown) => e instanceof MerError && /recipe 'mmfl' has no parameter 'nope'/.test(e.message) && /variant/.test(e.describe()));
  await assert.rejects(recipeParamOverrides('mmfl', ['variant']), /not key=value/);
  await assert.rejects(recipeParamOverrides('mmfl', ['svmC=1', 'svmC=2']), /given twice/);
});

function table(dir: string): string {
  // two classes, two 59-bin-per-plane LBP-TOP-like blocks (b{block}_… columns), 4 subjects
  const cols = [0, 1].flatMap((b) => ['xy', 'xt', 'yt'].flatMap((p) => Array.from({ length: 59 }, (_, k) => `b${b}_${p}_${k}`)));
  const lines = [`subject,clip,emotion,${cols.join(',')}`];
  let r = 1;
  for (let s = 1; s <= 4; s++) {
    for (const [k, emo] of ['happiness', 'surprise'].entries()) {
      for (let rep = 0; rep < 3; rep++) {
        lines.push(`sub0${s},EP${k}_${rep},${emo},${cols.map((_, j) => (j % 59 < 6 ? (j % 59 === k ? 0.5 : 0) + 0.05 * (((r = (r * 48271) % 2147483647) / 2147483647)) : 0).toFixed(4)).join(',')}`);
      }
    }
  }
  const file = join(dir, 'table.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('merkit evaluate / train --param: recorded in results.json and the model; an unknown key is one line naming the valid keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-param-'));
  const file = table(dir);
  const env = { MERKIT_CACHE: join(dir, 'cache') };
  const out = join(dir, 'out');
  const r = runMerkit(['evaluate', '--dataset', `features:${file}`, '--labels', 'casme2-5', '--recipe', 'mmfl', '--workers', '1', '--out', out, '--param', 'variant=original', '--param', 'svmGamma=libsvm'], env);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(res.params.variant, 'original');
  assert.equal(res.params.svmGamma, 'libsvm');
  const bad = runMerkit(['evaluate', '--dataset', `features:${file}`, '--recipe', 'mmfl', '--param', 'varaint=nr'], env);
  assert.equal(bad.code, 2);
  const lines = bad.err.trim().split('\n');
  assert.equal(lines.length, 1, bad.err);
  assert.match(lines[0], /no parameter 'varaint'.*variant/);
  const badValue = runMerkit(['evaluate', '--dataset', `features:${file}`, '--recipe', 'mmfl', '--param', 'variant=best'], env);
  assert.equal(badValue.code, 2);
  assert.match(badValue.err, /variant 'best'/);
  const model = join(dir, 'model');
  const t = runMerkit(['train', '--dataset', `features:${file}`, '--labels', 'casme2-5', '--recipe', 'svm-linear', '--out', model, '--param', 'C=10'], env);
  assert.equal(t.code, 0, t.err);
  assert.equal(JSON.parse(readFileSync(join(model, 'merkit-model.json'), 'utf8')).recipeParams.C, 10);
  const badTrain = runMerkit(['train', '--dataset', `features:${file}`, '--recipe', 'svm-linear', '--out', model, '--param', 'C=ten'], env);
  assert.equal(badTrain.code, 2);
  assert.match(badTrain.err, /C=ten: not a number/);
});
