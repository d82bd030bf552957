import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { subjectKey } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { datasetFromPath, openFeatures } from '../../src/datasets/features.ts';
import { openFlowdir } from '../../src/datasets/flowdir.ts';
import { applyLabels, getLabelScheme } from '../../src/datasets/labelSchemes.ts';
import { frameBytes, removeRoot, tempRoot, writeFrames, writeText } from './fixtures.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

test('flowdir: labels.csv rows → flow sources; missing files, bad labels, duplicates are problems', async () => {
  const dir = tempRoot('flowdir');
  try {
    const { png, jpg } = await frameBytes();
    writeFrames(join(dir, 'flow'), ['casme2_sub01_a.png', 'smic_s01_b.png', 'casme2_sub01_d.png', 'casme2_sub02_e.png'], png);
    writeFrames(join(dir, 'apex'), ['casme2_sub01_a.jpg'], jpg);
    writeText(
      join(dir, 'labels.csv'),
      [
        'dataset,subject,clip,label,flow,apex',
        'casme2,sub01,a,negative,flow/casme2_sub01_a.png,apex/casme2_sub01_a.jpg',
        'smic,s01,b,Positive,flow/smic_s01_b.png,',
        'casme2,sub01,c,surprise,flow/missing.png,',
        'casme2,sub01,a,negative,flow/casme2_sub01_a.png,',
        'casme2,sub01,d,joy,flow/casme2_sub01_d.png,',
        'casme2,sub02,e,surprise,flow/casme2_sub02_e.png,apex/gone.jpg',
        'casme2,sub02,f,,flow/casme2_sub02_e.png,',
      ].join('\n') + '\n',
    );
    const ds = await openFlowdir(dir);
    assert.deepEqual(ds.clips.map((c) => [c.dataset, c.subject, c.clip, c.emotion]), [
      ['casme2', 'sub01', 'a', 'negative'],
      ['smic', 's01', 'b', 'positive'],
    ]);
    assert.deepEqual(ds.clips[0].source, { kind: 'flow', file: join(dir, 'flow/casme2_sub01_a.png'), apexFile: join(dir, 'apex/casme2_sub01_a.jpg') });
    assert.deepEqual(ds.clips[1].source, { kind: 'flow', file: join(dir, 'flow/smic_s01_b.png') });
    assert.deepEqual(ds.problems.map((p) => [p.kind, p.row]), [
      ['missing-file', 4],
      ['duplicate-clip', 5],
      ['unknown-label', 6],
      ['missing-file', 7],
      ['missing-label', 8],
    ]);
    assert.ok(ds.problems.every((p) => p.file === join(dir, 'labels.csv')));
    await assert.rejects(openFlowdir(join(dir, 'flow')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
  } finally {
    removeRoot(dir);
  }
});

test('features: meta columns, numeric features, text and NaN cells are problems naming line and column', async () => {
  const dir = tempRoot('features');
  try {
    const p = join(dir, 'tiny.csv');
    writeText(
      p,
      [
        'subject,clip,label,onset,f0,f1,f2',
        'sub01,EP01,happiness,3,0.5,1,-2e-3',
        'sub01,EP02,others,,1,abc,3',
        'sub02,EP03,disgust,4,NaN,0,0',
        'sub02,EP04,surprise,5,1,2,',
        'sub02,EP05,surprise,5,1,2,3',
        'sub02,EP05,surprise,5,1,2,3',
      ].join('\r\n'),
    );
    const ds = await openFeatures(p);
    assert.equal(ds.clips.length, 2);
    const c = ds.clips[0];
    assert.deepEqual([c.dataset, c.subject, c.clip, c.emotion, c.onset, c.apex], ['features', 'sub01', 'EP01', 'happiness', 3, undefined]);
    assert.equal(c.source.kind, 'features');
    if (c.source.kind === 'features') {
      assert.deepEqual(c.source.columns, ['f0', 'f1', 'f2']);
      assert.deepEqual([...c.source.values], [0.5, 1, Math.fround(-2e-3)]);
    }
    assert.deepEqual(ds.problems.map((q) => [q.kind, q.row]), [
      ['bad-feature', 3],
      ['bad-feature', 4],
      ['bad-feature', 5],
      ['duplicate-clip', 7],
    ]);
    assert.match(ds.problems[0].message, /"f1" holds "abc"/);
    assert.match(ds.problems[1].message, /"f0" holds "NaN"/);
    const named = await openFeatures(p, { dataset: 'casme2' });
    assert.equal(named.clips[0].dataset, 'casme2');
    writeText(p, 'subject,f0\nsub01,1\n');
    await assert.rejects(openFeatures(p), (e: unknown) => e instanceof MerError && e.code === 'BAD_INPUT' && /clip, emotion or label/.test(e.message));
  } finally {
    removeRoot(dir);
  }
});

test('datasetFromPath: database name as a word of the folder or file name', () => {
  assert.equal(datasetFromPath('/d/casme2-lbptop-5x5/features.csv'), 'casme2');
  assert.equal(datasetFromPath('/d/x/samm_hoof.csv'), 'samm');
  assert.equal(datasetFromPath('/casme2/x/features.csv'), undefined);
  assert.equal(datasetFromPath('/d/mycasme2x/f.csv'), undefined);
});

test('flowdir on the real megc2019-cde-dev: 309 clips, 40 subjects, 164 smic / 145 casme2', { skip: skipUnlessShared('megc2019-cde-dev') }, async () => {
  const ds = await openFlowdir(sharedData('megc2019-cde-dev')!);
  assert.deepEqual(ds.problems, []);
  assert.equal(ds.clips.length, 309);
  assert.equal(new Set(ds.clips.map(subjectKey)).size, 40);
  assert.equal(ds.clips.filter((c) => c.dataset === 'smic').length, 164);
  assert.equal(ds.clips.filter((c) => c.dataset === 'casme2').length, 145);
  const l = applyLabels(ds, getLabelScheme('megc3'));
  assert.equal(l.clips.length, 309);
  assert.ok(ds.clips.every((c) => c.source.kind === 'flow' && c.source.apexFile !== undefined));
});

test('features on the real LBP-TOP table: 255 rows × 4425, casme2-5 → 246 clips / 26 subjects', { skip: skipUnlessShared('casme2-lbptop-5x5/features.csv') }, async () => {
  const ds = await openFeatures(sharedData('casme2-lbptop-5x5/features.csv')!);
  assert.deepEqual(ds.problems, []);
  assert.equal(ds.clips.length, 255);
  assert.equal(ds.clips[0].dataset, 'casme2');
  const s = ds.clips[0].source;
  assert.ok(s.kind === 'features' && s.values.length === 4425 && s.columns[0] === 'b0_xy_0');
  assert.deepEqual([ds.clips[0].subject, ds.clips[0].clip, ds.clips[0].emotion, ds.clips[0].onset, ds.clips[0].apex, ds.clips[0].offset], ['sub01', 'EP02_01f', 'happiness', 46, 59, 86]);
  const l = applyLabels(ds, getLabelScheme('casme2-5'));
  assert.equal(l.clips.length, 246);
  assert.equal(new Set(l.clips.map(subjectKey)).size, 26);
  assert.deepEqual(l.dropped, { fear: 2, sadness: 7 });
});
