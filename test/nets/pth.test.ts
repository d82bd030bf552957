/**
 * .pth import on hand-built checkpoints (no Python): a legacy-format file
 * (magic, protocol, sys info, pickled state dict, storage keys, raw
 * storages) and a zip-format one (archive/data.pkl + archive/data/<key>),
 * with shared storages, a non-contiguous (transposed) view, an offset view,
 * int64 and float64 storages, a {'state_dict': …} wrapper with 'module.'
 * prefixes; and the errors users see.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPth, requireTensor } from '../../src/nets/pth.ts';
import { writeZip } from '../../src/io/zip.ts';
import { zip64 } from '../helpers/zip64.ts';
import { MerError } from '../../src/core/errors.ts';
import { skipUnlessShared, SHARED_DATA } from '../helpers/shared.ts';

/** A tiny pickle writer (protocol 2 opcodes, as torch.save emits them). */
class Pickler {
  private bytes: number[] = [];
  private memo = 0;
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  proto(): this {
    return this.op(0x80, 2);
  }
  stop(): this {
    return this.op(0x2e);
  }
  mark(): this {
    return this.op(0x28);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(0x58, ...u32(b.length), ...b);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 255, n >> 8);
    return this.op(0x4a, ...u32(n >>> 0));
  }
  long1(v: bigint, n: number): this {
    const b: number[] = [];
    for (let k = 0; k < n; k++) b.push(Number((v >> BigInt(8 * k)) & 255n));
    return this.op(0x8a, n, ...b);
  }
  global(mod: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${mod}\n${name}\n`));
  }
  put(): number {
    this.op(0x71, this.memo);
    return this.memo++;
  }
  get(k: number): this {
    return this.op(0x68, k);
  }
  tuple(): this {
    return this.op(0x74);
  }
  intTuple(xs: number[]): this {
    this.mark();
    xs.forEach((x) => this.int(x));
    return this.tuple();
  }
  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function u32(n: number): number[] {
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
}

interface TensorSpec {
  name: string;
  storage: string;
  type: string;
  numel: number;
  offset: number;
  size: number[];
  stride: number[];
}

/** Pickle an OrderedDict of tensors the way torch.save does (optionally wrapped). */
function pickleStateDict(p: Pickler, tensors: TensorSpec[], wrap?: string): void {
  const storageMemo = new Map<string, number>();
  if (wrap) p.op(0x7d).str(wrap); // {'state_dict': …}
  p.global('collections', 'OrderedDict').op(0x29, 0x52).put(); // OrderedDict()
  p.mark();
  for (const t of tensors) {
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2').mark();
    if (storageMemo.has(t.storage)) p.get(storageMemo.get(t.storage)!);
    else {
      p.mark().str('storage').global('torch', t.type).str(t.storage).str('cpu').int(t.numel).tuple().op(0x51);
      storageMemo.set(t.storage, p.put());
    }
    p.int(t.offset).intTuple(t.size).intTuple(t.stride).op(0x89); // requires_grad False
    p.global('collections', 'OrderedDict').op(0x29, 0x52); // backward hooks
    p.tuple().op(0x52);
  }
  p.op(0x75); // SETITEMS
  if (wrap) p.op(0x73); // SETITEM
}

const W = [1, 2, 3, 4, 5, 6]; // a 2×3 weight
const SPECS: TensorSpec[] = [
  { name: 'fc.weight', storage: '0', type: 'FloatStorage', numel: 6, offset: 0, size: [2, 3], stride: [3, 1] },
  // the transpose of the same storage: non-contiguous
  { name: 'fc.weightT', storage: '0', type: 'FloatStorage', numel: 6, offset: 0, size: [3, 2], stride: [1, 3] },
  // a view with an offset: elements 4..5
  { name: 'tail', storage: '0', type: 'FloatStorage', numel: 6, offset: 4, size: [2], stride: [1] },
  { name: 'bn.num_batches_tracked', storage: '1', type: 'LongStorage', numel: 1, offset: 0, size: [], stride: [] },
  { name: 'd', storage: '2', type: 'DoubleStorage', numel: 2, offset: 0, size: [2], stride: [1] },
];

function storageBytes(key: string): Buffer {
  if (key === '0') return Buffer.from(Float32Array.from(W).buffer);
  if (key === '1') return Buffer.from(BigInt64Array.from([1600n]).buffer);
  return Buffer.from(Float64Array.from([0.1, -2.5]).buffer);
}

function legacyCheckpoint(specs: TensorSpec[], wrap?: string): Uint8Array {
  const parts: Uint8Array[] = [];
  parts.push(new Pickler().proto().long1(0x1950a86a20f9469cfc6cn, 10).stop().build());
  parts.push(new Pickler().proto().int(1001).stop().build());
  const sys = new Pickler().proto().op(0x7d).mark().str('protocol_version').int(1001).str('little_endian').op(0x88).op(0x75).stop();
  parts.push(sys.build());
  const main = new Pickler().proto();
  pickleStateDict(main, specs, wrap);
  parts.push(main.stop().build());
  const keys = [...new Set(specs.map((s) => s.storage))];
  const kp = new Pickler().proto().op(0x5d).mark();
  keys.forEach((k) => kp.str(k));
  parts.push(kp.op(0x65).stop().build());
  for (const k of keys) {
    const b = storageBytes(k);
    const numel = specs.find((s) => s.storage === k)!.numel;
    parts.push(Buffer.from(BigInt64Array.from([BigInt(numel)]).buffer), b);
  }
  return Buffer.concat(parts);
}

/** A zip archive with stored (uncompressed) entries, as torch.save writes them. */
function zip(entries: [string, Uint8Array][]): Uint8Array {
  return writeZip(entries.map(([name, data]) => ({ name, data })));
}

function zipCheckpoint(specs: TensorSpec[], wrap?: string, archive = zip): Uint8Array {
  const p = new Pickler().proto();
  pickleStateDict(p, specs, wrap);
  const keys = [...new Set(specs.map((s) => s.storage))];
  return archive([['archive/data.pkl', p.stop().build()], ...keys.map((k): [string, Uint8Array] => [`archive/data/${k}`, storageBytes(k)])]);
}

function checkTensors(m: Awaited<ReturnType<typeof readPth>>, prefix = ''): void {
  assert.deepEqual([...m.keys()], SPECS.map((s) => prefix + s.name));
  const get = (n: string) => m.get(prefix + n)!;
  assert.deepEqual(get('fc.weight').shape, [2, 3]);
  assert.deepEqual(Array.from(get('fc.weight').data), W);
  assert.equal(get('fc.weight').dtype, 'float32');
  assert.deepEqual(get('fc.weightT').shape, [3, 2]);
  assert.deepEqual(Array.from(get('fc.weightT').data), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(get('tail').data), [5, 6]);
  assert.deepEqual(get('bn.num_batches_tracked').shape, []);
  assert.equal(get('bn.num_batches_tracked').dtype, 'int64');
  assert.deepEqual(Array.from(get('bn.num_batches_tracked').data), [1600]);
  assert.equal(get('d').dtype, 'float64');
  assert.deepEqual(Array.from(get('d').data), [Math.fround(0.1), -2.5]);
}

test('legacy-format checkpoint: shared storage, transposed and offset views, int64, float64', async () => {
  checkTensors(await readPth(legacyCheckpoint(SPECS), 'x.pth'));
});

test('zip-format checkpoint: same tensors', async () => {
  checkTensors(await readPth(zipCheckpoint(SPECS), 'x.pth'));
});

test('zip-format checkpoint with ZIP64 records (as torch.save writes them): same tensors', async () => {
  checkTensors(await readPth(zipCheckpoint(SPECS, undefined, zip64), 'x.pth'));
});

test("wrapped {'state_dict': …} with 'module.' prefixes (DataParallel) is unwrapped and stripped", async () => {
  const wrapped = SPECS.map((s) => ({ ...s, name: `module.${s.name}` }));
  checkTensors(await readPth(zipCheckpoint(wrapped, 'state_dict'), 'x.pth'));
  checkTensors(await readPth(legacyCheckpoint(wrapped, 'state_dict'), 'x.pth'));
});

test('not a checkpoint → MerError naming the file', async () => {
  const bad = new Pickler().proto().int(7).stop().build();
  await assert.rejects(readPth(bad, 'bad.pth'), (e: unknown) => e instanceof MerError && e.file === 'bad.pth' && /magic/.test(e.message));
  await assert.rejects(readPth(legacyCheckpoint(SPECS).subarray(0, 300), 't.pth'), (e: unknown) => e instanceof MerError && e.code === 'BAD_INPUT');
});

test('requireTensor: missing and misshapen tensors name the tensor and the shapes', async () => {
  const m = await readPth(legacyCheckpoint(SPECS), 'x.pth');
  assert.equal(requireTensor(m, 'fc.weight', [2, 3]).data[5], 6);
  assert.throws(
    () => requireTensor(m, 'fc.weight', [3, 400], 'x.pth'),
    (e: unknown) => e instanceof MerError && /fc\.weight/.test(e.message) && /\[2, 3\]/.test(e.message) && e.expected === '[3, 400]' && e.file === 'x.pth',
  );
  assert.throws(() => requireTensor(m, 'conv1.weight', [3, 3, 3, 3]), (e: unknown) => e instanceof MerError && /conv1\.weight/.test(e.message));
});

test('published STSTNet weights (legacy format) read with the expected names and shapes', { skip: skipUnlessShared('ststnet-reference') }, async () => {
  const file = join(SHARED_DATA, 'ststnet-reference', 'weights', 's01.pth');
  const m = await readPth(readFileSync(file), file);
  assert.equal(m.size, 23);
  assert.deepEqual(m.get('conv3.weight')!.shape, [8, 3, 3, 3]);
  assert.deepEqual(m.get('fc.weight')!.shape, [3, 400]);
  assert.deepEqual(Array.from(m.get('bn1.num_batches_tracked')!.data), [1600]);
});
