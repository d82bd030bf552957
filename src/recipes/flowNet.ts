/**
 * What the flow-image network recipes (off-apexnet, dual-inception, fr)
 * share: their parameters, their training settings, and the recipe built
 * from a network factory — extract = the clip's flow image as NHWC
 * (src/stages/flowInput.ts), learner = networkLearner(factory).
 */
import type { Recipe } from './types.ts';
import { networkLearner } from '../nets/learner.ts';
import type { OptimizerOptions, TrainOptions } from '../nets/train.ts';
import type { NetworkFactory } from '../nets/types.ts';
import { flowNetInput } from '../stages/flowInput.ts';
import { declareParams, type ParamSource, type ParamSpecs } from './paramSpec.ts';

/** Settings shared by the flow-image network recipes. */
export interface FlowNetParams {
  /** side of the flow image (MEGC 2019 convention) */
  flowSize: number;
  /** frame side when the flow is computed from frames */
  frameSize: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  /** SGD momentum (ignored by Adam) */
  momentum: number;
  /**
   * Model selection on the fold's TRAINING subjects: this fraction of them is
   * held out and the epoch with the lowest validation loss is kept (Keras'
   * ModelCheckpoint(save_best_only) in the authors' code). 0 or absent: the
   * last epoch is kept.
   */
  validationFraction?: number;
}

/**
 * No early stopping under validation selection: the authors' code defines an
 * EarlyStopping callback but leaves it out of the callbacks it trains with,
 * so every epoch runs and only the checkpoint choice uses the validation loss.
 */
export const NO_EARLY_STOPPING = Number.POSITIVE_INFINITY;

/** The training settings of a flow-network recipe (engine options, src/nets/train.ts). */
export function flowNetTraining(p: FlowNetParams): Omit<TrainOptions, 'seed'> {
  return {
    epochs: p.epochs,
    batchSize: p.batchSize,
    optimizer: optimizerOf(p),
    ...(p.validationFraction ? { validation: { fraction: p.validationFraction, bySubject: true as const, patience: NO_EARLY_STOPPING, restoreBest: true } } : {}),
  };
}

export function optimizerOf(p: Pick<FlowNetParams, 'optimizer' | 'lr' | 'momentum'>): OptimizerOptions {
  return p.optimizer === 'sgd' ? { kind: 'sgd', lr: p.lr, momentum: p.momentum } : { kind: 'adam', lr: p.lr };
}

/** Where the MEGC flow-image input's two sides come from: the same for every flow-image network recipe. */
const FLOW_INPUT_SOURCES = {
  flowSize: "MEGC 2019 flow-image convention (28×28 u, v, strain), as STSTNet's authors' code (christy1206/STSTNet) reads it",
  frameSize: 'not in the paper: merkit computes flow from face crops resized to 128 px when a clip has frames, not a precomputed flow image',
} as const;

/**
 * The declarations of a flow-network recipe's params: the flow input's two
 * sides as every such recipe takes them, the training settings' sources from
 * the recipe, and the network's build options (`build`) as extra keys.
 */
export function flowNetParamSpecs<P extends FlowNetParams>(
  defaults: P,
  training: Omit<{ readonly [K in keyof P]: ParamSource }, 'flowSize' | 'frameSize'>,
): ParamSpecs {
  return declareParams(defaults, { ...FLOW_INPUT_SOURCES, ...training } as { readonly [K in keyof P]: ParamSource });
}

/** A flow-image network recipe: extract = the flow image, learner = networkLearner(factory). */
export function flowNetRecipe(
  spec: { name: string; title: string; citation: string; settings: string; factory: NetworkFactory; build?: Record<string, unknown>; paramSpecs: ParamSpecs },
  params: FlowNetParams,
): Recipe {
  return {
    name: spec.name,
    title: spec.title,
    paper: { citation: spec.citation, settings: spec.settings },
    accepts: ['flow', 'frames', 'video', 'memory'],
    defaultProtocol: 'loso',
    auditable: true,
    params: { ...params, ...(spec.build ?? {}) },
    paramSpecs: spec.paramSpecs,
    extractParams: { flowSize: params.flowSize, frameSize: params.frameSize },
    extract: (clip) => flowNetInput(clip, params),
    learner() {
      return networkLearner(spec.factory, {
        name: spec.name,
        inputShape: [params.flowSize, params.flowSize, 3],
        build: spec.build,
        train: flowNetTraining(params),
      });
    },
  };
}
