import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MerError } from '../../src/core/errors.ts';
import { openCasme } from '../../src/datasets/casme.ts';
import { openCasme2 } from '../../src/datasets/casme2.ts';
import { openSynthetic, syntheticGroundTruth } from '../../src/datasets/syntheticAdapter.ts';
import { writeSheet } from '../../src/io/xlsx.ts';
import { frameBytes, removeRoot, tempRoot, writeFrames, writeText } from './fixtures.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

const HEADER = ['Subject', 'Filename', 'OnsetFrame', 'ApexFrame', 'OffsetFrame', 'Action Units', 'Estimated Emotion'];
let root = '';

before(async () => {
  root = tempRoot('casme2');
  const { jpg } = await frameBytes();
  const raw = join(root, 'CASME2-RAW');
  // numeric order matters: img46 < img100
  writeFrames(join(raw, 'sub01', 'EP02_01f'), ['img46.jpg', 'img100.jpg', 'img47.jpg', 'img99.jpg', 'img101.jpg', 'notes.txt'], jpg);
  // registered release names, offset 0 in the sheet → all frames
  writeFrames(join(raw, 'sub01', 'EP03_02'), ['reg_img1.jpg', 'reg_img2.jpg', 'reg_img3.jpg'], jpg);
  writeFrames(join(raw, 'sub02', 'EP01_11f'), ['img1.jpg', 'img2.jpg', 'img3.jpg'], jpg);
  writeFrames(join(raw, 'sub02', 'EP05_01'), [], jpg); // empty folder
  writeFrames(join(raw, 'sub02', 'EP09_09'), ['img5.jpg', 'img6.jpg'], jpg); // no sheet row
  writeFrames(join(raw, 'sub03', 'EP07_01'), ['img1.jpg', 'img2.jpg', 'img3.jpg'], jpg); // unknown label
  writeFrames(join(raw, 'sub03', 'EP08_01'), ['img1.jpg', 'img2.jpg', 'img3.jpg'], jpg); // onset not a number
  await writeSheet(join(root, 'CASME2-coding-20140508.xlsx'), HEADER, [
    [1, 'EP02_01f', 46, 59, 100, '12', 'happiness'],
    ['01', 'EP03_02', 2, 2, 0, '18', 'others'],
    [2, 'EP01_11f', 1, 2, 3, '4+7', 'Disgust'],
    [2, 'EP01_11f', 1, 2, 3, '4+7', 'disgust'], // duplicate
    [2, 'EP05_01', 1, 2, 3, '4', 'others'], // empty folder
    [4, 'EP01_01', 1, 2, 3, '4', 'others'], // no folder
    [3, 'EP07_01', 1, 2, 3, '4', 'boredom'], // unknown label
    [3, 'EP08_01', 'x', 2, 3, '4', 'others'],
  ]);
});

after(() => removeRoot(root));

test('casme2: clips, numeric frame order, onset…offset, offset 0 keeps all frames, fps 200', async () => {
  const ds = await openCasme2(root);
  assert.equal(ds.kind, 'casme2');
  assert.deepEqual(
    ds.clips.map((c) => `${c.subject}/${c.clip}:${c.emotion}`),
    ['sub01/EP02_01f:happiness', 'sub01/EP03_02:others', 'sub02/EP01_11f:disgust'],
  );
  const ep02 = ds.clips[0];
  assert.equal(ep02.fps, 200);
  assert.equal(ep02.dataset, 'casme2');
  assert.deepEqual([ep02.onset, ep02.apex, ep02.offset, ep02.actionUnits], [46, 59, 100, '12']);
  assert.equal(ep02.source.kind, 'frames');
  if (ep02.source.kind === 'frames') {
    assert.deepEqual(
      ep02.source.files.map((f) => f.slice(f.lastIndexOf('/') + 1)),
      ['img46.jpg', 'img47.jpg', 'img99.jpg', 'img100.jpg'],
    );
  }
  const ep03 = ds.clips[1];
  assert.equal(ep03.offset, undefined);
  if (ep03.source.kind === 'frames') assert.equal(ep03.source.files.length, 3);
});

test('casme2: every bad input is a Problem naming file and 1-based sheet row; reading goes on', async () => {
  const ds = await openCasme2(root);
  const sheet = join(root, 'CASME2-coding-20140508.xlsx');
  const byKind = (k: string) => ds.problems.filter((p) => p.kind === k);
  assert.deepEqual(byKind('duplicate-clip').map((p) => [p.file, p.row]), [[sheet, 5]]);
  assert.deepEqual(byKind('empty-folder').map((p) => p.row), [6]);
  assert.deepEqual(byKind('missing-folder').map((p) => [p.row, p.clip]), [[7, 'casme2/sub04/EP01_01']]);
  assert.deepEqual(byKind('unknown-label').map((p) => p.row), [8]);
  assert.deepEqual(byKind('bad-frame-number').map((p) => p.row), [9]);
  assert.equal(byKind('no-sheet-row').length, 1);
  assert.match(byKind('no-sheet-row')[0].message, /EP09_09/);
  assert.equal(ds.problems.length, 6);
});

test('casme2: root given below the release folder, sheet given explicitly', async () => {
  const ds = await openCasme2(join(root, 'CASME2-RAW'), { sheet: join(root, 'CASME2-coding-20140508.xlsx') });
  assert.equal(ds.clips.length, 3);
});

