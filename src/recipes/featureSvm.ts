/**
 * svm-linear / svm-rbf — classical learners on a precomputed feature table
 * (e.g. block-wise LBP-TOP): standardise (fitted on the training fold) →
 * SVM. C = 1 and, for RBF, gamma = 'scale' (1 / (d · var(X)), sklearn's
 * default) — library defaults, deliberately not tuned on test subjects.
 */
import type { ClipRef } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import type { Recipe } from './types.ts';
import { pipeline } from '../learn/pipeline.ts';
import { standardize } from '../learn/standardize.ts';
import { svm } from '../learn/svm.ts';
import { declareParams, type ParamSpecs } from './paramSpec.ts';

export interface FeatureSvmParams {
  kernel: 'linear' | 'rbf';
  C: number;
  gamma?: number | 'scale';
}

const SVM_C_SOURCE = 'not in a paper (a baseline): libsvm / sklearn default C = 1, not tuned on test subjects';
const SVM_KERNEL_SOURCE = { source: 'merkit: the kernel the recipe name says (svm-linear / svm-rbf)', derived: 'fixed by the recipe name' };

export const FEATURE_SVM_DEFAULTS: Record<'linear' | 'rbf', FeatureSvmParams> = {
  linear: { kernel: 'linear', C: 1 },
  rbf: { kernel: 'rbf', C: 1, gamma: 'scale' },
};

export const FEATURE_SVM_PARAMS: Record<'linear' | 'rbf', ParamSpecs> = {
  linear: declareParams(FEATURE_SVM_DEFAULTS.linear, { kernel: SVM_KERNEL_SOURCE, C: SVM_C_SOURCE }),
  rbf: declareParams(FEATURE_SVM_DEFAULTS.rbf, {
    kernel: SVM_KERNEL_SOURCE,
    C: SVM_C_SOURCE,
    gamma: { source: "not in a paper (a baseline): sklearn's default gamma 'scale' = 1 / (d · var(X)), or a number", type: 'number|string' },
  }),
};

export function featureValues(clip: ClipRef): Float32Array {
  if (clip.source.kind !== 'features') {
    throw new MerError('BAD_OPTION', `this recipe reads feature tables; clip is '${clip.source.kind}'`, {
      clip: `${clip.dataset}/${clip.subject}/${clip.clip}`,
      expected: 'a features:<file.csv> dataset',
    });
  }
  return clip.source.values;
}

export function featureSvm(kernel: 'linear' | 'rbf', overrides: Partial<FeatureSvmParams> = {}): Recipe {
  const params: FeatureSvmParams = { ...FEATURE_SVM_DEFAULTS[kernel], ...overrides };
  return {
    name: `svm-${kernel}`,
    title: `Feature table + standardise + ${kernel === 'linear' ? 'linear' : 'RBF'} SVM (baseline)`,
    accepts: ['features'],
    defaultProtocol: 'loso',
    params: { ...params },
    paramSpecs: FEATURE_SVM_PARAMS[kernel],
    extractParams: {},
    async extract(clip: ClipRef): Promise<Float32Array> {
      return featureValues(clip);
    },
    learner() {
      return pipeline(
        `standardize+${kernel}-svm`,
        [standardize()],
        svm(kernel === 'linear' ? { kernel, C: params.C } : { kernel, C: params.C, gamma: params.gamma ?? 'scale' }),
      );
    },
  };
}
