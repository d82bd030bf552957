/**
 * EMR (Liu, Du, Zheng, Gedeon: "A neural micro-expression recognizer",
 * FG 2019 — MEGC 2019 winner; ../shared/papers/emr-neural-micro-expression-recognizer.txt),
 * with the details the paper leaves out taken from the authors' public code
 * (github.com/xiaobaishu0097/MEGC2019: Model/Model_VGGFace.py, Train/main.py).
 *
 * - Encoder: ResNet-18 on the onset→apex flow image (src/nets/resnet.ts). The
 *   paper starts from ImageNet weights; they cannot be downloaded here (the
 *   recipe pre-trains on the CK+ macro task instead, src/recipes/emr.ts).
 * - Input: [N, S, S, 3] in [0, 1], normalised as the authors' transform does
 *   ((x − 0.5) / 0.5), then bilinearly resized to `size` inside the network
 *   when S differs (28×28 dev-set flow images → 64: a 2×2 final map; flows
 *   computed from frames come at ≥ 112 px).
 * - Part-based pooling (paper §II-C; code: `top = x[:, :, :3]`, `bottom =
 *   x[:, :, 3:]` of the 7-row map of a 224 input): the final map's first
 *   round(3h/7) rows are the top (eyes) part, the rest the bottom (mouth);
 *   each is average-pooled → FC 64 → tanh → dropout 0.1 (the code's FC_3),
 *   → FC classes (L_t, L_b); the two 64-d features are concatenated → FC
 *   classes (L_c; this head is the prediction).
 * - Adversarial domain adaptation (§II-D): the concatenated 128-d feature →
 *   gradient reversal → discriminator FC 64 → ReLU → dropout 0.5 → FC 32 →
 *   ReLU → dropout 0.5 → FC 1, binary cross-entropy on the domain (the code:
 *   macro 0, micro 1). The reversal's coefficient follows the authors' DANN
 *   ramp 2·h / (1 + exp(−10·i / 10000)) − h with h = `grlHigh` (1) and i the
 *   training step (1-based), so the loss is L_t + L_b + L_c + L_adv with the
 *   encoder receiving −coefficient·∂L_adv. Macro-expression samples are
 *   ordinary training rows tagged 1 (TrainData.tags); they contribute the
 *   three classification losses too (shared label space, as in the paper).
 *   Batches without a macro row (or without tags) have no adversarial term.
 * - Linear layers: xavier-normal weights, zero biases (the code's weight_init).
 */
import * as tf from './tf.ts';
import type { Rng } from '../core/rng.ts';
import { checkClasses, checkInput, crossEntropy, denseLayer, dropout, gradientReversal, StoreNetwork } from './blocks.ts';
import { resnet18Encoder } from './resnet.ts';
import type { NetworkBuildOptions, NetworkFactory, TrainStepInfo } from './types.ts';

/** side of the dev set's flow images */
export const EMR_INPUT_SIZE = 28;
/** internal input side for 28×28 flow images: ResNet-18 reduces by 32, so 64 gives a 2×2 final map (top row, bottom row) */
export const EMR_SIZE = 64;
/** width of each part branch's FC (the authors' FC_3: Linear(512, 64)) */
export const EMR_PART_HIDDEN = 64;
/** dropout after each part branch's tanh (the authors' FC_3) */
export const EMR_PART_DROPOUT = 0.1;
/** discriminator hidden widths and dropout (authors' main.py) */
export const EMR_DISC_HIDDEN = [64, 32] as const;
export const EMR_DISC_DROPOUT = 0.5;
/** rows of the final map that form the top part: 3 of 7 in the authors' code (224 input, 7×7 map) */
export const EMR_TOP_FRACTION = 3 / 7;
/** the authors' ReverseLayerF ramp: high 1.0, alpha 10, max_iter 10000 */
export const EMR_GRL = { high: 1, alpha: 10, maxIter: 10000 } as const;
/** domain labels of the authors' loader: macro (CK+) 0, micro 1 */
export const DOMAIN_MACRO_TAG = 1;

/** The gradient-reversal coefficient at training step `i` (1-based), the authors' DANN ramp. */
export function grlCoefficient(i: number, high: number = EMR_GRL.high): number {
  return (2 * high) / (1 + Math.exp((-EMR_GRL.alpha * i) / EMR_GRL.maxIter)) - high;
}

export interface EmrOptions extends NetworkBuildOptions {
  /** side of the input rows (default 28) */
  inputSize?: number;
  /** internal side the input is resized to (default: the input side, at least 64 — a 2×2 final map) */
  size?: number;
  /** ResNet width (default 64 = ResNet-18) */
  width?: number;
  /** the ramp's top value h of the reversal coefficient (default 1, the authors') */
  grlHigh?: number;
  partHidden?: number;
  inputChannels?: number;
}

