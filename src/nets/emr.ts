/**
 * EMR (Liu, Liu, Zhang, Zhang, Liu: "A neural micro-expression recognizer",
 * FG 2019 — MEGC 2019 winner; ../shared/papers/emr-neural-micro-expression-recognizer.txt).
 *
 * - Encoder: ResNet-18 on the onset→apex flow (src/nets/resnet.ts). The
 *   paper starts from ImageNet weights; they cannot be downloaded here, so
 *   the encoder starts from He init — pre-train it on the macro-expression
 *   source instead (train this network on CK+ flow images first, then
 *   `setWeights`), or rely on the adversarial macro-domain term below.
 * - Input size: the 28×28 flow image is bilinearly upsampled to 64×64
 *   (`size`) inside the network. Why 64: ResNet-18 reduces by 32, so 64
 *   gives a 2×2 final map (one row for the top = eyes part, one for the
 *   bottom = mouth part) at ≈ 0.15 GFLOP per forward pass — 12× cheaper than
 *   224×224 and trainable on a 2-core CPU; 56 would give the same 2×2 map.
 * - Part-based pooling: the final map's rows are split into top and bottom
 *   halves, each average-pooled → FC (256, ReLU) → FC classes (L_t, L_b);
 *   the two 256-d FC outputs are concatenated → FC classes (L_c; this head
 *   is the prediction).
 * - Adversarial domain adaptation: the concatenated 512-d vector → gradient
 *   reversal (λ) → discriminator FC (256, ReLU) → FC 1 (micro = 0, macro = 1).
 *   Minimising L_t + L_b + L_c + L_disc with the reversal is the paper's
 *   L_t + L_b + L_c − λ·L_adv for the encoder (the discriminator itself
 *   minimises L_adv). Active when a macro-domain `source` (flow images of
 *   CK+, relabelled to the same classes) is given: each step draws as many
 *   source samples as the batch from the step's Rng; source samples also
 *   contribute L_t, L_b, L_c (they share the label space, as in the paper).
 */
import * as tf from './tf.ts';
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { checkClasses, checkInput, crossEntropy, denseLayer, gradientReversal, StoreNetwork } from './blocks.ts';
import { resnet18Encoder } from './resnet.ts';
import type { NetworkBuildOptions, NetworkFactory, TrainStepInfo } from './types.ts';

export const EMR_INPUT_SIZE = 28;
/** internal input side (see the header) */
export const EMR_SIZE = 64;
/** width of each part branch's first FC (not given in the paper) */
export const EMR_PART_HIDDEN = 256;
/** gradient-reversal weight λ (not given in the paper; DANN's usual 1 is too strong for 442 clips) */
export const EMR_LAMBDA = 0.1;

export interface EmrSource {
  /** NHWC [n, 28, 28, 3] flow images of the macro-expression domain */
  x: Float32Array;
  /** class index per source sample (relabelled to the micro-expression classes) */
  y: Int32Array;
}

export interface EmrOptions extends NetworkBuildOptions {
  /** internal input side (default 64) */
  size?: number;
  /** ResNet width (default 64 = ResNet-18) */
  width?: number;
  lambda?: number;
  partHidden?: number;
  inputChannels?: number;
  source?: EmrSource;
}

interface EmrHeads {
  top: tf.Tensor2D;
  bottom: tf.Tensor2D;
  joint: tf.Tensor2D;
  feature: tf.Tensor2D;
}

export class EmrNetwork extends StoreNetwork {
  readonly lambda: number;
  private readonly source?: EmrSource;
  private readonly heads: (x: tf.Tensor4D, training: boolean) => EmrHeads;
  private readonly disc: (f: tf.Tensor2D) => tf.Tensor2D;

