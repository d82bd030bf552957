/**
 * The contract between networks (STSTNet, OFF-ApexNet, Dual-Inception, FR,
 * EMR, TLCNN, …) and the training engine (src/nets/train.ts).
 *
 * A Network owns its variables and knows its own training loss (FR adds a
 * proposal loss, EMR an adversarial one); the engine owns batching,
 * optimisers, schedules, validation, early stopping, checkpoints and
 * determinism. Inputs are NHWC float32.
 */
import type * as tf from './tf.ts';
import type { Rng } from '../core/rng.ts';

export interface TrainStepInfo {
  epoch: number;
  /** global step counter (0-based) */
  step: number;
  /** seeded stream for this step (dropout masks, auxiliary-domain sampling, …) */
  rng: Rng;
  /** the batch's TrainData.tags, when the data has them (e.g. EMR's domain labels) */
  tags?: Int32Array;
}

export interface Network {
  readonly name: string;
  /** [H, W, C] of one input sample */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  /** the trainable variables the optimiser updates */
  trainableVariables(): tf.Variable[];
  /** class logits [N, classes], inference mode (dropout off, BatchNorm running stats) */
  predictLogits(x: tf.Tensor4D): tf.Tensor2D;
  /**
   * The training loss of one batch in training mode (dropout on, BatchNorm
   * batch stats + running-stat updates). y holds class indices (int32).
   * Called inside the optimiser's minimize(), so it must be a pure tensor
   * computation of the trainable variables.
   */
  trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar;
  /** every weight needed to restore the network (trainable and not, e.g. BatchNorm running stats), by stable name */
  getWeights(): Map<string, tf.Tensor>;
  /** restore from getWeights()'s names; a missing or misshapen tensor is a MerError naming it */
  setWeights(weights: Map<string, { shape: readonly number[]; data: Float32Array }>): void;
  dispose(): void;
}

export interface NetworkBuildOptions {
  classes: number;
  /** weight-initialisation seed */
  seed: number;
  [option: string]: unknown;
}

export type NetworkFactory = (opts: NetworkBuildOptions) => Network;
