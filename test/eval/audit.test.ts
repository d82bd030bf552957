/**
 * The selection audit's arithmetic (src/eval/audit.ts): the stored-epoch
 * schedule, both oracles on a hand-worked example, and both oracles
 * recomputed from a results.json's `audit.perEpoch` alone by an independent
 * implementation written here (counts of a confusion matrix, nothing
 * imported from merkit's metrics).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditOracles, auditSchedule, buildAudit, oracleGlobalBest, oracleSubjectBest, type AuditEpoch } from '../../src/eval/audit.ts';
import { writeReport, renderMarkdown, AUDIT_CURVE_TITLE } from '../../src/eval/report.ts';
import { evaluate } from '../../src/run/evaluate.ts';
import { registerRecipe } from '../../src/recipes/index.ts';
import { MerError } from '../../src/core/errors.ts';
import { writeRandomFeatureTable } from './randomTable.ts';

test('auditSchedule: every epoch up to 200, else 100 evenly spread ending at the last; --audit-every K adds the last', () => {
  assert.deepEqual(auditSchedule(3), [1, 2, 3]);
  assert.equal(auditSchedule(200).length, 200);
  const s800 = auditSchedule(800);
  assert.equal(s800.length, 100);
  assert.deepEqual(s800.slice(0, 3), [8, 16, 24]);
  assert.equal(s800.at(-1), 800);
  const s3000 = auditSchedule(3000);
  assert.equal(s3000.length, 100);
  assert.deepEqual([s3000[0], s3000.at(-1)], [30, 3000]);
  const s201 = auditSchedule(201);
  assert.equal(s201.length, 100);
  assert.equal(new Set(s201).size, 100);
  assert.equal(s201.at(-1), 201);
  assert.deepEqual(auditSchedule(10, 4), [4, 8, 10]);
  assert.deepEqual(auditSchedule(8, 4), [4, 8]);
  assert.deepEqual(auditSchedule(3, 5), [3]);
  assert.throws(() => auditSchedule(0), MerError);
  assert.throws(() => auditSchedule(10, 0), MerError);
});

/** entries of subject s (clips c0…) with labels and predictions */
function e(dataset: string, subject: string, pairs: [string, string][]) {
  return pairs.map(([label, pred], i) => ({ dataset, subject, clip: `c${i}`, label, pred }));
}

test('oracles on a hand-worked example: per-subject argmax accuracy (ties → earliest), pooled; one best epoch', () => {
  // subject A (2 clips, labels x y), subject B (2 clips, labels x x)
  const perEpoch: AuditEpoch[] = [
    { epoch: 10, predictions: [...e('d', 'A', [['x', 'x'], ['y', 'x']]), ...e('d', 'B', [['x', 'x'], ['x', 'x']])] }, // A 1/2, B 2/2
    { epoch: 20, predictions: [...e('d', 'A', [['x', 'x'], ['y', 'y']]), ...e('d', 'B', [['x', 'y'], ['x', 'y']])] }, // A 2/2, B 0/2
    { epoch: 30, predictions: [...e('d', 'A', [['x', 'y'], ['y', 'x']]), ...e('d', 'B', [['x', 'x'], ['x', 'y']])] }, // A 0/2, B 1/2
  ];
  const s = oracleSubjectBest(perEpoch);
  assert.deepEqual(s.epochs, { 'd/A': 20, 'd/B': 10 });
  // pooled: A from epoch 20 (x→x, y→y), B from epoch 10 (x→x, x→x): all correct
  assert.equal(s.uf1, 1);
  assert.equal(s.uar, 1);
  // pooled per epoch: epoch 10: truth x x x y / pred x x x x(A's y→x): x: P 3/4 R 1 F1 6/7; y: F1 0 → UF1 3/7, UAR 1/2
  // epoch 20: x: tp 1 (A c0), fp 0, fn 2 → F1 1/2; y: tp 1, fp 2 → F1 1/2 → UF1 1/2, UAR (1/3 + 1)/2 = 2/3
  // epoch 30: x: tp 1 (B c0), fp 1 (A c1), fn 2 → F1 2/5; y: tp 0 → UF1 1/5
  const g = oracleGlobalBest(perEpoch);
  assert.equal(g.epoch, 20);
  assert.ok(Math.abs(g.uf1 - 0.5) < 1e-12);
  assert.ok(Math.abs(g.uar - 2 / 3) < 1e-12);
  // ties go to the earliest epoch, whatever order perEpoch lists them in
  const tied: AuditEpoch[] = [
    { epoch: 5, predictions: e('d', 'A', [['x', 'x'], ['y', 'x']]) },
    { epoch: 2, predictions: e('d', 'A', [['x', 'y'], ['y', 'y']]) },
  ];
  assert.equal(oracleSubjectBest(tied).epochs['d/A'], 2);
  assert.equal(oracleGlobalBest(tied).epoch, 2);
  // unlike clip sets across epochs are refused
  assert.throws(() => oracleGlobalBest([perEpoch[0], { epoch: 40, predictions: perEpoch[1].predictions.slice(1) }]), MerError);
});

