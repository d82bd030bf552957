/**
 * mmfl — He, Hu, Qin & Zhao, "Multi-task mid-level feature learning for
 * micro-expression recognition", Pattern Recognition 66 (2017) 44–52
 * (/work/shared/papers/mmfl-multitask-midlevel-feature-learning.txt).
 *
 * From frames (Sec. 4.1.1–4.1.2), the default on frame datasets: every clip
 * resized (bicubic) to 150×120 (height × width) and TIM-interpolated to 30
 * frames (CASME II) / 20 (SMIC); block grid 5×4 (CASME II) / 5×1 (SMIC);
 * P = 8, uniform mapping (59 bins per plane, 177 per block), bilinear; the
 * low-level feature (`feature`) is one of the paper's three:
 *  - 'lbp-top' (default): LBP-TOP, radii (3, 3, 3) CASME II / (4, 4, 2) SMIC;
 *  - 'lbp-mop': LBP on the three mean orthogonal planes (Wang et al. 2015,
 *    features/lbpMop.ts), radii (1, 1, 3) CASME II / (2, 2, 2) SMIC;
 *  - 'lbp-mop*': "an extension of LBP-MOP based on [13]" (footnote 2), [13]
 *    being Liong et al.'s optical-strain-weighted features: each block's XY
 *    (spatial) plane histogram multiplied by the block's strain weight. As
 *    Liong et al. pool strain "spatio-temporally to obtain block-wise weights
 *    for the spatial image plane", the weight is the block's mean optical
 *    strain divided by the largest block mean of the clip; merkit's strain is
 *    that of the onset→apex TV-L1 flow (blockStrain, the same map as the
 *    weighting schemes), not a sum over every frame pair.
 * Then the MMFL learner (learn/mmfl.ts) with σ = 100, k_inter = 15,
 * k_intra = 5, α = 0.001, h = 0.6·d, nummost 9 (CASME II) / 2 (SMIC), and
 * class-wise RBF SVMs.
 *
 * From a block-wise feature table (`features` clips, e.g.
 * casme2-lbptop-5x5/features.csv): the row is the low-level feature; the block
 * count is read from the column names b{block}_… (every feature column must
 * follow it, all blocks the same length).
 *
 * Weighting (Sec. 3.3): 'none' (w_no, default), 'active', 'balance' need the
 * per-block mean optical strain of every clip. From frames it is computed in
 * `extract` (label-free): TV-L1 from the onset to the apex frame (annotated,
 * else spotted) of the resized clip, optical strain (motion/strain.ts), mean
 * per block of the same grid; the t values are appended after the block
 * features and the learner splits them off again. A feature table carries no
 * strain: 'active' / 'balance' / 'lbp-mop*' on a table fail with a message
 * (no silent fallback).
 *
 * The paper's comparison (Tables 1–4): `variant` 'original' (the low-level
 * features through the same class-wise RBF SVMs), 'nr' (α = 0), 'mmfl'
 * (default), and 'lda'. Also: init 'eigen' (default: W_i start at the α = 0
 * optimum) or 'random' (Alg. 1's randn, seeded from the fold's Rng); the SVMs'
 * γ ('scale', or 'libsvm' = 1/D, LIBSVM's default) and score ('probability',
 * the paper's reading; 'decision'; 'prior-corrected').
 */
import type { ClipRef } from '../core/clip.ts';
import { clipKey } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import type { Volume } from '../core/image.ts';
import type { FittedModel, Learner, Prediction, TrainingSet } from '../learn/types.ts';
import type { Recipe } from './types.ts';
import { declareParams } from './paramSpec.ts';
import { mmfl, MMFL_EPSILON, MMFL_STIEFEL_ITER, MMFL_TMAX, type MmflOptions, type MmflScore, type MmflVariant } from '../learn/mmfl.ts';
import { loadClipVolume, annotatedIndices } from '../io/clip.ts';
import { tim } from '../temporal/tim.ts';
import { resizeVolume } from '../core/resize.ts';
import { clipFlowImage } from '../stages/clipFlow.ts';
import { lbpTop } from '../features/lbpTop.ts';
import { lbpMop } from '../features/lbpMop.ts';
import { blocks } from '../features/blocks.ts';
import { lbpMapping, type LbpMappingKind } from '../features/mappings.ts';

export type MmflDatabase = 'casme2' | 'smic';

export type MmflFeature = 'lbp-top' | 'lbp-mop' | 'lbp-mop*';

