/**
 * lbptop-svm — the CASME II / MEGC 2019 LBP-TOP baseline: Yan et al.,
 * "CASME II: An improved spontaneous micro-expression database and the
 * baseline evaluation", PLoS ONE 9(1): e86041, 2014 (and the LBP-TOP + SVM
 * baseline of the MEGC 2019 composite challenge).
 *
 *   frames → TIM to 10 frames → 5×5 blocks → LBP-TOP, radii (Rx, Ry, Rt) =
 *   (1, 1, 4), P = 4 in every plane → standardise (training fold) → linear SVM
 *
 * Codes: with P = 4 the neighbours sit at 0°, 90°, 180°, 270° (integer
 * offsets, no interpolation). The 4-bit codes are looked up in Zhao &
 * Pietikäinen's 8-bit uniform table (`UniformLBP8.txt`, see
 * features/mappings.ts 'u2-zhao'), exactly as the CASME II baseline script did:
 * 59 bins per plane of which only 12 are ever used, so a clip gives
 * 25 × 3 × 59 = 4425 values in the column order `b{block}_{plane}_{bin}` of
 * the released casme2-lbptop-5x5/features.csv (mapping 'u2-zhao-p8', the
 * default). mapping 'u2' / 'riu2' / … instead build the table for P = 4.
 *
 * Also reads `features` clips (a precomputed block-wise table such as
 * ../shared/data/casme2-lbptop-5x5/features.csv): the row is the feature.
 *
 * Frames are used at their stored size unless frameSize is given (the CASME II
 * release is already cropped to the face); values in [0, 1] (LBP codes do not
 * depend on the scale). The whole clip (every frame the source lists) is
 * interpolated.
 */
import type { ClipRef } from '../core/clip.ts';
import { clipKey } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import type { Volume } from '../core/image.ts';
import type { Recipe } from './types.ts';
import { declareParams } from './paramSpec.ts';
import { pipeline } from '../learn/pipeline.ts';
import { standardize } from '../learn/standardize.ts';
import { svm } from '../learn/svm.ts';
import { loadClipVolume } from '../io/clip.ts';
import { tim } from '../temporal/tim.ts';
import { lbpTop } from '../features/lbpTop.ts';
import { lbpMapping, type LbpMapping, type LbpMappingKind } from '../features/mappings.ts';

/** a mapping by name; 'u2-zhao-p8' = the 8-bit Zhao table used for any P (the CASME II release) */
export type LbpTopMappingName = LbpMappingKind | 'u2-zhao-p8';

export interface LbptopSvmParams {
  /** frames after TIM (CASME II baseline: 10); 0 = no interpolation */
  timFrames: number;
  /** [rows, cols] of blocks (5×5) */
  grid: [number, number];
  /** [Rx, Ry, Rt] (1, 1, 4) */
  radii: [number, number, number];
  /** [Pxy, Pxt, Pyt] (4, 4, 4) */
  points: [number, number, number];
  /** code → bin table (default 'u2-zhao-p8', the released features' numbering) */
  mapping: LbpTopMappingName;
  /** resize frames to [width, height] first; null = stored size (default) */
  frameSize: [number, number] | null;
  /** linear SVM cost (libsvm default 1; not tuned on test subjects) */
  C: number;
}

export const LBPTOP_SVM_DEFAULTS: LbptopSvmParams = {
  timFrames: 10,
  grid: [5, 5],
  radii: [1, 1, 4],
  points: [4, 4, 4],
  mapping: 'u2-zhao-p8',
  frameSize: null,
  C: 1,
};

const CASME2_BASELINE = 'Yan et al. 2014 (CASME II baseline, PLoS ONE 9(1); not in ../shared/papers)';

