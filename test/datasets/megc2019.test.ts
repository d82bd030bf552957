import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { subjectKey } from '../../src/core/clip.ts';
import { applyLabels, getLabelScheme } from '../../src/datasets/labelSchemes.ts';
import { inspectDataset } from '../../src/datasets/inspect.ts';
import { MEGC2019_EXCLUDED, openMegc2019 } from '../../src/datasets/megc2019.ts';
import { readSheet } from '../../src/io/xlsx.ts';
import { frameBytes, link, removeRoot, tempRoot, writeFrames } from './fixtures.ts';
import { sharedData, skipUnlessShared } from '../helpers/shared.ts';

const need = skipUnlessShared('annotations/CASME2') || skipUnlessShared('annotations/SAMM') || skipUnlessShared('annotations/SMIC');

/**
 * The real coding sheets of the three parts, with a fake frame folder (one or
 * two tiny frames at the onset/offset numbers) for every sheet row: the
 * composite must come out as the published 442 clips / 68 subjects.
 */
test('megc2019 on the real sheets: 442 clips, 68 subjects, 250/109/83 with megc3', { skip: need }, async () => {
  const root = tempRoot('megc');
  try {
    const { jpg } = await frameBytes();
    const casmeSheet = sharedData('annotations/CASME2/CASME2-coding-20140508.xlsx')!;
    const sammSheet = sharedData('annotations/SAMM/SAMM.xlsx')!;
    const smicSheet = sharedData('annotations/SMIC/smic_apex.xlsx')!;
    link(casmeSheet, join(root, 'CASME2', 'CASME2-coding-20140508.xlsx'));
    link(sammSheet, join(root, 'SAMM', 'SAMM.xlsx'));
    link(smicSheet, join(root, 'SMIC', 'smic_apex.xlsx'));
    for (const r of (await readSheet(casmeSheet)).rows) {
      const sub = `sub${String(r.Subject).padStart(2, '0')}`;
      writeFrames(join(root, 'CASME2', 'CASME2_RAW_selected', sub, String(r.Filename)), [`img${r.OnsetFrame}.jpg`, `img${r.OffsetFrame}.jpg`], jpg);
    }
    for (const r of (await readSheet(sammSheet, { headerIncludes: ['Subject', 'Filename'] })).rows) {
      const sub = String(r.Subject).padStart(3, '0');
      writeFrames(join(root, 'SAMM', sub, String(r.Filename)), [`${sub}_${String(r['Onset Frame']).padStart(5, '0')}.jpg`], jpg);
    }
    for (const r of (await readSheet(smicSheet)).rows) {
      writeFrames(join(root, 'SMIC', 'HS', `s${r.subject}`, 'micro', String(r.clip)), [`image${r.onset_frame}.jpg`], jpg);
    }
    const ds = await openMegc2019(root);
    assert.deepEqual(ds.problems, []);
    assert.equal(ds.clips.length, 255 + 159 + 164 - MEGC2019_EXCLUDED.length);
    const l = applyLabels(ds, getLabelScheme('megc3'));
    assert.equal(l.clips.length, 442);
    assert.equal(new Set(l.clips.map(subjectKey)).size, 68);
    const rep = inspectDataset(ds, getLabelScheme('megc3'));
    assert.deepEqual(rep.perClass, { negative: 250, positive: 109, surprise: 83 });
    const parts: Record<string, number> = {};
    for (const c of l.clips) parts[c.dataset] = (parts[c.dataset] ?? 0) + 1;
    assert.deepEqual(parts, { casme2: 145, samm: 133, smic: 164 });
    assert.deepEqual(l.dropped, { others: 99, fear: 2, sadness: 7, other: 26 });
    const fps = Object.fromEntries(l.clips.map((c) => [c.dataset, c.fps]));
    assert.deepEqual(fps, { casme2: 200, samm: 200, smic: 100 });
  } finally {
    removeRoot(root);
  }
});

test('megc2019: a missing part is a problem; no part at all throws', async () => {
  const root = tempRoot('megc-empty');
  try {
    await assert.rejects(openMegc2019(root), /no readable part/);
    const { jpg } = await frameBytes();
    writeFrames(join(root, 'SMIC', 'HS', 's1', 'micro', 'positive', 's1_po_01'), ['image1.jpg'], jpg);
    const ds = await openMegc2019(root);
    assert.equal(ds.clips.length, 1);
    assert.deepEqual(ds.problems.map((p) => p.kind), ['missing-part', 'missing-part']);
  } finally {
    removeRoot(root);
  }
});