/** the paper's per-database settings (Sec. 4.1.1–4.1.2): radii of LBP-TOP and of LBP-MOP (LBP-MOP*) */
export const MMFL_PRESETS: Record<MmflDatabase, { timFrames: number; grid: [number, number]; radii: [number, number, number]; mopRadii: [number, number, number]; nummost: number }> = {
  casme2: { timFrames: 30, grid: [5, 4], radii: [3, 3, 3], mopRadii: [1, 1, 3], nummost: 9 },
  smic: { timFrames: 20, grid: [5, 1], radii: [4, 4, 2], mopRadii: [2, 2, 2], nummost: 2 },
};

export interface MmflRecipeParams {
  /** which database's settings (default 'casme2'); the fields below override single values */
  database: MmflDatabase;
  timFrames: number;
  grid: [number, number];
  /** LBP-TOP radii (Rx, Ry, Rt) */
  radii: [number, number, number];
  /** LBP-MOP / LBP-MOP* radii */
  mopRadii: [number, number, number];
  nummost: number;
  /** the low-level feature from frames: 'lbp-top' (default), 'lbp-mop', 'lbp-mop*' */
  feature: MmflFeature;
  /** [height, width] of the normalised clip (paper: 150×120) */
  frameSize: [number, number];
  /** P per plane (8) */
  points: [number, number, number];
  /** LBP mapping (uniform, 59 bins for P = 8) */
  mapping: LbpMappingKind;
  sigma: number;
  kInter: number;
  kIntra: number;
  alpha: number;
  hRatio: number;
  /** Algorithm 1's T_max and relative ε (the paper gives neither; learn/mmfl.ts) */
  tMax: number;
  epsilon: number;
  /** Wen–Yin curvilinear-search iterations per W_i update (learn/mmfl.ts) */
  stiefelIter: number;
  /** the closed-form rotation step of every W_i update (learn/mmfl.ts) */
  rotate: boolean;
  /** 'original' (no mapping) | 'nr' (α = 0) | 'mmfl' | 'lda': the paper's comparison */
  variant: MmflVariant;
  init: 'eigen' | 'random';
  weighting: 'none' | 'active' | 'balance';
  /** RBF SVM cost of the class-wise machines (default 1; the paper gives none) */
  svmC: number;
  /** class weights of the class-wise (one-vs-rest) machines: 'none' (default) or 'balanced' (from the training fold) */
  svmClassWeight: 'none' | 'balanced';
  /** RBF γ: 'scale' = 1/(D·var) (default), 'libsvm' = 1/D (LIBSVM's default), or a number */
  svmGamma: number | 'scale' | 'libsvm';
  /** 'probability' (the paper: largest Platt probability), 'decision' (largest decision value) or 'prior-corrected' (learn/mmfl.ts) */
  svmScore: MmflScore;
  /** candidate α values chosen by inner CV on the training subjects (replaces alpha; [] = no search, the default) */
  tuneAlpha: number[];
  /** candidate SVM C values chosen by inner CV on the training subjects (replaces svmC; [] = no search, the default) */
  tuneC: number[];
  /** inner folds of that search (subject-grouped, default 5) */
  tuneFolds: number;
}

export function mmflRecipeParams(overrides: Partial<MmflRecipeParams> = {}): MmflRecipeParams {
  const database = overrides.database ?? 'casme2';
  const preset = MMFL_PRESETS[database];
  if (!preset) throw new MerError('BAD_OPTION', `mmfl database '${String(database)}'`, { expected: "'casme2' or 'smic'" });
  return {
    database,
    ...preset,
    frameSize: [150, 120],
    points: [8, 8, 8],
    mapping: 'u2',
    sigma: 100,
    kInter: 15,
    kIntra: 5,
    alpha: 0.001,
    hRatio: 0.6,
    tMax: MMFL_TMAX,
    epsilon: MMFL_EPSILON,
    stiefelIter: MMFL_STIEFEL_ITER,
    rotate: true,
    variant: 'mmfl',
    init: 'eigen',
    feature: 'lbp-top',
    weighting: 'none',
    svmC: 1,
    svmClassWeight: 'none',
    svmGamma: 'scale',
    svmScore: 'probability',
    tuneAlpha: [],
    tuneC: [],
    tuneFolds: 5,
    ...overrides,
  };
}

const HE = 'He et al. 2017';
const PRESET = "(the 'casme2' preset; 'smic' has its own)";