  constructor(o: EmrOptions) {
    const classes = checkClasses('emr', o.classes);
    const cin = o.inputChannels ?? 3;
    super('emr', [EMR_INPUT_SIZE, EMR_INPUT_SIZE, cin], classes, o.seed);
    this.lambda = o.lambda ?? EMR_LAMBDA;
    const size = o.size ?? EMR_SIZE;
    const hid = o.partHidden ?? EMR_PART_HIDDEN;
    if (o.source) {
      const per = EMR_INPUT_SIZE * EMR_INPUT_SIZE * cin;
      if (o.source.y.length === 0 || o.source.x.length !== o.source.y.length * per) {
        throw new MerError('BAD_INPUT', `EMR macro-domain source has ${o.source.x.length} values for ${o.source.y.length} labels`, { expected: `${per} values per sample` });
      }
      this.source = o.source;
    }
    const enc = resnet18Encoder(this.ps, cin, o.width ?? 64);
    const topFc = denseLayer(this.ps, 'top_fc1', enc.channels, hid, { activation: 'relu' });
    const topOut = denseLayer(this.ps, 'top_fc2', hid, classes);
    const botFc = denseLayer(this.ps, 'bottom_fc1', enc.channels, hid, { activation: 'relu' });
    const botOut = denseLayer(this.ps, 'bottom_fc2', hid, classes);
    const joint = denseLayer(this.ps, 'concat_fc', 2 * hid, classes);
    const d1 = denseLayer(this.ps, 'disc_fc1', 2 * hid, hid, { activation: 'relu' });
    const d2 = denseLayer(this.ps, 'disc_fc2', hid, 1);
    this.disc = (f) => d2(d1(f));
    this.heads = (x, training) => {
      const big = size === EMR_INPUT_SIZE ? x : (tf.image.resizeBilinear(x, [size, size]) as tf.Tensor4D);
      const fm = enc.apply(big, training);
      const [n, h, w, c] = fm.shape;
      const half = Math.floor(h / 2);
      if (half < 1) throw new MerError('BAD_OPTION', `EMR feature map is ${h}×${w}: too small to split top/bottom`, { expected: 'size ≥ 64' });
      const topPool = tf.mean(tf.slice(fm, [0, 0, 0, 0], [n, half, w, c]), [1, 2]) as tf.Tensor2D;
      const botPool = tf.mean(tf.slice(fm, [0, half, 0, 0], [n, h - half, w, c]), [1, 2]) as tf.Tensor2D;
      const ft = topFc(topPool);
      const fb = botFc(botPool);
      const feature = tf.concat([ft, fb], 1) as tf.Tensor2D;
      return { top: topOut(ft), bottom: botOut(fb), joint: joint(feature), feature };
    };
  }

  forward(x: tf.Tensor4D, training: boolean, _rng?: Rng): tf.Tensor2D {
    return this.heads(x, training).joint;
  }

  /** L_t + L_b + L_c (+ the discriminator loss through gradient reversal when a source is given) */
  override trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar {
    checkInput(this.name, x, this.inputShape);
    let xin = x;
    let yin = y;
    const n = x.shape[0];
    let m = 0;
    if (this.source) {
      const per = x.shape[1] * x.shape[2] * x.shape[3];
      const total = this.source.y.length;
      m = n;
      const xs = new Float32Array(m * per);
      const ys = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const j = info.rng.int(total);
        xs.set(this.source.x.subarray(j * per, (j + 1) * per), i * per);
        ys[i] = this.source.y[j];
      }
      xin = tf.concat([x, tf.tensor4d(xs, [m, x.shape[1], x.shape[2], x.shape[3]])], 0);
      yin = tf.concat([tf.cast(y, 'int32'), tf.tensor1d(ys, 'int32')], 0);
    }
    const h = this.heads(xin, true);
    let loss = tf.addN([crossEntropy(h.top, yin, this.classes), crossEntropy(h.bottom, yin, this.classes), crossEntropy(h.joint, yin, this.classes)]) as tf.Scalar;
    if (m > 0) {
      const domain = tf.concat([tf.zeros([n, 1]), tf.ones([m, 1])], 0);
      const dl = tf.losses.sigmoidCrossEntropy(domain, this.disc(gradientReversal(h.feature, this.lambda))) as tf.Scalar;
      loss = tf.add(loss, dl) as tf.Scalar;
    }
    return loss;
  }
}

export const emr: NetworkFactory = (opts) => new EmrNetwork(opts as EmrOptions);
