import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Dataset } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { datasetKinds, openDataset, parseDatasetSpec } from '../../src/datasets/index.ts';
import { formatInspect, frameStats, inspectDataset } from '../../src/datasets/inspect.ts';
import { getLabelScheme } from '../../src/datasets/labelSchemes.ts';
import { removeRoot, tempRoot, writeText } from './fixtures.ts';

test('datasetKinds lists every adapter', () => {
  assert.deepEqual(datasetKinds().sort(), ['casme', 'casme2', 'casme3', 'ckplus', 'features', 'flowdir', 'megc2019', 'samm', 'smic', 'synthetic']);
});

test('parseDatasetSpec: kind, path, ?options', () => {
  assert.deepEqual(parseDatasetSpec('features:../a/b.csv?dataset=casme2'), { kind: 'features', path: '../a/b.csv', options: { dataset: 'casme2' } });
  assert.deepEqual(parseDatasetSpec('flowdir:/x/y'), { kind: 'flowdir', path: '/x/y', options: {} });
  assert.deepEqual(parseDatasetSpec('smic:C:/data?modality=NIR&sheet=a.xlsx'), { kind: 'smic', path: 'C:/data', options: { modality: 'NIR', sheet: 'a.xlsx' } });
});

test('openDataset: unknown kind, no kind, missing path → MerError listing the kinds', async () => {
  const listsKinds = (e: unknown) => e instanceof MerError && /casme2, samm, smic, casme, casme3, megc2019, flowdir, features, synthetic/.test(e.expected ?? '');
  await assert.rejects(openDataset('nope:/tmp'), (e: unknown) => listsKinds(e) && (e as MerError).code === 'BAD_OPTION');
  await assert.rejects(openDataset('/just/a/path'), listsKinds);
  await assert.rejects(openDataset('flowdir:/definitely/not/here'), (e: unknown) => listsKinds(e) && (e as MerError).code === 'NOT_FOUND');
  await assert.rejects(openDataset('smic:/tmp?modality=UV'), (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION');
});

test('openDataset: features with ?dataset= option', async () => {
  const dir = tempRoot('spec');
  try {
    writeText(join(dir, 'f.csv'), 'subject,clip,emotion,x\ns1,c1,surprise,1\n');
    const ds = await openDataset(`features:${join(dir, 'f.csv')}?dataset=smic`);
    assert.equal(ds.clips[0].dataset, 'smic');
  } finally {
    removeRoot(dir);
  }
});

const DS: Dataset = {
  kind: 'casme2',
  root: '/data/CASME2',
  clips: [
    { dataset: 'casme2', subject: 'sub01', clip: 'a', emotion: 'disgust', source: { kind: 'frames', files: ['1', '2', '3'] } },
    { dataset: 'casme2', subject: 'sub01', clip: 'b', emotion: 'fear', source: { kind: 'frames', files: ['1', '2', '3', '4', '5'] } },
    { dataset: 'casme2', subject: 'sub02', clip: 'c', emotion: 'happiness', source: { kind: 'frames', files: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] } },
  ],
  problems: [{ kind: 'missing-folder', message: 'no folder x', file: 'coding.xlsx', row: 7, clip: 'casme2/sub04/EP01' }],
};

test('frameStats: min/median/mean/max', () => {
  assert.deepEqual(frameStats([10, 3, 5]), { clips: 3, min: 3, max: 10, mean: 6, median: 5 });
  assert.deepEqual(frameStats([1, 2, 3, 4]), { clips: 4, min: 1, max: 4, mean: 2.5, median: 2.5 });
  assert.equal(frameStats([]), undefined);
});

test('inspectDataset: counts per emotion/subject/part/class, drops, problems', () => {
  const r = inspectDataset(DS, getLabelScheme('megc3'));
  assert.equal(r.clips, 3);
  assert.equal(r.subjects, 2);
  assert.deepEqual(r.perEmotion, { disgust: 1, fear: 1, happiness: 1 });
  assert.deepEqual(r.perSubject, { 'casme2/sub01': 2, 'casme2/sub02': 1 });
  assert.deepEqual(r.perPart, { casme2: 3 });
  assert.deepEqual(r.perClass, { negative: 1, positive: 1, surprise: 0 });
  assert.equal(r.kept, 2);
  assert.deepEqual(r.dropped, { fear: 1 });
  assert.deepEqual(r.frames, { clips: 3, min: 3, max: 10, mean: 6, median: 5 });
  assert.equal(r.problems.length, 1);
  const text = formatInspect(r);
  assert.match(text, /3 clips, 2 subjects, 1 problem/);
  assert.match(text, /scheme megc3 \(negative\/positive\/surprise\): 2 kept, 1 dropped/);
  assert.match(text, /\[missing-folder\] coding\.xlsx, row 7, casme2\/sub04\/EP01: no folder x/);
  assert.match(text, /frames per clip \(3 clips\): min 3, median 5, mean 6\.0, max 10/);
  const plain = inspectDataset(DS);
  assert.equal(plain.perClass, undefined);
  assert.match(formatInspect(plain), /per original emotion/);
});