interface EmrHeads {
  top: tf.Tensor2D;
  bottom: tf.Tensor2D;
  joint: tf.Tensor2D;
  feature: tf.Tensor2D;
}

/** Rows of an h-row map in the top part (at least one on each side). */
export function topRows(h: number): number {
  return Math.min(h - 1, Math.max(1, Math.round(EMR_TOP_FRACTION * h)));
}

export class EmrNetwork extends StoreNetwork {
  readonly grlHigh: number;
  private readonly heads: (x: tf.Tensor4D, training: boolean, rng?: Rng) => EmrHeads;
  private readonly disc: (f: tf.Tensor2D, rng: Rng) => tf.Tensor2D;

  constructor(o: EmrOptions) {
    const classes = checkClasses('emr', o.classes);
    const cin = o.inputChannels ?? 3;
    const side = o.inputSize ?? EMR_INPUT_SIZE;
    super('emr', [side, side, cin], classes, o.seed);
    this.grlHigh = o.grlHigh ?? EMR_GRL.high;
    const size = o.size ?? Math.max(EMR_SIZE, side);
    const hid = o.partHidden ?? EMR_PART_HIDDEN;
    const enc = resnet18Encoder(this.ps, cin, o.width ?? 64);
    const lin = { init: 'glorotNormal' as const };
    const topFc = denseLayer(this.ps, 'top_fc1', enc.channels, hid, lin);
    const topOut = denseLayer(this.ps, 'top_fc2', hid, classes, lin);
    const botFc = denseLayer(this.ps, 'bottom_fc1', enc.channels, hid, lin);
    const botOut = denseLayer(this.ps, 'bottom_fc2', hid, classes, lin);
    const joint = denseLayer(this.ps, 'concat_fc', 2 * hid, classes, lin);
    const d1 = denseLayer(this.ps, 'disc_fc1', 2 * hid, EMR_DISC_HIDDEN[0], { ...lin, activation: 'relu' });
    const d2 = denseLayer(this.ps, 'disc_fc2', EMR_DISC_HIDDEN[0], EMR_DISC_HIDDEN[1], { ...lin, activation: 'relu' });
    const d3 = denseLayer(this.ps, 'disc_fc3', EMR_DISC_HIDDEN[1], 1, lin);
    this.disc = (f, rng) => d3(dropout(d2(dropout(d1(f), EMR_DISC_DROPOUT, true, rng)), EMR_DISC_DROPOUT, true, rng));
    this.heads = (x, training, rng) => {
      const norm = tf.div(tf.sub(x, 0.5), 0.5) as tf.Tensor4D;
      const big = size === side ? norm : (tf.image.resizeBilinear(norm, [size, size]) as tf.Tensor4D);
      const fm = enc.apply(big, training);
      const [n, h, w, c] = fm.shape;
      const t = topRows(h);
      const topPool = tf.mean(tf.slice(fm, [0, 0, 0, 0], [n, t, w, c]), [1, 2]) as tf.Tensor2D;
      const botPool = tf.mean(tf.slice(fm, [0, t, 0, 0], [n, h - t, w, c]), [1, 2]) as tf.Tensor2D;
      const ft = dropout(tf.tanh(topFc(topPool)), EMR_PART_DROPOUT, training, rng);
      const fb = dropout(tf.tanh(botFc(botPool)), EMR_PART_DROPOUT, training, rng);
      const feature = tf.concat([ft, fb], 1) as tf.Tensor2D;
      return { top: topOut(ft), bottom: botOut(fb), joint: joint(feature), feature };
    };
  }

  forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    return this.heads(x, training, rng).joint;
  }

  /** L_t + L_b + L_c, plus the domain loss through the reversal when the batch holds both domains (tags) */
  override trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar {
    checkInput(this.name, x, this.inputShape);
    const h = this.heads(x, true, info.rng);
    const yi = tf.cast(y, 'int32') as tf.Tensor1D;
    let loss = tf.addN([crossEntropy(h.top, yi, this.classes), crossEntropy(h.bottom, yi, this.classes), crossEntropy(h.joint, yi, this.classes)]) as tf.Scalar;
    const tags = info.tags;
    if (tags && tags.some((t) => t === DOMAIN_MACRO_TAG)) {
      // the authors' domain label: macro 0, micro 1
      const domain = tf.tensor2d(Float32Array.from(tags, (t) => (t === DOMAIN_MACRO_TAG ? 0 : 1)), [tags.length, 1]);
      const coeff = grlCoefficient(info.step + 1, this.grlHigh);
      const dl = tf.losses.sigmoidCrossEntropy(domain, this.disc(gradientReversal(h.feature, coeff), info.rng)) as tf.Scalar;
      loss = tf.add(loss, dl) as tf.Scalar;
    }
    return loss;
  }
}

export const emr: NetworkFactory = (opts) => new EmrNetwork(opts as EmrOptions);
