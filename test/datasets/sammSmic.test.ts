import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { openSamm } from '../../src/datasets/samm.ts';
import { openSmic, smicIds } from '../../src/datasets/smic.ts';
import { openCasme3 } from '../../src/datasets/casme3.ts';
import { writeSheet } from '../../src/io/xlsx.ts';
import { frameBytes, removeRoot, tempRoot, writeFrames } from './fixtures.ts';

test('samm: header below title rows, subject padded to 3 digits, frames onset…offset, fps 200', async () => {
  const dir = tempRoot('samm');
  try {
    const { jpg } = await frameBytes();
    writeFrames(join(dir, 'SAMM', '006', '006_1_2'), ['006_05561.jpg', '006_05562.jpg', '006_05588.jpg', '006_05632.jpg', '006_05633.jpg'], jpg);
    writeFrames(join(dir, 'SAMM', '007', '007_3_1'), ['007_00010.jpg', '007_00011.jpg'], jpg);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('MICRO_ONLY');
    ws.addRow(['SAMM Micro-Movement Database']);
    ws.addRow([]);
    ws.addRow(['Subject', 'Filename', 'Inducement Code', 'Onset Frame', 'Apex Frame', 'Offset Frame', 'Duration', 'Micro', 'Action Units', 'Estimated Emotion']);
    ws.addRow([6, '006_1_2', 1, 5562, 5588, 5632, { formula: 'F4-D4+1', result: 71 }, 'Micro - 1/2', '4+7', 'Anger']);
    ws.addRow(['007', '007_3_1', 3, 10, 10, 11, 2, 'Micro - 1/2', '12', 'Happy face']);
    ws.addRow(['008', '008_1_1', 1, 1, 2, 3, 3, 'Micro - 1/2', '14', 'Contempt']);
    await wb.xlsx.writeFile(join(dir, 'SAMM_Micro_FACS_Codes_v2.xlsx'));
    const ds = await openSamm(dir);
    assert.deepEqual(ds.clips.map((c) => [c.subject, c.clip, c.emotion, c.fps, c.onset, c.offset]), [['006', '006_1_2', 'anger', 200, 5562, 5632]]);
    const s = ds.clips[0].source;
    if (s.kind === 'frames') assert.equal(s.files.length, 3);
    assert.deepEqual(ds.problems.map((p) => [p.kind, p.row]), [
      ['unknown-label', 5],
      ['missing-folder', 6],
    ]);
  } finally {
    removeRoot(dir);
  }
});

test('smicIds normalises to two-digit subject and clip numbers', () => {
  assert.deepEqual(smicIds('s1_ne_1'), { subject: 's01', clip: 's01_ne_01', infix: 'ne' });
  assert.deepEqual(smicIds('S20_SUR_05'), { subject: 's20', clip: 's20_sur_05', infix: 'sur' });
  assert.equal(smicIds('s1_xx_01'), undefined);
});

