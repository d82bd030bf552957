/**
 * The bad-input catalogue (docs/bad-input.md), one test per row: each bad
 * input gives a clear message naming the file/row, and — where the rest of
 * the data is usable — the run goes on with the good clips.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { evaluate } from '../../src/run/evaluate.ts';
import type { Results } from '../../src/run/results.ts';
import { registerRecipe, recipeNames } from '../../src/recipes/index.ts';
import { pipeline } from '../../src/learn/pipeline.ts';
import { standardize } from '../../src/learn/standardize.ts';
import { svm } from '../../src/learn/svm.ts';
import { loadClipVolume } from '../../src/io/clip.ts';
import { writeSheet } from '../../src/io/xlsx.ts';
import { encodeVideo } from '../../src/io/video.ts';
import { MerError, type Problem } from '../../src/core/errors.ts';
import type { ClipRef } from '../../src/core/clip.ts';
import { ststnetPthToWeights } from '../../src/nets/ststnet.ts';
import type { TensorMap } from '../../src/nets/pth.ts';

const FRAME_RECIPE = 'test-frame-mean';
/** label-free per-clip features from the decoded frames: mean of the first and last frame in 2×2 blocks */
if (!recipeNames().includes(FRAME_RECIPE)) {
  registerRecipe(FRAME_RECIPE, () => ({
    name: FRAME_RECIPE,
    title: 'frame means (test only)',
    accepts: ['frames', 'video'],
    defaultProtocol: 'kfold:2',
    params: {},
    async extract(clip: ClipRef) {
      const v = await loadClipVolume(clip, { size: { width: 2, height: 2 } });
      const n = v.width * v.height;
      return Float32Array.from([...v.data.subarray(0, n), ...v.data.subarray((v.frames - 1) * n, v.frames * n)]);
    },
    learner: () => pipeline('std+svm', [standardize()], svm({ kernel: 'linear', C: 1 })),
  }));
}

const HEADER = ['Subject', 'Filename', 'OnsetFrame', 'ApexFrame', 'OffsetFrame', 'Action Units', 'Estimated Emotion'];
let root = '';
let frames: Results;

async function gray(seed: number, fmt: 'jpg' | 'png'): Promise<Buffer> {
  const px = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7 + seed * 31) % 256));
  const s = sharp(px, { raw: { width: 8, height: 8, channels: 1 } });
  return fmt === 'jpg' ? s.jpeg().toBuffer() : s.png().toBuffer();
}

async function clipDir(rel: string, fmt: 'jpg' | 'png', seed: number, count = 3): Promise<string> {
  const dir = join(root, 'CASME2-RAW', rel);
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= count; i++) writeFileSync(join(dir, `img${i}.${fmt}`), await gray(seed + i, fmt));
  return dir;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'merkit-badinput-'));
  const rows: (string | number)[][] = [];
  const emotions = ['happiness', 'surprise'];
  for (let s = 1; s <= 3; s++) {
    for (let k = 1; k <= 2; k++) {
      await clipDir(`sub0${s}/EP0${k}`, 'jpg', 10 * s + k);
      rows.push([s, `EP0${k}`, 1, 2, 3, '12', emotions[k - 1]]);
    }
  }
  const bad = await clipDir('sub04/BADJPG', 'jpg', 1);
  writeFileSync(join(bad, 'img2.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(40, 7)]));
  const trunc = await clipDir('sub04/TRUNCPNG', 'png', 2);
  truncateSync(join(trunc, 'img3.png'), Math.floor(statSync(join(trunc, 'img3.png')).size / 2));
  mkdirSync(join(root, 'CASME2-RAW', 'sub04', 'EMPTY'), { recursive: true });
  await clipDir('sub04/NOROW', 'jpg', 3);
  await clipDir('sub04/FEAR', 'jpg', 4);
  rows.push(
    [4, 'BADJPG', 1, 2, 3, '12', 'happiness'],
    [4, 'TRUNCPNG', 1, 2, 3, '12', 'surprise'],
    [4, 'EMPTY', 1, 2, 3, '12', 'happiness'],
    [5, 'NOFOLDER', 1, 2, 3, '12', 'happiness'],
    [4, 'FEAR', 1, 2, 3, '12', 'fear'],
    [1, 'EP01', 1, 2, 3, '12', 'surprise'], // duplicate of sheet row 2
  );
  await writeSheet(join(root, 'CASME2-coding-20140508.xlsx'), HEADER, rows);
  frames = await evaluate({ dataset: `casme2:${root}`, labels: 'casme2-5', recipe: FRAME_RECIPE, protocol: 'kfold:2', workers: 1, cache: false });
});

