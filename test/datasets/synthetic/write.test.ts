import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { openSynthetic } from '../../../src/datasets/syntheticAdapter.ts';
import { readFlo } from '../../../src/io/flo.ts';
import { planSynthetic, renderPlannedClip, writeSyntheticDataset, SYNTHETIC_SHEET_COLUMNS } from '../../../src/datasets/synthetic/generate.ts';

const OPTS = { seed: 3, subjects: 2, clipsPerClass: 1, size: 64, frames: [16, 18] as [number, number] };

test('writeSyntheticDataset: CASME II layout, coding sheet, .flo ground truth, manifest (2 subjects × 5 classes × 1 clip)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merkit-synth-'));
  try {
    const m = await writeSyntheticDataset(dir, OPTS);
    assert.equal(m.clips.length, 10);
    assert.deepEqual(readdirSync(dir).sort(), ['gt', 'manifest.json', 'sub01', 'sub02', 'synthetic-coding.xlsx']);
    for (const c of m.clips) {
      const folder = join(dir, c.subject, c.clip);
      const files = readdirSync(folder).sort((a, b) => Number(a.slice(3, -4)) - Number(b.slice(3, -4)));
      assert.deepEqual(
        files,
        Array.from({ length: c.frames }, (_, i) => `img${i + 1}.jpg`),
      );
      assert.match(c.clip, /^EP0[1-5]_01$/);
      // GT flow: Middlebury header 'PIEH', width, height, then 2×W×H floats
      const flo = readFileSync(join(dir, c.gtFlow));
      assert.equal(flo.readFloatLE(0), 202021.25);
      assert.equal(flo.readInt32LE(4), 64);
      assert.equal(flo.readInt32LE(8), 64);
      assert.equal(flo.length, 12 + 8 * 64 * 64);
    }
    // the .flo holds exactly the ground truth of the rendered clip
    const plan = await planSynthetic(OPTS);
    const gt = await readFlo(join(dir, m.clips[4].gtFlow));
    const want = renderPlannedClip(plan.clips[4], plan.manifest.options).gt;
    assert.deepEqual(gt.u, want.u);
    assert.deepEqual(gt.v, want.v);
    const meta = await sharp(join(dir, 'sub01', 'EP01_01', 'img1.jpg')).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, 64);
    assert.equal(meta.height, 64);
    assert.equal(meta.channels, 3);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, 'synthetic-coding.xlsx'));
    const ws = wb.worksheets[0];
    assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), [...SYNTHETIC_SHEET_COLUMNS]);
    assert.equal(ws.rowCount, 11);
    const rows = [];
    for (let r = 2; r <= 11; r++) rows.push((ws.getRow(r).values as unknown[]).slice(1));
    assert.deepEqual(
      rows,
      m.clips.map((c) => [c.subjectNumber, c.clip, c.onset, c.apex, c.offset, c.actionUnits, c.emotion]),
    );
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), JSON.parse(JSON.stringify(m)));
    // the synthetic adapter (CASME II reader) reads it back without problems
    const ds = await openSynthetic(dir);
    assert.deepEqual(ds.problems, []);
    assert.equal(ds.clips.length, 10);
    const c0 = ds.clips.find((c) => c.subject === 'sub01' && c.clip === 'EP01_01')!;
    assert.equal(c0.emotion, 'happiness');
    assert.equal(c0.apex, m.clips[0].apex);
    // no temporary leftovers
    assert.ok(!readdirSync(join(dir, 'sub01')).some((f) => f.includes('.tmp')));
    assert.ok(existsSync(join(dir, 'gt', 'sub02_EP05_01.flo')));

    // regenerating a smaller set in the same folder leaves nothing of the old one behind
    const m2 = await writeSyntheticDataset(dir, { seed: 3, subjects: 1, clipsPerClass: 1, size: 64, frames: [16, 18], classes: ['happiness'] });
    assert.equal(m2.clips.length, 1);
    assert.deepEqual(readdirSync(dir).sort(), ['gt', 'manifest.json', 'sub01', 'synthetic-coding.xlsx']);
    assert.deepEqual(readdirSync(join(dir, 'sub01')), ['EP01_01']);
    assert.deepEqual(readdirSync(join(dir, 'gt')), ['sub01_EP01_01.flo']);
    // same seed, same subject and clip name: the very same frames as the first time
    assert.equal(m2.clips[0].apex, m.clips[0].apex);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
