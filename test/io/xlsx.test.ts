import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { MerError } from '../../src/core/errors.ts';
import { readSheet, unwrapCell, writeSheet } from '../../src/io/xlsx.ts';
import { removeRoot, tempRoot } from '../datasets/fixtures.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

function tally(rows: Array<Record<string, string | number | null>>, col: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r[col])] = (out[String(r[col])] ?? 0) + 1;
  return out;
}

test('unwrapCell: rich text, formulas, hyperlinks, dates, errors, blanks', () => {
  assert.equal(unwrapCell({ richText: [{ text: 'hap' }, { text: 'piness ' }] }), 'happiness');
  assert.equal(unwrapCell({ formula: 'F2-D2+1', result: 71 }), 71);
  assert.equal(unwrapCell({ sharedFormula: 'G2', result: 77 }), 77);
  assert.equal(unwrapCell({ text: 'link', hyperlink: 'http://x' }), 'link');
  assert.equal(unwrapCell(new Date(Date.UTC(2014, 4, 8))), '2014-05-08');
  assert.equal(unwrapCell({ error: '#N/A' }), null);
  assert.equal(unwrapCell('  '), null);
  assert.equal(unwrapCell(' 01 '), '01');
  assert.equal(unwrapCell(undefined), null);
});

test('writeSheet → readSheet round trip (records and arrays), header trimmed', async () => {
  const dir = tempRoot('xlsx');
  try {
    const p = join(dir, 'a.xlsx');
    await writeSheet(p, [' Subject ', 'Filename', 'OnsetFrame'], [
      { ' Subject ': '01', Filename: 'EP01', OnsetFrame: 3 },
      ['02', 'EP02', null],
    ]);
    const t = await readSheet(p);
    assert.deepEqual(t.header, ['Subject', 'Filename', 'OnsetFrame']);
    assert.deepEqual(t.rows, [
      { Subject: '01', Filename: 'EP01', OnsetFrame: 3 },
      { Subject: '02', Filename: 'EP02', OnsetFrame: null },
    ]);
    assert.deepEqual(t.rowNumbers, [2, 3]);
  } finally {
    removeRoot(dir);
  }
});

test('readSheet: title rows above the header, blank rows, formula and rich-text cells, required columns', async () => {
  const dir = tempRoot('xlsx');
  try {
    const p = join(dir, 'samm-like.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('MICRO');
    ws.getCell('A1').value = 'SAMM micro-movements';
    ws.getCell('A3').value = 'Subject';
    ws.getCell('B3').value = 'Filename';
    ws.getCell('C3').value = 'Duration';
    ws.getCell('A4').value = '006';
    ws.getCell('B4').value = { richText: [{ text: '006_' }, { text: '1_2' }] };
    ws.getCell('C4').value = { formula: '1+1', result: 2 };
    ws.getCell('A6').value = '007';
    ws.getCell('B6').value = '007_3_1';
    await wb.xlsx.writeFile(p);

    const first = await readSheet(p);
    assert.deepEqual(first.header, ['SAMM micro-movements']);

    const t = await readSheet(p, { headerIncludes: ['subject', 'file name'], required: ['Subject', 'Filename'] });
    assert.equal(t.headerRow, 3);
    assert.deepEqual(t.rows, [
      { Subject: '006', Filename: '006_1_2', Duration: 2 },
      { Subject: '007', Filename: '007_3_1', Duration: null },
    ]);
    assert.deepEqual(t.rowNumbers, [4, 6]);

    await assert.rejects(
      readSheet(p, { headerIncludes: ['Subject'], required: ['Subject', 'Estimated Emotion'] }),
      (e: unknown) =>
        e instanceof MerError && e.code === 'BAD_INPUT' && /MICRO/.test(e.message) && /Estimated Emotion/.test(e.message) && /Subject, Filename, Duration/.test(e.message),
    );
    await assert.rejects(readSheet(p, { sheet: 'nope' }), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
  } finally {
    removeRoot(dir);
  }
});

test('readSheet: a missing file is MerError NOT_FOUND', async () => {
  await assert.rejects(readSheet('/nonexistent/x.xlsx'), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND' && e.file === '/nonexistent/x.xlsx');
});

test('real CASME II coding sheet: 255 rows, known emotion counts', { skip: skipUnlessShared('annotations/CASME2') }, async () => {
  const t = await readSheet(sharedData('annotations/CASME2/CASME2-coding-20140508.xlsx')!);
  assert.equal(t.rows.length, 255);
  assert.deepEqual(t.header, ['Subject', 'Filename', 'OnsetFrame', 'ApexFrame', 'OffsetFrame', 'Action Units', 'Estimated Emotion']);
  assert.deepEqual(tally(t.rows, 'Estimated Emotion'), { happiness: 32, surprise: 25, disgust: 63, repression: 27, others: 99, fear: 2, sadness: 7 });
  assert.deepEqual(t.rows[0], { Subject: '01', Filename: 'EP02_01f', OnsetFrame: 46, ApexFrame: 59, OffsetFrame: 86, 'Action Units': 12, 'Estimated Emotion': 'happiness' });
});

test('real SAMM sheet: 159 rows, formula cells unwrapped, emotion counts', { skip: skipUnlessShared('annotations/SAMM') }, async () => {
  const t = await readSheet(sharedData('annotations/SAMM/SAMM.xlsx')!, { headerIncludes: ['Subject', 'Filename'] });
  assert.equal(t.rows.length, 159);
  assert.equal(t.rows[0].Duration, 71);
  assert.deepEqual(tally(t.rows, 'Estimated Emotion'), { Anger: 57, Sadness: 6, Surprise: 15, Fear: 8, Other: 26, Happiness: 26, Disgust: 9, Contempt: 12 });
});

test('real SMIC apex sheet: 164 rows; labels 0/1/2 = 70/51/43', { skip: skipUnlessShared('annotations/SMIC') }, async () => {
  const t = await readSheet(sharedData('annotations/SMIC/smic_apex.xlsx')!);
  assert.equal(t.rows.length, 164);
  assert.deepEqual(tally(t.rows, 'label'), { '0': 70, '1': 51, '2': 43 });
});

test('real CAS(ME)^3 table: 860 rows', { skip: skipUnlessShared('annotations/CASME3') }, async () => {
  const t = await readSheet(sharedData('annotations/CASME3/casme3_table.xlsx')!);
  assert.equal(t.rows.length, 860);
  assert.deepEqual(t.header, ['Subject', 'Filename', 'Onset', 'Apex', 'Offset', 'AU', 'Objective class', 'emotion']);
});