export const LBPTOP_SVM_PARAMS = declareParams(LBPTOP_SVM_DEFAULTS, {
  timFrames: `${CASME2_BASELINE}: TIM to 10 frames`,
  grid: `${CASME2_BASELINE}: 5×5 blocks`,
  radii: `${CASME2_BASELINE}: radii (Rx, Ry, Rt) = (1, 1, 4)`,
  points: `${CASME2_BASELINE}: P = 4 in every plane`,
  mapping: "the released casme2-lbptop-5x5/features.csv: 4-bit codes in Zhao & Pietikäinen's UniformLBP8 table, as the CASME II baseline script did",
  frameSize: { source: 'not in the paper: the CASME II release is already cropped to the face, so frames are used at their stored size (null)', type: 'number[]|null' },
  C: `not in the paper: libsvm default C = 1 for the linear SVM, not tuned on test subjects`,
});

/** the mapping option lbpTop takes for a mapping name */
export function lbpTopMapping(name: LbpTopMappingName): LbpMappingKind | LbpMapping {
  return name === 'u2-zhao-p8' ? lbpMapping(8, 'u2-zhao') : name;
}

/** a frame clip → (resized) volume → TIM to n frames (n = 0 keeps the frames) */
export async function loadTimVolume(clip: ClipRef, size: { width: number; height: number } | undefined, n: number): Promise<Volume> {
  const vol = await loadClipVolume(clip, { size });
  if (n <= 0 || vol.frames === n) return vol;
  if (vol.frames < 2) {
    throw new MerError('BAD_INPUT', `clip has ${vol.frames} frame(s); temporal interpolation needs at least 2`, { clip: clipKey(clip) });
  }
  return tim(vol, n);
}

function checkParams(p: LbptopSvmParams): void {
  if (!Number.isInteger(p.timFrames) || p.timFrames < 0) throw new MerError('BAD_OPTION', `lbptop-svm timFrames must be an integer ≥ 0, got ${p.timFrames}`);
  if (p.timFrames > 0 && p.timFrames < 2 * Math.ceil(p.radii[2]) + 1) {
    throw new MerError('BAD_OPTION', `lbptop-svm: ${p.timFrames} frames leave no centre frame for Rt = ${p.radii[2]}`, { expected: `timFrames ≥ ${2 * Math.ceil(p.radii[2]) + 1}` });
  }
  if (p.frameSize && !(p.frameSize.length === 2 && p.frameSize.every((v) => Number.isInteger(v) && v > 0))) {
    throw new MerError('BAD_OPTION', `lbptop-svm frameSize must be [width, height] in pixels, got ${JSON.stringify(p.frameSize)}`);
  }
}

export function lbptopSvm(overrides: Partial<LbptopSvmParams> = {}): Recipe {
  const params: LbptopSvmParams = { ...LBPTOP_SVM_DEFAULTS, ...overrides };
  checkParams(params);
  const mapping = lbpTopMapping(params.mapping);
  return {
    name: 'lbptop-svm',
    title: 'LBP-TOP (TIM 10, 5×5 blocks, R = 1,1,4, P = 4) + linear SVM — the CASME II baseline',
    paper: {
      citation: 'Yan et al., "CASME II: An improved spontaneous micro-expression database and the baseline evaluation", PLoS ONE 9(1), 2014',
      url: 'https://doi.org/10.1371/journal.pone.0086041',
      settings: 'TIM to 10 frames, 5×5 blocks, LBP-TOP radii (1,1,4), P = 4 (codes in the UniformLBP8 table), linear SVM, LOSO',
    },
    accepts: ['frames', 'video', 'memory', 'features'],
    defaultProtocol: 'loso',
    params: { ...params },
    paramSpecs: LBPTOP_SVM_PARAMS,
    async extract(clip: ClipRef): Promise<Float32Array> {
      if (clip.source.kind === 'features') return clip.source.values;
      const size = params.frameSize ? { width: params.frameSize[0], height: params.frameSize[1] } : undefined;
      const vol = await loadTimVolume(clip, size, params.timFrames);
      try {
        return lbpTop(vol, { radii: params.radii, points: params.points, mapping, grid: params.grid });
      } catch (e) {
        if (e instanceof MerError) throw new MerError(e.code, `${clipKey(clip)}: ${e.message}`, { clip: clipKey(clip) });
        throw e;
      }
    },
    learner() {
      return pipeline('standardize+linear-svm', [standardize()], svm({ kernel: 'linear', C: params.C }));
    },
  };
}