after(() => rmSync(root, { recursive: true, force: true }));

function problem(kind: string | RegExp, pred: (p: Problem) => boolean): Problem {
  const p = frames.skipped.find((q) => (typeof kind === 'string' ? q.kind === kind : kind.test(q.kind)) && pred(q));
  assert.ok(p, `no ${kind} problem in ${JSON.stringify(frames.skipped, null, 1)}`);
  return p;
}

test("the run goes on with the good clips", () => {
  const tested = frames.predictions.map((p) => `${p.subject}/${p.clip}`).sort();
  assert.deepEqual(tested, ['sub01/EP01', 'sub01/EP02', 'sub02/EP01', 'sub02/EP02', 'sub03/EP01', 'sub03/EP02']);
});

test('corrupt jpg: skipped, the message names the frame file', () => {
  const p = problem('bad-input', (q) => q.clip === 'casme2/sub04/BADJPG');
  assert.match(p.file ?? '', /BADJPG\/img2\.jpg$/);
  assert.match(p.message, /jpe?g|image/i);
});

test('truncated png: skipped, the message names the frame file', () => {
  const p = problem('bad-input', (q) => q.clip === 'casme2/sub04/TRUNCPNG');
  assert.match(p.file ?? '', /TRUNCPNG\/img3\.png$/);
});

test('empty clip folder: skipped with the sheet row', () => {
  const p = problem('empty-folder', (q) => q.clip === 'casme2/sub04/EMPTY');
  assert.match(p.file ?? '', /CASME2-coding-20140508\.xlsx$/);
  assert.equal(p.row, 4 + 6);
});

test('sheet row with no folder: skipped with the sheet row', () => {
  const p = problem('missing-folder', (q) => q.clip === 'casme2/sub05/NOFOLDER');
  assert.equal(p.row, 5 + 6);
  assert.match(p.message, /NOFOLDER/);
});

test('folder with no sheet row: reported with the folder', () => {
  const p = problem('no-sheet-row', (q) => /NOROW/.test(q.file ?? ''));
  assert.match(p.message, /sub04\/NOROW/);
});

test('label outside the scheme: counted in dropped, not trained on', () => {
  assert.equal(frames.dropped?.fear, 1);
  assert.ok(!frames.predictions.some((p) => p.clip === 'FEAR'));
});

test('duplicate clip id: the second row is skipped, naming the first', () => {
  const p = problem('duplicate-clip', (q) => q.clip === 'casme2/sub01/EP01');
  assert.equal(p.row, 13);
  assert.match(p.message, /row 2/);
});