/** Declarations of the defaults (database 'casme2'). */
export const MMFL_PARAMS = declareParams(mmflRecipeParams(), {
  database: `${HE} §4.1.1: CASME2 and SMIC, each with its own settings (MMFL_PRESETS)`,
  timFrames: `${HE} §4.1.1: TIM to 30 frames on CASME2 (20 on SMIC) ${PRESET}`,
  grid: `${HE} §4.1.2: 5×4 blocks on CASME2 (5×1 on SMIC) ${PRESET}`,
  radii: `${HE} §4.1.2: LBP-TOP radii (3, 3, 3) on CASME2 ((4, 4, 2) on SMIC) ${PRESET}`,
  mopRadii: `${HE} §4.1.2: LBP-MOP(*) radii (1, 1, 3) on CASME2 ((2, 2, 2) on SMIC) ${PRESET}`,
  nummost: `${HE} §4.1.2: nummost 9 on CASME2 (2 on SMIC) ${PRESET}`,
  feature: `${HE} §4.1.2: LBP-TOP, LBP-MOP and LBP-MOP* are the three low-level features; merkit's default 'lbp-top'`,
  frameSize: `${HE} §4.1.1: every clip normalised to 150×120 pixels (bicubic)`,
  points: 'not stated in §4.1.2: P = 8 per plane, the usual LBP-TOP setting (59 uniform bins per plane)',
  mapping: 'not stated in §4.1.2: the uniform (u2) mapping, 59 bins for P = 8',
  sigma: `${HE} §4.1.2: σ = 100`,
  kInter: `${HE} §4.1.2: k_inter = 15`,
  kIntra: `${HE} §4.1.2: k_intra = 5`,
  alpha: `${HE} §4.1.2 and §4.1.3.4: α = 0.001`,
  hRatio: `${HE} §4.1.2: h = 0.6·d`,
  tMax: 'not in the paper (Algorithm 1 leaves T_max open): merkit MMFL_TMAX = 10, chosen for time on the training objective (learn/mmfl.ts)',
  epsilon: 'not in the paper (Algorithm 1 leaves ε open): merkit MMFL_EPSILON = 1e-5, chosen for time on the training objective (learn/mmfl.ts)',
  stiefelIter: 'not in the paper: merkit MMFL_STIEFEL_ITER = 2 curvilinear-search steps per W_i update, chosen for time on the training objective (learn/mmfl.ts)',
  rotate: 'not in the paper: merkit\'s closed-form rotation step of each W_i update (the objective is unchanged under W → WQ; learn/mmfl.ts)',
  variant: `${HE} Tables 1–4 compare 'original', 'nr' (α = 0), 'mmfl' and 'lda'; default 'mmfl', the proposed method`,
  init: "not in the paper's settings: Algorithm 1 starts from randn ('random'); merkit's default 'eigen' starts W_i at the α = 0 optimum",
  weighting: `${HE} §3.3: w_no ('none'), 'active', 'balance'; merkit's default 'none'`,
  svmC: 'not in the paper (it gives no SVM cost): 1, the LIBSVM default',
  svmClassWeight: "not in the paper: 'none', no class weights",
  svmGamma: { source: "not in the paper (it gives no RBF γ): 'scale' = 1/(D·var); 'libsvm' = 1/D or a number", type: 'number|string' },
  svmScore: "the paper's reading: the class with the largest (Platt) probability of the class-wise RBF SVMs",
  tuneAlpha: { source: 'merkit: no search by default; candidate α values for an inner CV on the training subjects only', type: 'number[]' },
  tuneC: { source: 'merkit: no search by default; candidate SVM C values for an inner CV on the training subjects only', type: 'number[]' },
  tuneFolds: 'merkit: 5 subject-grouped inner folds for that search',
});

/** values per block of an LBP-TOP feature: the three planes' bins */
export function lbpTopBlockDim(points: readonly number[], mapping: LbpMappingKind): number {
  return points.reduce((s, P) => s + lbpMapping(P, mapping).bins, 0);
}

