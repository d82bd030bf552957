import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MerError } from '../../src/core/errors.ts';
import { formatCsv, parseCsv, parseCsvLines, readCsvRecords } from '../../src/io/csv.ts';
import { removeRoot, tempRoot } from '../datasets/fixtures.ts';

test('parseCsv: plain, quoted, escaped quotes, embedded comma and newline', () => {
  const text = 'a,b,c\n1,"x,y","say ""hi"""\n2,"two\nlines",\n';
  assert.deepEqual(parseCsv(text), [
    ['a', 'b', 'c'],
    ['1', 'x,y', 'say "hi"'],
    ['2', 'two\nlines', ''],
  ]);
});

test('parseCsv: CRLF, BOM, no trailing newline, blank lines skipped, empty quoted field', () => {
  assert.deepEqual(parseCsv('\ufeffh1,h2\r\n\r\nv1,""\r\nv3,v4'), [
    ['h1', 'h2'],
    ['v1', ''],
    ['v3', 'v4'],
  ]);
  assert.deepEqual(parseCsv(''), []);
  assert.deepEqual(parseCsv(',\n'), [['', '']]);
});

test('parseCsvLines: records carry the 1-based line they start on', () => {
  const recs = parseCsvLines('h\n"a\nb"\n\nc\n');
  assert.deepEqual(
    recs.map((r) => r.line),
    [1, 2, 5],
  );
});

test('parseCsv: an unclosed quote is a MerError naming file and line', () => {
  assert.throws(
    () => parseCsv('a,b\n1,"oops\n2,3\n', 'f.csv'),
    (e: unknown) => e instanceof MerError && e.code === 'BAD_INPUT' && e.file === 'f.csv' && e.row === 2,
  );
  assert.throws(() => parseCsv('a\n"x"y\n', 'g.csv'), (e: unknown) => e instanceof MerError && e.row === 2);
});

test('formatCsv quotes only where needed and round-trips through parseCsv', () => {
  const rows = [
    ['name', 'value', 'note'],
    ['a,b', 1.5, 'he said "no"'],
    ['multi\nline', -2, ' padded '],
  ];
  const text = formatCsv(rows);
  assert.equal(text.split('\r\n')[0], 'name,value,note');
  assert.ok(text.includes('"a,b",1.5,"he said ""no"""'));
  assert.deepEqual(parseCsv(text), rows.map((r) => r.map(String)));
});

test('readCsvRecords: header + records, line numbers, ragged row names its line', async () => {
  const dir = tempRoot('csv');
  try {
    const p = join(dir, 't.csv');
    writeFileSync(p, 'subject, clip\nsub01,EP01\n\n"sub\n02",EP02\n');
    const t = await readCsvRecords(p);
    assert.deepEqual(t.header, ['subject', 'clip']);
    assert.deepEqual(t.rows, [
      { subject: 'sub01', clip: 'EP01' },
      { subject: 'sub\n02', clip: 'EP02' },
    ]);
    assert.deepEqual(t.lines, [2, 4]);
    writeFileSync(p, 'a,b\n1,2\n3\n');
    await assert.rejects(readCsvRecords(p), (e: unknown) => e instanceof MerError && e.row === 3 && e.file === p);
    await assert.rejects(readCsvRecords(join(dir, 'none.csv')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
  } finally {
    removeRoot(dir);
  }
});
