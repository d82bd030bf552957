/**
 * ltogp-rankpool — "Micro-expression recognition based on LTOGP, rank pooling
 * and ℓ2,1-norm" (/work/shared/papers/ltogp-rank-pooling-l21.txt):
 *
 *   frames resized to 128×128 → LTOGP per frame (8 second-order gradient
 *   templates → 8-bit code → 256-bin histogram per block, 8×8 blocks →
 *   16 384 values; features/ltogp.ts) → rank pooling of the frame features
 *   by the paper's Eq. 3 (pairwise order constraints, C = 1; a linear
 *   RankSVM over every pair of frames, features/rankPool.ts), u normalised
 *   to unit length = the clip's feature → [per fold] ℓ2,1 feature selection
 *   (Nie et al. 2010, γ = 1, keep N = 450 on CASME II / 325 on CASME) →
 *   linear SVM (LIBSVM, C = 1).
 *
 * The paper neither interpolates the clips in time (it argues against it) nor
 * scales the features before the SVM; neither do we. The LTOGP templates are a
 * reconstruction (see features/ltogp.ts). Selection is fitted on the training
 * fold only (it uses labels), which is why it lives in the learner.
 *
 * Also reads `features` clips: the table row is then taken as the video
 * representation and only ℓ2,1 selection + linear SVM are applied (the
 * "ℓ2,1 + SVM" line of bench:classical on the CASME II LBP-TOP table).
 */
import type { ClipRef } from '../core/clip.ts';
import { clipKey } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import type { Recipe } from './types.ts';
import { declareParams } from './paramSpec.ts';
import { pipeline } from '../learn/pipeline.ts';
import { svm } from '../learn/svm.ts';
import { l21Selector } from '../learn/l21Select.ts';
import { loadClipVolume } from '../io/clip.ts';
import { ltogpVolume } from '../features/ltogp.ts';
import { rankPool, type RankPoolMethod } from '../features/rankPool.ts';

export interface LtogpRankpoolParams {
  /** frames resized to frameSize × frameSize (paper: 128) */
  frameSize: number;
  /** [rows, cols] of LTOGP blocks (paper: 8×8) */
  grid: [number, number];
  /**
   * rank pooling C (paper: 1) and method: 'pairwise' (the paper's Eq. 3), 'svr'
   * (Fernando et al.'s reference code: SVR to t without bias, for comparison),
   * 'approx' (dynamic-image weights)
   */
  rankC: number;
  rankMethod: RankPoolMethod;
  /**
   * time-varying mean smoothing of the frame features before ranking (Fernando
   * et al., the paper's ref. [15]; features/rankPool.ts). Off: the paper's
   * Eq. 3 ranks "the frame-level feature at time t_i", and on the seed-2
   * synthetic development set smoothing did not help (UF1 0.162 against 0.143
   * with N = 450; README, Quick start).
   */
  rankSmooth: boolean;
  /** ℓ2,1 γ (paper: 1) */
  gamma: number;
  /** features kept (paper: 450 CASME II, 325 CASME); 0 = no selection (the paper's "without FS") */
  n: number;
  /** linear SVM cost (LIBSVM default 1) */
  C: number;
}

export const LTOGP_RANKPOOL_DEFAULTS: LtogpRankpoolParams = {
  frameSize: 128,
  grid: [8, 8],
  rankC: 1,
  rankMethod: 'pairwise',
  rankSmooth: false,
  gamma: 1,
  n: 450,
  C: 1,
};

const LTOGP_EXP = 'ltogp-rank-pooling-l21 paper §4 (Experiments)';

export const LTOGP_RANKPOOL_PARAMS = declareParams(LTOGP_RANKPOOL_DEFAULTS, {
  frameSize: `${LTOGP_EXP}: "we resize all the frames to 128×128 pixels"`,
  grid: `${LTOGP_EXP}, Fig. 4: 8×8 blocks best on CASME and CASME II`,
  rankC: `${LTOGP_EXP}: C in Eq. (3) = 1 in all experiments`,
  rankMethod: "§3, Eq. (3): pairwise order constraints ('pairwise'); 'svr' = Fernando et al.'s reference code, for comparison",
  rankSmooth: "not in the paper: Eq. (3) ranks the frame-level feature itself; time-varying mean smoothing (Fernando et al., ref. [15]) is an option, off",
  gamma: `${LTOGP_EXP}: γ in Eq. (4) = 1 in all experiments`,
  n: `${LTOGP_EXP}, Fig. 4: N = 450 on CASME II (325 on CASME)`,
  C: `${LTOGP_EXP}: LIBSVM with the linear kernel; C not stated, LIBSVM's default 1`,
});

export function ltogpRankpool(overrides: Partial<LtogpRankpoolParams> = {}): Recipe {
  const p: LtogpRankpoolParams = { ...LTOGP_RANKPOOL_DEFAULTS, ...overrides };
  if (!['pairwise', 'svr', 'approx'].includes(p.rankMethod)) {
    throw new MerError('BAD_OPTION', `ltogp-rankpool rankMethod '${String(p.rankMethod)}'`, { expected: "'pairwise', 'svr' or 'approx'" });
  }
  if (!(Number.isInteger(p.n) && p.n >= 0)) throw new MerError('BAD_OPTION', `ltogp-rankpool n must be an integer ≥ 0, got ${p.n}`);
  if (!(Number.isInteger(p.frameSize) && p.frameSize >= 5 * Math.max(...p.grid))) {
    throw new MerError('BAD_OPTION', `ltogp-rankpool frameSize ${p.frameSize} is too small for a ${p.grid.join('×')} grid`, { expected: `at least ${5 * Math.max(...p.grid)} pixels` });
  }
  return {
    name: 'ltogp-rankpool',
    title: 'LTOGP per frame (8×8 blocks) + rank pooling + ℓ2,1 selection + linear SVM',
    paper: {
      citation: 'Micro-expression recognition based on LTOGP, rank pooling and ℓ2,1-norm (ICIP-style paper, CASME / CASME II)',
      settings: '128×128 frames, 8×8 blocks × 256 bins, rank pooling by pairwise order constraints (Eq. 3) C = 1, ℓ2,1 γ = 1, N = 450 (CASME II) / 325 (CASME), linear LIBSVM, LOSO',
    },
    accepts: ['frames', 'video', 'memory', 'features'],
    defaultProtocol: 'loso',
    params: { ...p },
    paramSpecs: LTOGP_RANKPOOL_PARAMS,
    async extract(clip: ClipRef): Promise<Float32Array> {
      if (clip.source.kind === 'features') return clip.source.values;
      const vol = await loadClipVolume(clip, { size: { width: p.frameSize, height: p.frameSize } });
      if (vol.frames < 2) throw new MerError('BAD_INPUT', `clip has ${vol.frames} frame(s); rank pooling needs at least 2`, { clip: clipKey(clip) });
      return rankPool(ltogpVolume(vol, { grid: p.grid }), { C: p.rankC, method: p.rankMethod, smooth: p.rankSmooth });
    },
    learner() {
      const model = svm({ kernel: 'linear', C: p.C });
      return p.n > 0 ? pipeline(`l21(${p.n})+linear-svm`, [l21Selector({ gamma: p.gamma, n: p.n })], model) : model;
    },
  };
}
