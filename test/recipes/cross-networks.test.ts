/**
 * CDMER for every network recipe: train on a flow-image folder (the dev
 * set's layout) and test on another database — here merkit's synthetic
 * CASME II-layout frames — with `--protocol cross`; each run gives test
 * predictions for every clip of the test database and writes a report.
 * Tiny settings (one epoch, narrow ResNet): this checks the path, not the
 * accuracy; bench:cde-dev measures that.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Rng } from '../../src/core/rng.ts';
import { evaluate } from '../../src/run/evaluate.ts';
import { writeReport } from '../../src/eval/report.ts';
import { writeImage } from '../../src/io/image.ts';
import { writeSyntheticDataset } from '../../src/datasets/synthetic/generate.ts';

const dir = mkdtempSync(join(tmpdir(), 'merkit-cross-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** a flowdir of 4 subjects × 3 clips: class k has a bright band in channel k, plus an apex face image */
async function flowdir(): Promise<string> {
  const root = join(dir, 'flows');
  mkdirSync(join(root, 'flow'), { recursive: true });
  const rng = new Rng(4);
  const labels = ['negative', 'positive', 'surprise'];
  const lines = ['dataset,subject,clip,label,flow,apex'];
  for (let s = 0; s < 4; s++) {
    for (let k = 0; k < 3; k++) {
      const px = Buffer.alloc(28 * 28 * 4);
      for (let i = 0; i < 28 * 28; i++) {
        for (let c = 0; c < 3; c++) px[4 * i + c] = Math.round(rng.uniform(0, 80) + (c === k && i % 28 > 10 ? 150 : 0));
        px[4 * i + 3] = 255;
      }
      const f = `flow/s${s}_c${k}.png`;
      writeFileSync(join(root, f), PNG.sync.write(Object.assign(new PNG({ width: 28, height: 28 }), { data: px })));
      const a = `apex/s${s}_c${k}.png`;
      await writeImage(join(root, a), { width: 48, height: 48, channels: 1, data: Float32Array.from({ length: 48 * 48 }, () => rng.uniform(0, 1)) });
      lines.push(`casme2,s${s},c${k},${labels[k]},${f},${a}`);
    }
  }
  writeFileSync(join(root, 'labels.csv'), lines.join('\n') + '\n');
  return root;
}

const flows = await flowdir();
const synth = join(dir, 'synth');
await writeSyntheticDataset(synth, { seed: 5, subjects: 2, clipsPerClass: 1, size: 64, frames: [16, 18] });

/** the cheapest settings of each network recipe (the path is what is tested) */
const NETWORKS: Record<string, Record<string, unknown>> = {
  ststnet: { epochs: 1 },
  'off-apexnet': { epochs: 1 },
  'dual-inception': { epochs: 1 },
  fr: { epochs: 1 },
  // frames and flow images must give rows of one size: the frames' flow image at the flow images' 28 px
  emr: { epochs: 1, width: 4, frameFlowSize: 28, pretrainMacroEpochs: 0, macroDir: null },
  tlcnn: { apexOnly: true, pretrainEpochs: 0, finetuneEpochs: 1, macroDir: null },
};

for (const [recipe, recipeParams] of Object.entries(NETWORKS)) {
  test(`${recipe}: train on a flow-image folder, test on another database (--protocol cross), report written`, async () => {
    const r = await evaluate({ dataset: `flowdir:${flows}`, testDataset: `synthetic:${synth}`, labels: 'megc3', recipe, recipeParams, protocol: 'cross', workers: 1, cache: false });
    // the synthetic database under megc3: happiness, surprise, disgust, repression per subject (others dropped)
    assert.equal(r.folds.length, 1);
    assert.equal(r.folds[0].nTrain, 12);
    assert.equal(r.predictions.length, 8);
    assert.ok(r.predictions.every((p) => p.dataset === 'synthetic' || p.dataset === 'casme2'));
    assert.equal(r.dropped?.others, 2);
    const files = await writeReport(join(dir, `out-${recipe}`), r);
    assert.ok(existsSync(files.html) && existsSync(files.md));
  });
}
