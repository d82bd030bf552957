/**
 * Proof: merkit's STSTNet with the authors' published per-subject weights
 * (legacy-format .pth) reproduces PyTorch 1.13's logits on every clip of the
 * MEGC 2019 CDE dev set (309 clips, 40 subjects) to within 1e-4, on wasm.
 * Needs ../shared/data/{ststnet-reference,megc2019-cde-dev}; skips otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessShared, SHARED_DATA } from '../helpers/shared.ts';
import { join } from 'node:path';
import { initBackend } from '../../src/nets/backend.ts';
import { MEGC3, argmax, megcScores, readReference, ststnetReferenceLogits } from './ststnet-reference-data.ts';

const skip = skipUnlessShared('ststnet-reference') || skipUnlessShared('megc2019-cde-dev');

test('STSTNet + published .pth weights = PyTorch logits within 1e-4 on all 309 clips', { skip }, async () => {
  await initBackend({ backend: 'wasm' });
  const rows = readReference(join(SHARED_DATA, 'megc2019-cde-dev'), join(SHARED_DATA, 'ststnet-reference'));
  assert.equal(rows.length, 309);
  assert.equal(new Set(rows.map((r) => r.subject)).size, 40);
  const logits = await ststnetReferenceLogits(join(SHARED_DATA, 'ststnet-reference'), rows);
  rows.forEach((r, i) => {
    r.logits.forEach((v, k) => {
      assert.ok(Math.abs(v - logits[i][k]) <= 1e-4, `${r.subject}/${r.clip} logit ${k}: merkit ${logits[i][k]} vs PyTorch ${v}`);
    });
  });
  // the predictions (hence the scores) are PyTorch's exactly
  const truth = rows.map((r) => MEGC3.indexOf(r.label as (typeof MEGC3)[number]));
  const ours = megcScores(truth, logits.map(argmax));
  const theirs = megcScores(truth, rows.map((r) => argmax(r.logits)));
  assert.deepEqual(ours, theirs);
});
