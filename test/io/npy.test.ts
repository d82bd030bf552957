import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, encodeNpz, npyToCOrder, parseNpy, parseNpz, readNpz, writeNpz, readNpy, writeNpy } from '../../src/io/npy.ts';
import { crc32, readZip, writeZip } from '../../src/io/zip.ts';
import { MerError } from '../../src/core/errors.ts';

/** a .npy file written by hand: v1 header, the given descr/shape, raw data bytes */
function handNpy(header: string, data: number[], major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  const padded = header + ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0], 0);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, padded.length, true);
  else dv.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[pre + i] = padded.charCodeAt(i);
  out.set(data, pre + padded.length);
  return out;
}

test('hand-written headers: little/big endian, v1/v2, bool, i8, f2', () => {
  const le = parseNpy(handNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }", [1, 0, 0xff, 0xff, 0, 1, 2, 0]));
  assert.deepEqual(le.shape, [2, 2]);
  assert.equal(le.dtype, 'int16');
  assert.deepEqual(Array.from(le.data), [1, -1, 256, 2]);
  const be = parseNpy(handNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", [0, 1, 0xff, 0xfe], 2));
  assert.deepEqual(Array.from(be.data), [1, -2]);
  const bf = parseNpy(handNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", [0x3f, 0xc0, 0, 0]));
  assert.deepEqual(Array.from(bf.data), [1.5]);
  const b = parseNpy(handNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [1, 0, 1]));
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(Array.from(b.data), [1, 0, 1]);
  const i8 = parseNpy(handNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 0, 0]));
  assert.equal(i8.dtype, 'float64');
  assert.deepEqual(Array.from(i8.data), [-1, 2 ** 40]);
  // float16: 0x3c00 = 1, 0xc000 = −2, 0x3555 ≈ 0.333251953125
  const f2 = parseNpy(handNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", [0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35]));
  assert.deepEqual(Array.from(f2.data), [1, -2, 0.333251953125]);
  const scalar = parseNpy(handNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [1]);
});

test('Fortran order is reported and npyToCOrder re-lays the data', () => {
  // numpy: np.asfortranarray(np.arange(6).reshape(2, 3)) stores 0 3 1 4 2 5
  const bytes: number[] = [];
  for (const v of [0, 3, 1, 4, 2, 5]) bytes.push(v, 0, 0, 0);
  const f = parseNpy(handNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", bytes));
  assert.equal(f.fortranOrder, true);
  const c = npyToCOrder(f);
  assert.equal(c.fortranOrder, false);
  assert.deepEqual(Array.from(c.data), [0, 1, 2, 3, 4, 5]);
});

test('encodeNpy → parseNpy round trip for several dtypes; header aligned to 64 bytes', () => {
  const cases = [
    new Float32Array([1.5, -2, 3.25, 0]),
    new Float64Array([Math.PI, -1e300, 0, 1]),
    new Int8Array([-128, 0, 1, 127]),
    new Int16Array([-3, 300, 0, 7]),
    new Int32Array([-1, 2 ** 30, 5, 6]),
    new Uint8Array([0, 255, 1, 2]),
    new Uint16Array([65535, 0, 1, 2]),
    new Uint32Array([2 ** 32 - 1, 0, 1, 2]),
  ];
  for (const data of cases) {
    const buf = encodeNpy(data, [2, 2]);
    const headerLen = new DataView(buf.buffer).getUint16(8, true);
    assert.equal((10 + headerLen) % 64, 0);
    const back = parseNpy(buf);
    assert.deepEqual(back.shape, [2, 2]);
    assert.equal(back.data.constructor, data.constructor);
    assert.deepEqual(Array.from(back.data), Array.from(data));
  }
  assert.throws(() => encodeNpy(new Float32Array(3), [2, 2]), MerError);
});

test('bad npy input → MerError', () => {
  assert.throws(() => parseNpy(new Uint8Array(20), 'a.npy'), (e: unknown) => e instanceof MerError && e.file === 'a.npy' && /magic/.test(e.message));
  const short = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", [0, 0, 0, 0]);
  assert.throws(() => parseNpy(short, 'b.npy'), /truncated npy/);
  const odd = handNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Array(8).fill(0));
  assert.throws(() => parseNpy(odd), (e: unknown) => e instanceof MerError && e.code === 'UNSUPPORTED');
  const huge = handNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
  assert.throws(() => parseNpy(huge), /2\^53/);
});

