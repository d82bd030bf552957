/**
 * A stored zip archive whose every entry and whose end record use ZIP64
 * fields (what torch.save writes), built by hand, byte by byte from the
 * APPNOTE layout, for the reader's tests.
 */
import { crc32 } from '../../src/io/zip.ts';

const M32 = 0xffffffff;

/** A stored archive whose every entry and whose end record use ZIP64 fields. */
export function zip64(entries: [string, Uint8Array][]): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(45, 4);
    lh.writeUInt32LE(crc32(data), 14);
    lh.writeUInt32LE(M32, 18);
    lh.writeUInt32LE(M32, 22);
    lh.writeUInt16LE(n.length, 26);
    const extra = Buffer.alloc(4 + 24);
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(24, 2);
    extra.writeBigUInt64LE(BigInt(data.length), 4); // uncompressed
    extra.writeBigUInt64LE(BigInt(data.length), 12); // compressed
    extra.writeBigUInt64LE(BigInt(offset), 20); // local header offset
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(45, 4);
    ch.writeUInt16LE(45, 6);
    ch.writeUInt32LE(crc32(data), 16);
    ch.writeUInt32LE(M32, 20);
    ch.writeUInt32LE(M32, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt16LE(extra.length, 30);
    ch.writeUInt32LE(M32, 42);
    locals.push(lh, n, Buffer.from(data));
    central.push(ch, n, extra);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const eocd64 = Buffer.alloc(56);
  eocd64.writeUInt32LE(0x06064b50, 0);
  eocd64.writeBigUInt64LE(44n, 4);
  eocd64.writeBigUInt64LE(BigInt(entries.length), 24);
  eocd64.writeBigUInt64LE(BigInt(entries.length), 32);
  eocd64.writeBigUInt64LE(BigInt(cd.length), 40);
  eocd64.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(M32, 12);
  eocd.writeUInt32LE(M32, 16);
  return Buffer.concat([...locals, cd, eocd64, locator, eocd]);
}