test('casme2: unusable roots throw MerError', async () => {
  await assert.rejects(openCasme2(join(root, 'nope')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
  const outer = tempRoot('casme2-bare');
  const bare = join(outer, 'root');
  try {
    writeFrames(join(bare, 'sub01', 'EP01'), ['img1.jpg'], (await frameBytes()).jpg);
    await assert.rejects(openCasme2(bare), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND' && /coding/.test(e.message));
    await writeSheet(join(bare, 'x-coding.xlsx'), ['Subject', 'Filename', 'Action Units'], [[1, 'EP01', '4']]);
    await assert.rejects(
      openCasme2(bare),
      (e: unknown) => e instanceof MerError && e.code === 'BAD_INPUT' && /Estimated Emotion/.test(e.message) && /Subject, Filename, Action Units/.test(e.message),
    );
    // a sheet without onset/offset columns: one problem, whole folders used
    await writeSheet(join(bare, 'x-coding.xlsx'), ['Subject', 'Filename', 'Estimated Emotion'], [[1, 'EP01', 'surprise']]);
    const ds = await openCasme2(bare);
    assert.equal(ds.clips.length, 1);
    assert.deepEqual(ds.problems.map((p) => p.kind), ['missing-column', 'missing-column']);
  } finally {
    removeRoot(outer);
  }
});

test('synthetic: CASME II layout with synthetic-coding.xlsx, part "synthetic", gt flow path', async () => {
  const dir = tempRoot('synth');
  try {
    const { png } = await frameBytes();
    writeFrames(join(dir, 'sub01', 'EP01_01'), ['img1.png', 'img2.png', 'img3.png', 'img4.png'], png);
    writeFrames(join(dir, 'sub02', 'EP01_02'), ['img1.png', 'img2.png', 'img3.png'], png);
    writeText(join(dir, 'gt', 'sub01_EP01_01.flo'), 'PIEH');
    await writeSheet(join(dir, 'synthetic-coding.xlsx'), HEADER, [
      ['sub01', 'EP01_01', 1, 2, 4, '6+12', 'happiness'],
      ['sub02', 'EP01_02', 1, 2, 3, '4+9+10', 'disgust'],
    ]);
    const ds = await openSynthetic(dir);
    assert.equal(ds.kind, 'synthetic');
    assert.deepEqual(ds.clips.map((c) => [c.dataset, c.subject, c.clip, c.emotion]), [
      ['synthetic', 'sub01', 'EP01_01', 'happiness'],
      ['synthetic', 'sub02', 'EP01_02', 'disgust'],
    ]);
    assert.deepEqual(ds.problems, []);
    assert.equal(syntheticGroundTruth(dir, ds.clips[0]), join(dir, 'gt', 'sub01_EP01_01.flo'));
    assert.equal(syntheticGroundTruth(dir, ds.clips[1]), undefined);
  } finally {
    removeRoot(dir);
  }
});

test('casme (CASME I): all coding sheets read, fps 60, tense kept as an emotion', async () => {
  const dir = tempRoot('casme');
  try {
    const { jpg } = await frameBytes();
    writeFrames(join(dir, 'sub01', 'EP01_5'), ['EP01_5-1.jpg', 'EP01_5-2.jpg', 'EP01_5-10.jpg'], jpg);
    writeFrames(join(dir, 'sub08', 'EP02_3'), ['EP02_3-1.jpg', 'EP02_3-2.jpg'], jpg);
    const cols = ['Subject', 'Filename', 'OnsetFrame', 'ApexFrame', 'OffsetFrame', 'Duration', 'Action Units', 'Emotion'];
    await writeSheet(join(dir, 'CASME-A-coding.xlsx'), cols, [[1, 'EP01_5', 2, 2, 10, 9, '4', 'tense']]);
    await writeSheet(join(dir, 'CASME-B-coding.xlsx'), cols, [[8, 'EP02_3', 1, 1, 2, 2, '12', 'amusement']]);
    const ds = await openCasme(dir);
    assert.deepEqual(ds.clips.map((c) => [c.subject, c.clip, c.emotion, c.fps]), [
      ['sub01', 'EP01_5', 'tense', 60],
      ['sub08', 'EP02_3', 'amusement', 60],
    ]);
    const s = ds.clips[0].source;
    if (s.kind === 'frames') assert.deepEqual(s.files.map((f) => f.slice(f.lastIndexOf('/') + 1)), ['EP01_5-2.jpg', 'EP01_5-10.jpg']);
  } finally {
    removeRoot(dir);
  }
});

test('casme2 with the real coding sheet: only folders present become clips, the rest are missing-folder problems', { skip: skipUnlessShared('annotations/CASME2') }, async () => {
  const dir = tempRoot('casme2-real');
  try {
    const { jpg } = await frameBytes();
    writeFrames(join(dir, 'sub01', 'EP02_01f'), ['img46.jpg', 'img59.jpg', 'img86.jpg', 'img87.jpg'], jpg);
    const ds = await openCasme2(dir, { sheet: sharedData('annotations/CASME2/CASME2-coding-20140508.xlsx') });
    assert.equal(ds.clips.length, 1);
    if (ds.clips[0].source.kind === 'frames') assert.equal(ds.clips[0].source.files.length, 3);
    assert.equal(ds.problems.filter((p) => p.kind === 'missing-folder').length, 254);
    assert.equal(ds.problems.length, 254);
  } finally {
    removeRoot(dir);
  }
});
