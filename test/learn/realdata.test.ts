/**
 * Real-data sanity check on CASME II block-wise LBP-TOP (skipped when
 * ../shared/data is absent). Only 4 LOSO folds here to stay fast; the full
 * 26-fold LOSO lives in bench/classical-quick.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessShared, sharedData } from '../helpers/shared.ts';
import { loadCasme2, loso } from '../../bench/classical-quick.ts';
import { pipeline } from '../../src/learn/pipeline.ts';
import { standardize } from '../../src/learn/standardize.ts';
import { svm } from '../../src/learn/svm.ts';

const REL = 'casme2-lbptop-5x5/features.csv';

test('CASME II LBP-TOP: 5-class table and standardize + linear SVM on 4 LOSO folds', { skip: skipUnlessShared(REL) }, async () => {
  const data = loadCasme2(sharedData(REL)!);
  assert.equal(data.X.length, 246);
  assert.equal(data.X[0].length, 4425);
  assert.equal(new Set(data.subjects).size, 26);
  // the 4 subjects with the most clips
  const count = new Map<string, number>();
  data.subjects.forEach((s) => count.set(s, (count.get(s) ?? 0) + 1));
  const keep = new Set([...count.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 4).map((e) => e[0]));
  const r = await loso(data, pipeline('std+svm', [standardize()], svm({ kernel: 'linear', C: 1 })), 1, keep);
  console.log(`# 4 LOSO folds (${r.n} clips): Acc ${r.acc.toFixed(3)} UF1 ${r.uf1.toFixed(3)}`);
  assert.ok(r.acc > 0.25, `accuracy ${r.acc} at or below chance level`);
});