// written by numpy 2.4: np.savez(f, a=np.arange(6, dtype='<f4').reshape(2, 3), b=np.array([True, False, True]), c=np.array([-1, 2**40], dtype='<i8'))
const NUMPY_SAVEZ =
  'UEsDBC0AAAAAAAAAIQBP6QAq//////////8FABQAYS5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAgD8AAABAAABAQAAAgEAAAKBAUEsDBC0AAAAAAAAAIQAWk4y7//////////8FABQAYi5ucHkBABAAgwAAAAAAAACDAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3xiMScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQABUEsDBC0AAAAAAAAAIQDtjf2T//////////8FABQAYy5ucHkBABAAkAAAAAAAAACQAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAK//////////8AAAAAAAEAAFBLAQItAy0AAAAAAAAAIQBP6QAqmAAAAJgAAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLAQItAy0AAAAAAAAAIQAWk4y7gwAAAIMAAAAFAAAAAAAAAAAAAACAAc8AAABiLm5weVBLAQItAy0AAAAAAAAAIQDtjf2TkAAAAJAAAAAFAAAAAAAAAAAAAACAAYkBAABjLm5weVBLBQYAAAAAAwADAJkAAABQAgAAAAA=';
// np.savez_compressed(f, x=np.array([[1.5, -2.25], [3, 4]], dtype='>f8'), y=np.arange(4, dtype='u2'))
const NUMPY_SAVEZ_COMPRESSED =
  'UEsDBC0AAAAIAAAAIQCg1WSt//////////8FABQAeC5ucHkBABAAoAAAAAAAAABVAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6XZqGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CkaaOgq1CmQDLvsfDGBwgAlCO3BAaQEIDQBQSwMELQAAAAgAAAAhAHVDNo7//////////wUAFAB5Lm5weQEAEACIAAAAAAAAAEwAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgblNqpK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaJjqaOgq1ChQALgYGRgYmBmYGAFBLAQItAy0AAAAIAAAAIQCg1WStVQAAAKAAAAAFAAAAAAAAAAAAAACAAQAAAAB4Lm5weVBLAQItAy0AAAAIAAAAIQB1QzaOTAAAAIgAAAAFAAAAAAAAAAAAAACAAYwAAAB5Lm5weVBLBQYAAAAAAgACAGYAAAAPAQAAAAA=';

test('reads .npz files written by numpy (savez: stored; savez_compressed: deflate, big-endian f8)', () => {
  const a = parseNpz(Buffer.from(NUMPY_SAVEZ, 'base64'));
  assert.deepEqual(Object.keys(a), ['a', 'b', 'c']);
  assert.deepEqual(a.a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.a.data), [0, 1, 2, 3, 4, 5]);
  assert.equal(a.b.dtype, 'bool');
  assert.deepEqual(Array.from(a.b.data), [1, 0, 1]);
  assert.deepEqual(Array.from(a.c.data), [-1, 2 ** 40]);
  const z = parseNpz(Buffer.from(NUMPY_SAVEZ_COMPRESSED, 'base64'));
  assert.equal(z.x.dtype, 'float64');
  assert.deepEqual(Array.from(z.x.data), [1.5, -2.25, 3, 4]);
  assert.equal(z.y.dtype, 'uint16');
  assert.deepEqual(Array.from(z.y.data), [0, 1, 2, 3]);
});

test('writeNpz → readNpz round trip, stored and compressed; single npy files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merkit-npz-'));
  try {
    const arrays = {
      feat: { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] },
      labels: { data: new Int32Array([0, 2, 1]), shape: [3] },
    };
    for (const compress of [false, true]) {
      const p = join(dir, compress ? 'c.npz' : 's.npz');
      await writeNpz(p, arrays, { compress });
      const back = await readNpz(p);
      assert.deepEqual(back.feat.shape, [3, 2]);
      assert.deepEqual(Array.from(back.feat.data), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(Array.from(back.labels.data), [0, 2, 1]);
      assert.equal(back.labels.dtype, 'int32');
    }
    // bool survives encodeNpz from a parsed array
    const again = parseNpz(encodeNpz(parseNpz(Buffer.from(NUMPY_SAVEZ, 'base64'))));
    assert.equal(again.b.dtype, 'bool');
    await writeNpy(join(dir, 'one.npy'), new Float64Array([7, 8]), [2]);
    assert.deepEqual(Array.from((await readNpy(join(dir, 'one.npy'))).data), [7, 8]);
    await assert.rejects(readNpz(join(dir, 'missing.npz')), (e: unknown) => e instanceof MerError && e.code === 'NOT_FOUND');
    await writeFile(join(dir, 'bad.npz'), 'not a zip at all');
    await assert.rejects(readNpz(join(dir, 'bad.npz')), (e: unknown) => e instanceof MerError && /not a zip/.test(e.message) && e.file === join(dir, 'bad.npz'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('zip: CRC-32 known answer, corruption detected', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const zip = writeZip([{ name: 'a.txt', data: new TextEncoder().encode('hello hello hello') }], { compress: true });
  assert.equal(new TextDecoder().decode(readZip(zip)[0].data), 'hello hello hello');
  const stored = writeZip([{ name: 'a.txt', data: new TextEncoder().encode('hello') }]);
  stored[30 + 5] ^= 0xff; // flip the first data byte
  assert.throws(() => readZip(stored, 'z.zip'), /CRC mismatch/);
  assert.throws(() => readZip(stored.subarray(0, 20), 'z.zip'), /truncated zip/);
});