/** blocks of a block-wise feature table from its column names b{block}_…; throws naming the first bad column */
export function blocksFromColumns(columns: readonly string[], where: string): number {
  const counts = new Map<number, number>();
  for (const c of columns) {
    const m = /^b(\d+)_/.exec(c);
    if (!m) throw new MerError('BAD_INPUT', `feature column '${c}' is not block-wise`, { file: where, expected: 'columns named b{block}_… (e.g. b0_xy_0)' });
    counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  const t = counts.size;
  for (let k = 0; k < t; k++) {
    if (counts.get(k) !== counts.get(0)) {
      throw new MerError('BAD_INPUT', `feature table: block b${k} has ${counts.get(k) ?? 0} columns, block b0 has ${counts.get(0)}`, {
        file: where,
        expected: `blocks b0 … b${t - 1} with the same number of columns`,
      });
    }
  }
  return t;
}

/** mean optical strain per block of the onset→apex TV-L1 flow of a (resized) clip */
export function blockStrain(vol: Volume, clip: ClipRef, grid: readonly [number, number]): Float32Array {
  const { onset, apex } = annotatedIndices(clip, vol.frames);
  const { strain } = clipFlowImage(vol, { onset, apex: apex ?? 'spot' });
  const grid2 = blocks(vol, grid[0], grid[1]);
  const out = new Float32Array(grid2.length);
  for (const b of grid2) {
    let s = 0;
    for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) s += strain[y * vol.width + x];
    out[b.index] = s / ((b.y1 - b.y0) * (b.x1 - b.x0));
  }
  return out;
}

/**
 * The MMFL learner over rows [block features (blocks × blockDim) | strain (blocks), when weighted].
 * blocks = row length / (blockDim (+ 1 when weighted)).
 */
export function mmflRecipeLearner(p: MmflRecipeParams, blockDim: number): Learner {
  const weighted = p.weighting !== 'none';
  const per = blockDim + (weighted ? 1 : 0);
  const name = `mmfl-${p.variant}-${p.weighting}`;
  return {
    name,
    async fit(train: TrainingSet): Promise<FittedModel> {
      const L = train.X[0]?.length ?? 0;
      if (L === 0 || L % per !== 0) {
        throw new MerError('BAD_INPUT', `mmfl: rows have ${L} values, not a whole number of ${per}-value blocks`, {
          expected: weighted ? `blocks × (${blockDim} features + 1 strain)` : `blocks × ${blockDim}`,
        });
      }
      const t = L / per;
      const F = t * blockDim;
      const strip = (X: readonly Float32Array[]): Float32Array[] => (weighted ? X.map((x) => x.subarray(0, F)) : [...X]);
      const strains = new Map<string, Float32Array>();
      if (weighted) train.X.forEach((x, j) => strains.set(train.ids[j], x.subarray(F)));
      const opts: MmflOptions = {
        blocks: t,
        blockDim,
        sigma: p.sigma,
        kInter: p.kInter,
        kIntra: p.kIntra,
        alpha: p.alpha,
        hRatio: p.hRatio,
        tMax: p.tMax,
        epsilon: p.epsilon,
        stiefel: { maxIter: p.stiefelIter },
        rotate: p.rotate,
        init: p.init,
        variant: p.variant,
        weighting: p.weighting,
        nummost: p.nummost,
        svm: { C: p.svmC, gamma: p.svmGamma, score: p.svmScore, ...(p.svmClassWeight === 'balanced' ? { classWeight: 'balanced' as const } : {}) },
        ...(p.tuneAlpha.length || p.tuneC.length
          ? { tune: { ...(p.tuneAlpha.length ? { alpha: p.tuneAlpha } : {}), ...(p.tuneC.length ? { C: p.tuneC } : {}), folds: p.tuneFolds } }
          : {}),
        ...(weighted ? { strain: (id: string) => strains.get(id) } : {}),
      };
      const model = await mmfl(opts).fit({ ...train, X: strip(train.X) });
      return {
        predict(X: readonly Float32Array[]): Prediction[] {
          for (const [j, x] of X.entries()) {
            if (x.length !== L) throw new MerError('BAD_INPUT', `mmfl predict: row ${j} has ${x.length} values, fitted on ${L}`, { row: j });
          }
          return model.predict(strip(X));
        },
      };
    },
  };
}

/** the strain-weighted XY planes of LBP-MOP*: block k's XY histogram × strain_k / max strain (see the module comment) */
export function strainWeightXy(feat: Float32Array, strain: Float32Array, blockDim: number, xyBins: number): Float32Array {
  const out = new Float32Array(feat);
  const top = Math.max(...strain);
  for (let k = 0; k < strain.length; k++) {
    const wk = top > 0 ? strain[k] / top : 0;
    for (let a = 0; a < xyBins; a++) out[k * blockDim + a] *= wk;
  }
  return out;
}