/** An independent re-implementation from the README's rules, on plain JSON. */
function recompute(perEpoch: { epoch: number; predictions: { dataset: string; subject: string; clip: string; label: string; pred: string }[] }[]) {
  const classes = [...new Set(perEpoch.flatMap((x) => x.predictions.flatMap((p) => [p.label, p.pred])))];
  const uf1uar = (ps: { label: string; pred: string }[]) => {
    let f1 = 0, rec = 0, k = 0;
    for (const c of classes) {
      const tp = ps.filter((p) => p.label === c && p.pred === c).length;
      const fn = ps.filter((p) => p.label === c && p.pred !== c).length;
      const fp = ps.filter((p) => p.label !== c && p.pred === c).length;
      if (tp + fn === 0) continue; // UF1/UAR average over the classes present in the truth
      k++;
      rec += tp / (tp + fn);
      f1 += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    }
    return { uf1: f1 / k, uar: rec / k };
  };
  const byEpoch = [...perEpoch].sort((a, b) => a.epoch - b.epoch);
  let global = { epoch: -1, uf1: -1, uar: -1 };
  for (const x of byEpoch) {
    const m = uf1uar(x.predictions);
    if (m.uf1 > global.uf1) global = { epoch: x.epoch, ...m };
  }
  const subjects = [...new Set(byEpoch[0].predictions.map((p) => `${p.dataset}/${p.subject}`))];
  const pooled: { label: string; pred: string }[] = [];
  const chosen: Record<string, number> = {};
  for (const s of subjects) {
    let best = byEpoch[0], bestAcc = -1;
    for (const x of byEpoch) {
      const mine = x.predictions.filter((p) => `${p.dataset}/${p.subject}` === s);
      const acc = mine.filter((p) => p.label === p.pred).length / mine.length;
      if (acc > bestAcc) { bestAcc = acc; best = x; }
    }
    chosen[s] = best.epoch;
    pooled.push(...best.predictions.filter((p) => `${p.dataset}/${p.subject}` === s));
  }
  return { global, subject: { ...uf1uar(pooled), epochs: chosen } };
}

/** Each fold "trains" 12 epochs; at epoch e it predicts class (e·(row+1) + fold) mod 3: varied, deterministic, learnt from nothing. */
registerRecipe('test-audit-epochs', () => ({
  name: 'test-audit-epochs',
  title: 'epoch-varying predictions (test only)',
  accepts: ['features'],
  defaultProtocol: 'loso',
  auditable: true,
  params: {},
  async extract(clip) {
    if (clip.source.kind !== 'features') throw new Error('features only');
    return clip.source.values;
  },
  learner: () => ({
    name: 'epochs',
    fit(train) {
      const shift = train.subjects.length % 3;
      const at = (epoch: number) => (X: readonly Float32Array[]) => X.map((x, i) => {
        const pred = (epoch * (i + 1) + shift + (x[0] > 0 ? 1 : 0)) % 3;
        return { pred, scores: [0, 1, 2].map((k) => (k === pred ? 1 : 0)) };
      });
      const E = 12;
      for (const epoch of train.audit?.epochs(E) ?? []) train.audit?.record(epoch, at(epoch));
      return { predict: at(E) };
    },
  }),
}));

