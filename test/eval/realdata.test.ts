/**
 * Protocols and metrics on the real MEGC 2019 composite dev set (309 clips:
 * CASME II 24 subjects / 145 clips, SMIC-HS 16 / 164) and on the published
 * STSTNet per-fold predictions for it. Skips when ../shared/data is absent.
 *
 * The expected metric values were computed independently (plain Python, same
 * MEGC definitions) from ststnet-reference/predictions.csv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA, skipUnlessShared } from '../helpers/shared.ts';
import { checkFolds, makeFolds, parseProtocol, type FoldItem } from '../../src/eval/protocols.ts';
import { computeMetrics, metricsByGroup } from '../../src/eval/metrics.ts';

const CLASSES = ['negative', 'positive', 'surprise'];

/** a simple CSV without quoted cells (both files are plain) */
function readTable(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [cols[j], v])));
}

test('CDE/LOSO folds on megc2019-cde-dev: 40 subjects, 309 clips each tested once', { skip: skipUnlessShared('megc2019-cde-dev/labels.csv') }, () => {
  const rows = readTable(join(SHARED_DATA, 'megc2019-cde-dev/labels.csv'));
  const clips: FoldItem[] = rows.map((r) => ({ dataset: r.dataset, subject: r.subject, clip: r.clip, y: CLASSES.indexOf(r.label) }));
  assert.equal(clips.length, 309);
  const spec = parseProtocol('cde');
  const folds = makeFolds(spec, clips, 1);
  assert.equal(folds.length, 40);
  assert.equal(folds.filter((f) => f.name.startsWith('casme2/')).length, 24);
  assert.equal(folds.filter((f) => f.name.startsWith('smic/')).length, 16);
  checkFolds(folds, clips, spec);
  const grouped = makeFolds('kfold:5:subject', clips, 1);
  checkFolds(grouped, clips, parseProtocol('kfold:5:subject'));
});

test('MEGC metrics of the published STSTNet fold predictions match an independent computation', { skip: skipUnlessShared('ststnet-reference/predictions.csv') }, () => {
  const rows = readTable(join(SHARED_DATA, 'ststnet-reference/predictions.csv'));
  const y = rows.map((r) => CLASSES.indexOf(r.label));
  const pred = rows.map((r) => CLASSES.indexOf(r.pred));
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
  const all = computeMetrics(y, pred, CLASSES);
  assert.equal(all.n, 309);
  close(all.acc, 0.7572815533980582, 'acc');
  close(all.uf1, 0.7525125286308801, 'uf1');
  close(all.uar, 0.7529806493285127, 'uar');
  const parts = metricsByGroup(
    rows.map((r, i) => ({ group: r.dataset, y: y[i], pred: pred[i] })),
    CLASSES,
  );
  close(parts.casme2.acc, 0.8413793103448276, 'casme2 acc');
  close(parts.casme2.uf1, 0.8304166666666667, 'casme2 uf1');
  close(parts.casme2.uar, 0.8304166666666667, 'casme2 uar');
  close(parts.smic.acc, 0.6829268292682927, 'smic acc');
  close(parts.smic.uf1, 0.6870739127821698, 'smic uf1');
  close(parts.smic.uar, 0.6875578138232038, 'smic uar');
});