test('smic: release layout HS/VIS/NIR, non_micro ignored, label from folder, HS default, apex sheet', async () => {
  const dir = tempRoot('smic');
  try {
    const { jpg } = await frameBytes();
    const hs = join(dir, 'SMIC_all_cropped', 'HS');
    writeFrames(join(hs, 's1', 'micro', 'negative', 's1_ne_01'), ['image106108.bmp', 'image106109.bmp', 'image106110.bmp', 'image99999.bmp'], jpg);
    writeFrames(join(hs, 's1', 'micro', 'positive', 's1_po_02'), ['image5.bmp', 'image6.bmp'], jpg);
    writeFrames(join(hs, 's2', 'micro', 'surprise', 's2_sur_01'), ['image1.bmp', 'image2.bmp'], jpg);
    writeFrames(join(hs, 's2', 'micro', 'negative', 's2_po_03'), ['image1.bmp'], jpg); // folder/name disagree
    writeFrames(join(hs, 's2', 'non_micro', 'negative', 's2_ne_09'), ['image1.bmp'], jpg);
    writeFrames(join(dir, 'SMIC_all_cropped', 'VIS', 's1', 'micro', 'negative', 's1_ne_01'), ['image1.bmp', 'image2.bmp'], jpg);
    writeFrames(join(dir, 'SMIC_all_cropped', 'NIR', 's1', 'micro', 'negative', 's1_ne_01'), ['image1.bmp'], jpg);

    const noSheet = await openSmic(dir);
    assert.deepEqual(noSheet.clips.map((c) => [c.subject, c.clip, c.emotion, c.fps]), [
      ['s01', 's01_ne_01', 'negative', 100],
      ['s01', 's01_po_02', 'positive', 100],
      ['s02', 's02_sur_01', 'surprise', 100],
    ]);
    assert.deepEqual(noSheet.problems.map((p) => p.kind), ['label-conflict']);
    const s0 = noSheet.clips[0].source;
    if (s0.kind === 'frames') assert.deepEqual(s0.files.map((f) => f.slice(f.lastIndexOf('/') + 1)), ['image99999.bmp', 'image106108.bmp', 'image106109.bmp', 'image106110.bmp']);

    const vis = await openSmic(dir, { modality: 'VIS' });
    assert.deepEqual(vis.clips.map((c) => [c.clip, c.fps]), [['s01_ne_01', 25]]);

    // apex sheet (columns of smic_apex.xlsx; labels 0/1/2); last row lacks an offset; s03 has no folder
    await writeSheet(join(dir, 'smic_apex.xlsx'), ['data', 'subject', 'clip', 'label', 'onset_frame', 'apex_frame', 'offset_frame'], [
      ['smic', 1, 's1_ne_01', 0, 106108, 106109, 106109],
      ['smic', 1, 's1_po_02', 1, 6, 6, null],
      ['smic', 2, 's2_sur_01', 0, 1, 1, 2],
      ['smic', 3, 's3_ne_01', 0, 1, 2, 3],
    ]);
    const ds = await openSmic(dir);
    assert.deepEqual(ds.clips.map((c) => [c.clip, c.onset, c.apex, c.offset]), [
      ['s01_ne_01', 106108, 106109, 106109],
      ['s01_po_02', 6, 6, undefined],
    ]);
    const s1 = ds.clips[0].source;
    if (s1.kind === 'frames') assert.equal(s1.files.length, 2);
    // no offset in the sheet: the whole folder
    const s2 = ds.clips[1].source;
    if (s2.kind === 'frames') assert.equal(s2.files.length, 2);
    assert.deepEqual(ds.problems.map((p) => [p.kind, p.row]), [
      ['label-conflict', undefined],
      ['label-conflict', 4],
      ['missing-folder', 5],
    ]);
  } finally {
    removeRoot(dir);
  }
});

test('casme3: clip id <file>_<onset>, frames from the colour folder onset…offset, fps 30', async () => {
  const dir = tempRoot('casme3');
  try {
    const { jpg } = await frameBytes();
    const names = Array.from({ length: 12 }, (_, i) => `${i}.jpg`);
    writeFrames(join(dir, 'part_A', 'spNO.1', 'e', 'color'), names, jpg);
    writeFrames(join(dir, 'part_A', 'spNO.1', 'e', 'depth'), names.map((n) => n.replace('.jpg', '.png')), jpg);
    writeFrames(join(dir, 'part_A', 'spNO.2', 'a'), names, jpg);
    writeFrames(join(dir, 'part_A', 'spNO.2', 'b'), names, jpg); // no table row
    await writeSheet(join(dir, 'casme3_table.xlsx'), ['Subject', 'Filename', 'Onset', 'Apex', 'Offset', 'AU', 'Objective class', 'emotion'], [
      ['spNO.1', 'e', '2', '3', '5', 'R12', 'I', 'Others'],
      ['spNO.1', 'e', '6', '8', '9', '4', 'III', 'disgust'],
      ['spNO.2', 'a', '1', '2', '3', '12', 'I', 'happy'],
      ['spNO.2', 'a', '1', '2', '3', '12', 'I', 'happy'],
      ['spNO.3', 'c', '1', '2', '', '4', 'III', 'sad'],
    ]);
    const ds = await openCasme3(dir);
    assert.deepEqual(ds.clips.map((c) => [c.subject, c.clip, c.emotion, c.fps, c.onset, c.offset]), [
      ['spNO.1', 'e_2', 'others', 30, 2, 5],
      ['spNO.1', 'e_6', 'disgust', 30, 6, 9],
      ['spNO.2', 'a_1', 'happy', 30, 1, 3],
    ]);
    const s = ds.clips[0].source;
    if (s.kind === 'frames') {
      assert.deepEqual(s.files.map((f) => f.slice(f.indexOf('spNO'))), ['spNO.1/e/color/2.jpg', 'spNO.1/e/color/3.jpg', 'spNO.1/e/color/4.jpg', 'spNO.1/e/color/5.jpg']);
    }
    assert.deepEqual(ds.problems.map((p) => [p.kind, p.row ?? null]).sort(), [
      ['bad-frame-number', 6],
      ['duplicate-clip', 5],
      ['no-sheet-row', null],
    ]);
  } finally {
    removeRoot(dir);
  }
});