test('both oracles recomputed from results.json audit.perEpoch alone equal the stored ones; the report shows them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-audit-'));
  try {
    const file = writeRandomFeatureTable(dir, 6, 5, 11);
    const res = await evaluate({ dataset: `features:${file}`, recipe: 'test-audit-epochs', protocol: 'loso', workers: 1, cache: false, audit: {} });
    const a = res.audit!;
    assert.deepEqual(a.epochs, Array.from({ length: 12 }, (_, i) => i + 1));
    assert.equal(a.honest.uf1, res.metrics.uf1);
    assert.equal(a.honest.uar, res.metrics.uar);
    // the last stored epoch is what was reported (this recipe keeps its last epoch)
    assert.deepEqual(a.perEpoch.at(-1)!.predictions.map((p) => p.pred), res.predictions.map((p) => p.pred));
    const files = await writeReport(dir, res);
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    const r = recompute(json.audit.perEpoch);
    assert.equal(r.global.epoch, json.audit.oracleGlobalBest.epoch);
    assert.ok(Math.abs(r.global.uf1 - json.audit.oracleGlobalBest.uf1) < 1e-12);
    assert.ok(Math.abs(r.global.uar - json.audit.oracleGlobalBest.uar) < 1e-12);
    assert.deepEqual(r.subject.epochs, json.audit.oracleSubjectBest.epochs);
    assert.ok(Math.abs(r.subject.uf1 - json.audit.oracleSubjectBest.uf1) < 1e-12);
    assert.ok(Math.abs(r.subject.uar - json.audit.oracleSubjectBest.uar) < 1e-12);
    // merkit's own function agrees on the JSON too, and the per-subject oracle is no worse than the global one here
    assert.deepEqual(auditOracles(json.audit.perEpoch), { oracleSubjectBest: json.audit.oracleSubjectBest, oracleGlobalBest: json.audit.oracleGlobalBest });
    assert.ok(new Set(Object.values(r.subject.epochs)).size > 1, 'the example should pick different epochs for different subjects');
    // the report: three numbers side by side, a sentence each, the curve labelled for auditing only
    const md = readFileSync(files.md, 'utf8');
    assert.match(md, /## Selection audit \(for auditing only\)/);
    for (const name of ['honest', 'oracle, best epoch per test subject', 'oracle, best single epoch']) assert.ok(md.includes(`| ${name} |`), name);
    assert.ok(md.includes(`![${AUDIT_CURVE_TITLE}](audit-test-uf1.svg)`));
    assert.match(readFileSync(files.auditSvg!, 'utf8'), /for auditing only/);
    const html = readFileSync(files.html, 'utf8');
    assert.match(html, /id="selection-audit"/);
    assert.match(html, /<figure id="audit-curve"><svg[^]*for auditing only[^]*<\/svg>/);
    // without the audit there is no such section
    const { audit: _a, ...plain } = res;
    assert.doesNotMatch(renderMarkdown(plain), /Selection audit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('buildAudit sorts epochs and keeps the honest numbers it is given', () => {
  const p = e('d', 'A', [['x', 'x'], ['y', 'x']]);
  const a = buildAudit([{ epoch: 3, predictions: p }, { epoch: 1, predictions: p }], { uf1: 0.25, uar: 0.5, rule: 'r' });
  assert.deepEqual(a.epochs, [1, 3]);
  assert.deepEqual(a.honest, { uf1: 0.25, uar: 0.5, rule: 'r' });
  assert.deepEqual(a.pooled.map((x) => x.epoch), [1, 3]);
});
