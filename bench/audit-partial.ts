/**
 * `npm run bench:audit-partial` — the selection audit (issue 20) over the
 * folds an audited `merkit evaluate --audit-selection` run has finished so
 * far, read from its fold cache. For runs longer than one sitting: the run
 * itself resumes from the same cache (same command, same --cache), and this
 * says what the finished folds show meanwhile — labelled as partial.
 *
 *   node --import tsx bench/audit-partial.ts --cache DIR --dataset flowdir:… --labels megc3 --protocol cde --epochs 800 [--seed 1]
 *
 * DIR must be a cache folder that only this one run wrote fold results to
 * (give the run its own --cache): every `*.fold.json` there with an audit and
 * `info.epochs` = --epochs is taken as a fold of the run; two results for one
 * fold name are refused. Folds are rebuilt exactly as evaluate builds them
 * (same dataset, labels, protocol, seed) to know each prediction's clip, and
 * the audit block is made by the same function (eval/audit.ts buildAudit).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { subjectKey } from '../src/core/clip.ts';
import { openDataset } from '../src/datasets/index.ts';
import { applyLabels, getLabelScheme } from '../src/datasets/labelSchemes.ts';
import { makeFolds, parseProtocol } from '../src/eval/protocols.ts';
import { computeMetrics } from '../src/eval/metrics.ts';
import { buildAudit, type AuditEpoch } from '../src/eval/audit.ts';
import { auditGap, fmt } from '../src/eval/report.ts';
import type { FoldResult } from '../src/run/tasks.ts';

const { values: o } = parseArgs({
  options: {
    cache: { type: 'string' },
    dataset: { type: 'string' },
    labels: { type: 'string', default: 'megc3' },
    protocol: { type: 'string', default: 'cde' },
    epochs: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
if (!o.cache || !o.dataset || !o.epochs) {
  console.error('usage: bench/audit-partial.ts --cache DIR --dataset KIND:PATH --labels megc3 --protocol cde --epochs N [--seed 1]');
  process.exit(1);
}
if (!existsSync(o.cache)) {
  console.log(`# skipped: no cache folder ${o.cache}`);
  process.exit(0);
}
const epochs = Number(o.epochs);

const results = new Map<string, FoldResult>();
for (const sub of readdirSync(o.cache)) {
  const d = join(o.cache, sub);
  if (sub.length !== 2) continue;
  for (const f of readdirSync(d)) {
    if (!f.endsWith('.fold.json')) continue;
    const r = JSON.parse(readFileSync(join(d, f), 'utf8')) as FoldResult;
    if (!r.audit || (r.info as { epochs?: number } | undefined)?.epochs !== epochs) continue;
    if (results.has(r.foldName)) throw new Error(`${o.cache} holds two results for fold ${r.foldName}: give each run its own --cache`);
    results.set(r.foldName, r);
  }
}

const ds = applyLabels(await openDataset(o.dataset), getLabelScheme(o.labels));
const folds = makeFolds(parseProtocol(o.protocol), ds.clips, Number(o.seed));
const done = folds.filter((f) => results.has(f.name));
const y: number[] = [];
const pred: number[] = [];
const common = new Set(results.values().next().value?.audit?.epochs ?? []);
for (const r of results.values()) for (const e of [...common]) if (!r.audit!.epochs.includes(e)) common.delete(e);
const perEpoch: AuditEpoch[] = [...common].sort((a, b) => a - b).map((epoch) => ({ epoch, predictions: [] }));
for (const fold of done) {
  const r = results.get(fold.name)!;
  if (r.predictions.length !== fold.test.length) throw new Error(`fold ${fold.name}: ${r.predictions.length} cached predictions for ${fold.test.length} test clips (another dataset or protocol?)`);
  fold.test.forEach((i, j) => {
    y.push(ds.clips[i].y);
    pred.push(r.predictions[j].pred);
  });
  for (const pe of perEpoch) {
    const preds = r.audit!.preds[r.audit!.epochs.indexOf(pe.epoch)];
    fold.test.forEach((i, j) => {
      const c = ds.clips[i];
      (pe.predictions as unknown[]).push({ dataset: c.dataset, subject: c.subject, clip: c.clip, label: ds.classes[c.y], pred: ds.classes[preds[j]] });
    });
  }
}
if (done.length === 0) {
  console.log(`no finished audited fold of ${epochs} epochs in ${o.cache} yet (0 of ${folds.length})`);
  process.exit(0);
}
const honest = computeMetrics(y, pred, ds.classes);
const a = buildAudit(perEpoch, { uf1: honest.uf1, uar: honest.uar, rule: 'last epoch' });
const parts = [...new Set(done.flatMap((f) => f.test.map((i) => ds.clips[i].dataset)))].join(', ');
console.log(`${done.length} of ${folds.length} folds finished (${y.length} test clips; ${parts}; subjects ${done.map((f) => subjectKey(ds.clips[f.test[0]])).join(' ')})`);
console.log(`stored epochs: ${a.epochs.length} (${a.epochs[0]}…${a.epochs.at(-1)})`);
console.log(`honest                 UF1 ${fmt(a.honest.uf1)}  UAR ${fmt(a.honest.uar)}`);
console.log(`oracle per subject     UF1 ${fmt(a.oracleSubjectBest.uf1)}  UAR ${fmt(a.oracleSubjectBest.uar)}  gap ${auditGap(a.oracleSubjectBest.uf1, a.honest.uf1)} / ${auditGap(a.oracleSubjectBest.uar, a.honest.uar)} points`);
console.log(`oracle single epoch    UF1 ${fmt(a.oracleGlobalBest.uf1)}  UAR ${fmt(a.oracleGlobalBest.uar)}  gap ${auditGap(a.oracleGlobalBest.uf1, a.honest.uf1)} / ${auditGap(a.oracleGlobalBest.uar, a.honest.uar)} points  (epoch ${a.oracleGlobalBest.epoch})`);
