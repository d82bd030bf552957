/**
 * ZIP64: the reader finds the central directory through the ZIP64
 * end-of-central-directory locator and record, and takes each entry's sizes
 * and offset from its ZIP64 extra field (what torch.save writes); the
 * archive is built by hand (test/helpers/zip64.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readZip, writeZip, zipDirectory } from '../../src/io/zip.ts';
import { zip64 } from '../helpers/zip64.ts';
import { MerError } from '../../src/core/errors.ts';

test('readZip reads a ZIP64 archive: count, directory and entry fields from the ZIP64 records', () => {
  const a = new TextEncoder().encode('first entry');
  const b = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const z = zip64([['archive/a.txt', a], ['archive/data/0', b]]);
  const dir = zipDirectory(z);
  assert.deepEqual(dir.map((e) => [e.name, e.size, e.compressedSize]), [['archive/a.txt', a.length, a.length], ['archive/data/0', 300, 300]]);
  const entries = readZip(z, 'z64.zip');
  assert.deepEqual(entries.map((e) => e.name), ['archive/a.txt', 'archive/data/0']);
  assert.deepEqual(Array.from(entries[0].data), Array.from(a));
  assert.deepEqual(Array.from(entries[1].data), Array.from(b));
});

test('a ZIP64 archive without its locator, or with a damaged entry, is a BAD_INPUT MerError naming the file', () => {
  const z = zip64([['x', new Uint8Array([1, 2, 3])]]);
  const noLocator = Buffer.concat([z.subarray(0, z.length - 42), z.subarray(z.length - 22)]);
  assert.throws(() => readZip(noLocator, 'z.zip'), (e) => e instanceof MerError && e.code === 'BAD_INPUT' && e.file === 'z.zip' && /ZIP64/.test(e.message));
  const corrupt = Buffer.from(z);
  corrupt[30 + 1] ^= 0xff; // the entry's bytes: CRC no longer matches
  assert.throws(() => readZip(corrupt, 'z.zip'), /CRC mismatch/);
});

test('readZip still reads the plain archives writeZip makes', () => {
  const z = writeZip([{ name: 'a', data: new Uint8Array([9, 8, 7]) }, { name: 'dir/', data: new Uint8Array(0) }]);
  assert.deepEqual(readZip(z).map((e) => [e.name, Array.from(e.data)]), [['a', [9, 8, 7]]]);
});
