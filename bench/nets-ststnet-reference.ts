/**
 * `node --import tsx bench/nets-ststnet-reference.ts` — STSTNet vs the published per-subject weights on every clip of
 * ../shared/data/megc2019-cde-dev: max |Δlogit| against PyTorch's
 * predictions.csv, and UF1 / UAR / accuracy of the predictions.
 *
 *   npx tsx bench/nets-ststnet-reference.ts [--backend wasm|cpu] [--subjects s01,sub02]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/nets/backend.ts';
import { SHARED_DATA } from '../test/helpers/shared.ts';
import { MEGC3, argmax, megcScores, readReference, ststnetReferenceLogits } from '../test/nets/ststnet-reference-data.ts';

{
  const cde = join(SHARED_DATA, 'megc2019-cde-dev');
  const ref = join(SHARED_DATA, 'ststnet-reference');
  if (!existsSync(cde) || !existsSync(ref)) {
    console.log(`skipped: ${cde} or ${ref} is absent`);
    process.exit(0);
  }
  const backend = process.argv.includes('--backend') ? (process.argv[process.argv.indexOf('--backend') + 1] as 'wasm' | 'cpu') : 'wasm';
  await initBackend({ backend });
  let rows = readReference(cde, ref);
  if (process.argv.includes('--subjects')) {
    const keep = new Set(process.argv[process.argv.indexOf('--subjects') + 1].split(','));
    rows = rows.filter((r) => keep.has(r.subject));
  }
  const t0 = performance.now();
  const logits = await ststnetReferenceLogits(ref, rows);
  const secs = (performance.now() - t0) / 1000;
  let maxDiff = 0;
  rows.forEach((r, i) => r.logits.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - logits[i][k])))));
  const truth = rows.map((r) => MEGC3.indexOf(r.label as (typeof MEGC3)[number]));
  const ours = megcScores(truth, logits.map(argmax));
  const theirs = megcScores(truth, rows.map((r) => argmax(r.logits)));
  console.log(`backend ${backend}: ${rows.length} clips, ${new Set(rows.map((r) => r.subject)).size} subjects, ${secs.toFixed(2)} s`);
  console.log(`max |Δlogit| vs PyTorch: ${maxDiff.toExponential(3)}`);
  console.log(`merkit : UF1 ${ours.uf1.toFixed(4)}  UAR ${ours.uar.toFixed(4)}  Acc ${ours.acc.toFixed(4)}`);
  console.log(`PyTorch: UF1 ${theirs.uf1.toFixed(4)}  UAR ${theirs.uar.toFixed(4)}  Acc ${theirs.acc.toFixed(4)}`);
}