export function mmflRecipe(overrides: Partial<MmflRecipeParams> = {}): Recipe {
  const p = mmflRecipeParams(overrides);
  const oneOf = (what: string, v: unknown, allowed: readonly string[]) => {
    if (!allowed.includes(v as string)) throw new MerError('BAD_OPTION', `mmfl ${what} '${String(v)}'`, { expected: allowed.map((a) => `'${a}'`).join(', ') });
  };
  oneOf('weighting', p.weighting, ['none', 'active', 'balance']);
  oneOf('variant', p.variant, ['mmfl', 'nr', 'original', 'lda']);
  oneOf('feature', p.feature, ['lbp-top', 'lbp-mop', 'lbp-mop*']);
  oneOf('init', p.init, ['eigen', 'random']);
  oneOf('svmScore', p.svmScore, ['probability', 'decision', 'prior-corrected']);
  oneOf('svmClassWeight', p.svmClassWeight, ['none', 'balanced']);
  if (typeof p.svmGamma !== 'number') oneOf('svmGamma', p.svmGamma, ['scale', 'libsvm']);
  const blockDim = lbpTopBlockDim(p.points, p.mapping);
  const weighted = p.weighting !== 'none';
  const mop = p.feature !== 'lbp-top';
  const needStrain = weighted || p.feature === 'lbp-mop*';
  return {
    name: 'mmfl',
    title: 'MMFL: block-wise LBP-TOP / LBP-MOP → multi-task class-specific mid-level features → class-wise RBF SVMs',
    paper: {
      citation: 'He, Hu, Qin, Zhao, "Multi-task mid-level feature learning for micro-expression recognition", Pattern Recognition 66, 2017',
      url: 'https://doi.org/10.1016/j.patcog.2016.11.029',
      settings:
        'CASME II: 150×120, TIM 30, 5×4 blocks, LBP-TOP R = (3,3,3), LBP-MOP(*) R = (1,1,3); SMIC: TIM 20, 5×1, R = (4,4,2) / (2,2,2); P = 8 u2; σ = 100, k_inter = 15, k_intra = 5, α = 0.001, h = 0.6d; class-wise RBF SVMs; LOSO',
    },
    accepts: ['frames', 'video', 'memory', 'features'],
    defaultProtocol: 'loso',
    params: { ...p },
    paramSpecs: MMFL_PARAMS,
    // the learner's settings (variant, α, SVM, …) do not change a clip's features
    extractParams: {
      database: p.database,
      frameSize: p.frameSize,
      timFrames: p.timFrames,
      grid: p.grid,
      feature: p.feature,
      radii: mop ? p.mopRadii : p.radii,
      points: p.points,
      mapping: p.mapping,
      strainAppended: weighted,
    },
    async extract(clip: ClipRef): Promise<Float32Array> {
      const id = clipKey(clip);
      if (clip.source.kind === 'features') {
        if (needStrain) {
          throw new MerError('BAD_OPTION', `mmfl ${weighted ? `weighting '${p.weighting}'` : `feature '${p.feature}'`} needs per-block optical strain, which a feature table does not carry`, {
            clip: id,
            expected: "weighting none and feature 'lbp-top' / 'lbp-mop' on a feature table, or frame clips",
          });
        }
        const t = blocksFromColumns(clip.source.columns, id);
        if (clip.source.values.length !== t * blockDim) {
          throw new MerError('BAD_INPUT', `feature row has ${clip.source.values.length} values = ${t} blocks × ${clip.source.values.length / t}`, {
            clip: id,
            expected: `${blockDim} values per block (P = ${p.points.join('/')}, mapping ${p.mapping})`,
          });
        }
        return clip.source.values;
      }
      const [h, w] = p.frameSize;
      const raw = await loadClipVolume(clip);
      const vol = raw.width === w && raw.height === h ? raw : resizeVolume(raw, w, h, { method: 'bicubic' });
      if (vol.frames < 2) throw new MerError('BAD_INPUT', `clip has ${vol.frames} frame(s); TIM needs at least 2`, { clip: id });
      const v = vol.frames === p.timFrames ? vol : tim(vol, p.timFrames);
      let feat: Float32Array;
      try {
        const opts = { radii: mop ? p.mopRadii : p.radii, points: p.points, mapping: p.mapping, grid: p.grid };
        feat = mop ? lbpMop(v, opts) : lbpTop(v, opts);
      } catch (e) {
        if (e instanceof MerError) throw new MerError(e.code, `${id}: ${e.message}`, { clip: id });
        throw e;
      }
      if (!needStrain) return feat;
      const s = blockStrain(vol, clip, p.grid);
      if (p.feature === 'lbp-mop*') feat = strainWeightXy(feat, s, blockDim, lbpMapping(p.points[0], p.mapping).bins);
      if (!weighted) return feat;
      const out = new Float32Array(feat.length + s.length);
      out.set(feat);
      out.set(s, feat.length);
      return out;
    },
    learner() {
      return mmflRecipeLearner(p, blockDim);
    },
  };
}
