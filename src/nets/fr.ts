/**
 * FR — Feature Refinement (Zhou, Mao, Huang, Zhang, Xue, Zhao: "Feature
 * refinement: an expression-specific feature learning and fusion method for
 * micro-expression recognition", Pattern Recognition 2022;
 * ../shared/papers/fr-feature-refinement.txt).
 *
 * 1. Expression-shared feature: the two-stream Inception backbone on u and v
 *    (6 and 16 filters per branch; src/nets/dualInception.ts), flattened,
 *    concatenated, and the backbone's FC 1024 + ReLU → z (1024-d).
 *    Why z is the FC output and not the 6272-d flatten: Table 7 says the
 *    proposal module adds 3.76 M parameters for K = 3, i.e. ≈ 1.2 M per
 *    branch; an attention FC over a 6272-d z alone would be 39 M per branch,
 *    over a 1024-d z it is 1.05 M + the detector — the paper's count.
 * 2. Proposal module, K = classes branches: a_k = softmax(FC_k(z)) (same
 *    dimension as z), z*_k = a_k ⊙ z; detector k = FC (z → 128, ReLU) →
 *    FC (→ 1) → sigmoid, trained with binary cross-entropy against
 *    [y = k]; L_prop = mean over k of the detection losses (eq. 4–5).
 * 3. Fusion z' = Σ_k z*_k (element-wise sum, eq. 6) → FC (216, ReLU) →
 *    dropout 0.5 → FC classes → softmax (eq. 7).
 * Loss L = λ·L_prop + L_cls with λ = 0.85 (eq. 8).
 *
 * The two hidden widths are not stated in the paper; both follow from its
 * own parameter counts (Table 7: Basic Inception 6.4803 M / 6.4813 M and FR
 * 10.2418 M / 11.4231 M for 3 / 4 classes). Per class, FR adds one branch
 * (attention 1024·1024 + 1024, detector 1024·h + h + h + 1) and one row of
 * the last FC (c + 1), Basic Inception one row of its last FC (1025):
 *   FR(4) − FR(3)       = 1 049 601 + 1026·h + c + 1          = 1.1813 M
 *   FR(3) − Basic(3)    = 3·(1 049 601 + 1026·h) + 1025·c + 3·(c + 1) − 3·1025
 *                                                              = 3.7615 M
 * Solved: c = 215.3 ± 0.4 and h = 128.2 ± 0.2, i.e. c = 216 and h = 128,
 * which reproduce both differences to within 0.0003 M (the table rounds to
 * 0.0001 M; test/nets/fr.test.ts checks them). Training settings live in
 * src/recipes/fr.ts.
 */
import * as tf from './tf.ts';
import type { Rng } from '../core/rng.ts';
import { checkClasses, checkInput, crossEntropy, denseLayer, dropout, StoreNetwork } from './blocks.ts';
import { DUAL_INCEPTION_FC, DUAL_INCEPTION_FILTERS, DUAL_INCEPTION_SIZE, dualInceptionStreams } from './dualInception.ts';
import type { NetworkBuildOptions, NetworkFactory, TrainStepInfo } from './types.ts';

/** λ of eq. (8) */
export const FR_LAMBDA = 0.85;
/** hidden units of each expression detector (not stated in the paper: derived from Table 7, see the header) */
export const FR_DETECTOR_HIDDEN = 128;
/** hidden units of the classification module's first FC (not stated in the paper: derived from Table 7, see the header) */
export const FR_CLASSIFIER_HIDDEN = 216;

export interface FrOptions extends NetworkBuildOptions {
  lambda?: number;
  dropout?: number;
  detectorHidden?: number;
  classifierHidden?: number;
  flowChannels?: readonly [number, number];
  inputChannels?: number;
}

export interface FrOutputs {
  logits: tf.Tensor2D;
  /** detector probabilities [N, K] (sigmoid) as logits before the sigmoid */
  detectorLogits: tf.Tensor2D;
}

export class FrNetwork extends StoreNetwork {
  readonly lambda: number;
  private readonly run: (x: tf.Tensor4D, training: boolean, rng?: Rng) => FrOutputs;
  constructor(o: FrOptions) {
    const classes = checkClasses('fr', o.classes);
    super('fr', [DUAL_INCEPTION_SIZE, DUAL_INCEPTION_SIZE, o.inputChannels ?? 3], classes, o.seed);
    this.lambda = o.lambda ?? FR_LAMBDA;
    const rate = o.dropout ?? 0.5;
    const dh = o.detectorHidden ?? FR_DETECTOR_HIDDEN;
    const ch = o.classifierHidden ?? FR_CLASSIFIER_HIDDEN;
    const streams = dualInceptionStreams(this.ps, DUAL_INCEPTION_FILTERS, o.flowChannels ?? [0, 1]);
    const d = DUAL_INCEPTION_FC;
    const shared = denseLayer(this.ps, 'shared_fc', streams.features, d, { activation: 'relu' });
    const branches = Array.from({ length: classes }, (_, k) => ({
      att: denseLayer(this.ps, `attention${k}`, d, d),
      det1: denseLayer(this.ps, `detector${k}_fc1`, d, dh, { activation: 'relu' }),
      det2: denseLayer(this.ps, `detector${k}_fc2`, dh, 1),
    }));
    const cls1 = denseLayer(this.ps, 'cls_fc1', d, ch, { activation: 'relu' });
    const cls2 = denseLayer(this.ps, 'cls_fc2', ch, classes);
    this.run = (x, training, rng) => {
      const z = shared(streams.apply(x));
      const specific = branches.map((b) => tf.mul(tf.softmax(b.att(z)), z) as tf.Tensor2D);
      const detectorLogits = tf.concat(specific.map((s, k) => branches[k].det2(branches[k].det1(s))), 1) as tf.Tensor2D;
      const fused = tf.addN(specific) as tf.Tensor2D;
      const logits = cls2(dropout(cls1(fused), rate, training, rng));
      return { logits, detectorLogits };
    };
  }

  forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    return this.run(x, training, rng).logits;
  }

  /** logits and detector outputs (inference mode) */
  outputs(x: tf.Tensor4D): FrOutputs {
    checkInput(this.name, x, this.inputShape);
    return this.run(x, false);
  }

  /** λ·L_prop + L_cls (eq. 8); L_prop = mean over the K detectors of the binary cross-entropy */
  override trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar {
    checkInput(this.name, x, this.inputShape);
    const { logits, detectorLogits } = this.run(x, true, info.rng);
    const onehot = tf.oneHot(tf.cast(y, 'int32'), this.classes);
    const lcls = crossEntropy(logits, y, this.classes);
    // mean over samples and over the K detectors = (1/K) Σ_k mean_i BCE
    const lprop = tf.losses.sigmoidCrossEntropy(onehot, detectorLogits) as tf.Scalar;
    return tf.add(tf.mul(lprop, this.lambda), lcls) as tf.Scalar;
  }
}

export const fr: NetworkFactory = (opts) => new FrNetwork(opts as FrOptions);
