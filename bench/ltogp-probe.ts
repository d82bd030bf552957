/**
 * `npm run bench:ltogp-probe -- <synthetic dataset folder> [grid]` — does the
 * LTOGP frame descriptor (src/features/ltogp.ts) keep a clip's motion? Under
 * LOSO with a linear SVM (C = 1, raw and standardised; everything fitted on
 * the training subjects only), per clip:
 *   - apex − onset LTOGP at the annotated apex (a best case: it uses the apex),
 *   - the rank-pooled LTOGP (the recipe's clip feature at its settings, Eq. 3, no ℓ2,1),
 *   - apex − onset of the raw pixels (does the set carry the motion at all?).
 * Make the set with `merkit synth` (e.g. `--amplitude 3,6 --seed 2 --subjects
 * 12 --clips-per-class 2`); `grid` is the LTOGP block grid side (default 8,
 * the paper's 8×8). Prints UF1 per feature, and how many LTOGP codes change
 * between the first two frames of each clip (the onset and the next frame:
 * the expression has barely begun, so mostly sensor noise, JPEG coding,
 * flicker and head drift) against onset → apex.
 */
import { openDataset } from '../src/datasets/index.ts';
import { applyLabels, getLabelScheme } from '../src/datasets/labelSchemes.ts';
import { loadClipVolume } from '../src/io/clip.ts';
import { ltogpCodes, ltogpVolume } from '../src/features/ltogp.ts';
import { rankPool } from '../src/features/rankPool.ts';
import { LTOGP_RANKPOOL_DEFAULTS as PAPER } from '../src/recipes/ltogpRankpool.ts';
import { losoFolds } from '../src/eval/protocols.ts';
import { computeMetrics } from '../src/eval/metrics.ts';
import { svm } from '../src/learn/svm.ts';
import { pipeline } from '../src/learn/pipeline.ts';
import { standardize } from '../src/learn/standardize.ts';
import { Rng } from '../src/core/rng.ts';

const [dir, gridArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: bench:ltogp-probe -- <synthetic dataset folder> [grid side, default 8]');
  process.exit(2);
}
const G = Number(gridArg ?? 8);
/** the recipe's frame side (the paper's 128×128) */
const FRAME = PAPER.frameSize;
const ds = applyLabels(await openDataset(`synthetic:${dir}`), getLabelScheme('casme2-5'));
const feats: Record<string, Float32Array[]> = { 'LTOGP apex − onset': [], 'LTOGP rank-pooled (Eq. 3)': [], 'pixels apex − onset': [] };
let stillFlips = 0;
let apexFlips = 0;
let codeCount = 0;
for (const c of ds.clips) {
  const vol = await loadClipVolume(c, { size: { width: FRAME, height: FRAME } });
  const codesAt = (k: number) => ltogpCodes({ width: FRAME, height: FRAME, data: vol.data.subarray(k * FRAME * FRAME, (k + 1) * FRAME * FRAME) }).codes;
  const f = ltogpVolume(vol, { grid: [G, G] });
  // frames run onset … offset, so the apex is frame apex − onset
  const a = Math.min(f.length - 1, Math.max(0, (c.apex ?? 0) - (c.onset ?? 0)));
  const px = vol.data.subarray(a * FRAME * FRAME, (a + 1) * FRAME * FRAME);
  const p0 = vol.data.subarray(0, FRAME * FRAME);
  if (vol.frames > 1) {
    const [c0, c1, ca] = [codesAt(0), codesAt(1), codesAt(a)];
    for (let i = 0; i < c0.length; i++) {
      if (c0[i] !== c1[i]) stillFlips++;
      if (c0[i] !== ca[i]) apexFlips++;
    }
    codeCount += c0.length;
  }
  feats['LTOGP apex − onset'].push(f[a].map((v, i) => v - f[0][i]));
  feats['LTOGP rank-pooled (Eq. 3)'].push(rankPool(f, { C: PAPER.rankC, method: PAPER.rankMethod, smooth: PAPER.rankSmooth }));
  feats['pixels apex − onset'].push(Float32Array.from(px, (v, i) => v - p0[i]));
}
const folds = losoFolds(ds.clips);
const pct = (n: number) => ((100 * n) / Math.max(1, codeCount)).toFixed(1);
console.log(`LTOGP codes that differ: onset → next frame ${pct(stillFlips)} %, onset → apex ${pct(apexFlips)} % (all pixels of all clips)`);
console.log(`${ds.clips.length} clips, ${folds.length} LOSO folds, LTOGP ${G}×${G} blocks, linear SVM C = 1; chance UF1 ≈ ${(1 / ds.classes.length).toFixed(2)}`);
console.log('| feature | UF1 raw | UF1 standardised |\n|---|---|---|');
for (const [name, X] of Object.entries(feats)) {
  const uf1: string[] = [];
  for (const std of [false, true]) {
    const y: number[] = [];
    const pred: number[] = [];
    for (const fold of folds) {
      const learner = std ? pipeline('standardize+svm', [standardize()], svm({ kernel: 'linear', C: 1 })) : svm({ kernel: 'linear', C: 1 });
      const model = await learner.fit({
        X: fold.train.map((i) => X[i]),
        y: fold.train.map((i) => ds.clips[i].y),
        ids: fold.train.map((i) => `${ds.clips[i].subject}/${ds.clips[i].clip}`),
        subjects: fold.train.map((i) => ds.clips[i].subject),
        classes: ds.classes,
        rng: new Rng(1),
      });
      const p = model.predict(fold.test.map((i) => X[i]));
      fold.test.forEach((i, k) => {
        y.push(ds.clips[i].y);
        pred.push(p[k].pred);
      });
    }
    uf1.push(computeMetrics(y, pred, ds.classes).uf1.toFixed(4));
  }
  console.log(`| ${name} | ${uf1[0]} | ${uf1[1]} |`);
}