test('coding sheet with a missing column: one clear error naming the sheet and header row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-badsheet-'));
  try {
    mkdirSync(join(dir, 'sub01', 'EP01'), { recursive: true });
    await writeSheet(join(dir, 'CASME2-coding-1.xlsx'), ['Subject', 'Filename', 'OnsetFrame'], [[1, 'EP01', 1]]);
    await assert.rejects(evaluate({ dataset: `casme2:${dir}`, recipe: FRAME_RECIPE, workers: 1, cache: false }), (e: unknown) => {
      assert.ok(e instanceof MerError);
      assert.match(e.file ?? '', /CASME2-coding-1\.xlsx$/);
      assert.equal(e.row, 1);
      assert.match(e.message, /lacks column\(s\) Estimated Emotion/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('NaN, text, unknown label and duplicate rows in a feature table: each skipped naming its line; the rest is evaluated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-badtable-'));
  try {
    const lines = ['subject,clip,emotion,f0,f1'];
    for (let s = 1; s <= 3; s++) for (let k = 1; k <= 4; k++) lines.push(`s${s},c${k},${k % 2 ? 'happiness' : 'surprise'},${k % 2 ? 1 + s / 10 : -1 - s / 10},${k / 10}`);
    lines.push('s4,nan,happiness,NaN,1', 's4,text,surprise,abc,1', 's4,alien,joy,1,1', 's1,c1,happiness,1,1');
    const file = join(dir, 'features.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await evaluate({ dataset: `features:${file}`, recipe: 'svm-linear', workers: 1, cache: false });
    assert.equal(r.predictions.length, 12);
    const byClip = (c: string) => r.skipped.find((p) => p.clip === c);
    assert.deepEqual([byClip('features/s4/nan')?.row, byClip('features/s4/nan')?.kind], [14, 'bad-feature']);
    assert.match(byClip('features/s4/nan')?.message ?? '', /"f0" holds "NaN"/);
    assert.match(byClip('features/s4/text')?.message ?? '', /"f0" holds "abc"/);
    assert.deepEqual([byClip('features/s4/alien')?.row, byClip('features/s4/alien')?.kind], [16, 'unknown-label']);
    const dup = r.skipped.find((p) => p.kind === 'duplicate-clip');
    assert.deepEqual([dup?.row, dup?.clip], [17, 'features/s1/c1']);
    for (const p of r.skipped) assert.equal(p.file, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flow image of the wrong size: skipped naming the file and the expected 28×28; the rest is evaluated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-badflow-'));
  try {
    const lines = ['dataset,subject,clip,label,flow'];
    const img = (side: number, seed: number) =>
      sharp(Buffer.from(Array.from({ length: side * side * 3 }, (_, i) => (i * 13 + seed * 57) % 256)), { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
    for (let s = 1; s <= 3; s++) {
      for (let k = 1; k <= 2; k++) {
        writeFileSync(join(dir, `s${s}_${k}.png`), await img(28, s * 3 + k));
        lines.push(`casme2,s${s},c${k},${k === 1 ? 'positive' : 'negative'},s${s}_${k}.png`);
      }
    }
    writeFileSync(join(dir, 'big.png'), await img(32, 1));
    lines.push('casme2,s1,big,positive,big.png');
    writeFileSync(join(dir, 'labels.csv'), lines.join('\n') + '\n');
    const r = await evaluate({ dataset: `flowdir:${dir}`, recipe: 'flow-svm', workers: 1, cache: false });
    assert.equal(r.predictions.length, 6);
    const p = r.skipped.find((q) => q.clip === 'casme2/s1/big');
    assert.ok(p, JSON.stringify(r.skipped));
    assert.equal(p.file, join(dir, 'big.png'));
    assert.match(p.message, /32×32.*expected 28×28/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated mp4: loading the clip fails with a MerError naming the video', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-badvideo-'));
  try {
    const file = join(dir, 'clip.mp4');
    const frame = (t: number) => ({ width: 32, height: 32, channels: 1 as const, data: new Float32Array(32 * 32).map((_, i) => ((i + 3 * t) % 32) / 32) });
    await encodeVideo(file, Array.from({ length: 10 }, (_, t) => frame(t)), { fps: 25 });
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const clip: ClipRef = { dataset: 'v', subject: 's1', clip: 'c1', emotion: 'happiness', source: { kind: 'video', file } };
    await assert.rejects(loadClipVolume(clip), (e: unknown) => {
      assert.ok(e instanceof MerError, String(e));
      assert.equal(e.file, file);
      assert.equal(e.code, 'BAD_INPUT');
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('.pth with a missing or misshapen tensor: a MerError naming the file and the tensor', () => {
  const t = (shape: number[]): { shape: number[]; dtype: string; data: Float32Array } => ({ shape, dtype: 'float32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const good: TensorMap = new Map();
  const filters = [3, 5, 8];
  filters.forEach((f, k) => {
    good.set(`conv${k + 1}.weight`, t([f, 3, 3, 3]));
    good.set(`conv${k + 1}.bias`, t([f]));
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) good.set(`bn${k + 1}.${p}`, t([f]));
  });
  good.set('fc.weight', t([3, 400]));
  good.set('fc.bias', t([3]));
  assert.ok(ststnetPthToWeights(good, 'ok.pth').size > 0);
  const missing = new Map(good);
  missing.delete('conv2.weight');
  assert.throws(() => ststnetPthToWeights(missing, 'bad.pth'), (e: unknown) => e instanceof MerError && e.file === 'bad.pth' && /conv2\.weight/.test(e.message));
  const misshapen = new Map(good);
  misshapen.set('fc.weight', t([3, 399]));
  assert.throws(() => ststnetPthToWeights(misshapen, 'bad.pth'), (e: unknown) => e instanceof MerError && e.file === 'bad.pth' && /fc\.weight/.test(e.message) && /399/.test(e.message + (e.expected ?? '')));
});
