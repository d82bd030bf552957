/**
 * flow-svm — the simplest flow baseline: the onset→apex flow image (28×28 RGB,
 * R = u, G = v, B = optical strain, per-image min-max to 0–255: the MEGC 2019 /
 * STSTNet input) taken as 2352 pixels → standardise → linear SVM.
 *
 * Reads precomputed flow images (`flowdir`) directly; for frame clips it
 * computes the flow image itself: onset = first frame of the clip, apex from
 * the annotation (or spotted by inter-frame difference when absent), TV-L1.
 */
import type { ClipRef } from '../core/clip.ts';
import type { Recipe } from './types.ts';
import { pipeline } from '../learn/pipeline.ts';
import { standardize } from '../learn/standardize.ts';
import { svm } from '../learn/svm.ts';
import { clipFlowImageFeatures, flowImageFeatures } from '../stages/flowInput.ts';
import { declareParams } from './paramSpec.ts';

export interface FlowSvmParams {
  /** side of the flow image; MEGC 2019 / STSTNet convention */
  flowSize: number;
  /** frame side used when computing flow from frames (face crops are resized to this) */
  frameSize: number;
  /** SVM regularisation: libsvm/sklearn default, no tuning on test folds */
  C: number;
}

export const FLOW_SVM_DEFAULTS: FlowSvmParams = { flowSize: 28, frameSize: 128, C: 1 };

/** A baseline, not a paper: every setting is a convention or a library default. */
export const FLOW_SVM_PARAMS = declareParams(FLOW_SVM_DEFAULTS, {
  flowSize: "merkit: the MEGC 2019 / STSTNet flow-image side (28), as the authors' code christy1206/STSTNet reads it",
  frameSize: 'not in a paper (a baseline): merkit computes flow from face crops resized to 128 px when a clip has frames',
  C: 'not in a paper (a baseline): libsvm / sklearn default C = 1, not tuned on test subjects',
});

export function flowSvm(overrides: Partial<FlowSvmParams> = {}): Recipe {
  const params: FlowSvmParams = { ...FLOW_SVM_DEFAULTS, ...overrides };
  return {
    name: 'flow-svm',
    title: 'Flow image pixels + linear SVM (baseline)',
    accepts: ['flow', 'frames', 'video', 'memory'],
    defaultProtocol: 'loso',
    params: { ...params },
    paramSpecs: FLOW_SVM_PARAMS,
    extractParams: { flowSize: params.flowSize, frameSize: params.frameSize },
    async extract(clip: ClipRef): Promise<Float32Array> {
      const id = `${clip.dataset}/${clip.subject}/${clip.clip}`;
      if (clip.source.kind === 'flow') return flowImageFeatures(clip.source.file, params.flowSize, id);
      return clipFlowImageFeatures(clip, { frameSize: params.frameSize, flowSize: params.flowSize });
    },
    learner() {
      return pipeline('standardize+linear-svm', [standardize()], svm({ kernel: 'linear', C: params.C }));
    },
  };
}
