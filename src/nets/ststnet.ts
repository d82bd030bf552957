/**
 * STSTNet: Shallow Triple Stream Three-dimensional CNN (Liong, Gan, See,
 * Khor, Huang: "Shallow Triple Stream Three-dimensional CNN (STSTNet) for
 * Micro-expression Recognition", FG 2019), exactly as published in the
 * authors' PyTorch code (github.com/christy1206/STSTNet, main.py):
 *
 *   input 28×28×3 (the flow image u, v, strain as read by cv2.imread: BGR,
 *   raw 0–255, no normalisation)
 *   three parallel streams, each: conv 3×3 (3 / 5 / 8 filters, padding 2,
 *   bias) → ReLU → BatchNorm (eps 1e-5) → max-pool 3×3 stride 3 padding 1
 *   → dropout 0.5
 *   concatenate (3 + 5 + 8 = 16 channels, 10×10) → avg-pool 2×2 stride 2
 *   → flatten (5·5·16 = 400) → dense 400 → 3 (logits; softmax in the loss)
 *
 * merkit runs NHWC, so the model is a tf.LayersModel on [N, 28, 28, 3].
 * Two details need custom layers to match PyTorch bit for bit:
 * - PyTorch's max-pool pads with −∞ (padding 1 on the 30×30 conv output
 *   gives 10×10); tfjs layers only offer 'valid'/'same', which would place
 *   the windows differently, so `PaddedMaxPool2D` calls tf.maxPool with a
 *   numeric pad (padding never wins, as in PyTorch).
 * - tfjs's Dropout layer draws masks from an unseeded generator; `SeededDropout`
 *   draws each mask's seed from a merkit Rng so training is reproducible.
 *
 * Layer names follow the PyTorch module names (conv1, bn1, …, fc) so the
 * weight import can map them one to one (`loadStstnetPth`).
 */
import * as tf from '@tensorflow/tfjs';
import { MerError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { requireTensor, type TensorMap } from './pth.ts';

/** Input side (pixels) of the flow image. */
export const STSTNET_INPUT_SIZE = 28;
/** Filters per stream (conv1, conv2, conv3). */
export const STSTNET_FILTERS = [3, 5, 8] as const;
/** Spatial side after conv (28 + 2·2 − 3 + 1 = 30), max-pool (10) and avg-pool (5). */
const POOLED_SIDE = 5;
/** PyTorch BatchNorm2d defaults: eps 1e-5; momentum 0.1 ⇒ Keras momentum 0.9. */
const BN_EPSILON = 1e-5;
const BN_MOMENTUM_KERAS = 0.9;

export interface StstnetOptions {
  /** output classes (default 3: negative, positive, surprise) */
  classes?: number;
  /** dropout rate after each max-pool (default 0.5, as published) */
  dropout?: number;
  /** seed of the weight initialisation and of the dropout masks (default 0) */
  seed?: number;
}

// ---------------------------------------------------------------------------
// Custom layers

interface PaddedMaxPoolConfig {
  poolSize: number;
  strides: number;
  pad: number;
  name?: string;
}

/** Max-pool with symmetric numeric padding that never wins (PyTorch nn.MaxPool2d semantics, floor mode). */
export class PaddedMaxPool2D extends tf.layers.Layer {
  static className = 'MerkitPaddedMaxPool2D';
  readonly poolSize: number;
  readonly strides: number;
  readonly pad: number;

  constructor(config: PaddedMaxPoolConfig) {
    super({ name: config.name });
    this.poolSize = config.poolSize;
    this.strides = config.strides;
    this.pad = config.pad;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const side = (n: number | null) => (n === null ? null : Math.floor((n + 2 * this.pad - this.poolSize) / this.strides) + 1);
    return [s[0], side(s[1]), side(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.maxPool(x, this.poolSize, this.strides, this.pad);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, pad: this.pad };
  }
}
tf.serialization.registerClass(PaddedMaxPool2D);

interface SeededDropoutConfig {
  rate: number;
  seed: number;
  name?: string;
}

/** Element-wise dropout (nn.Dropout), active only in training; masks seeded from an Rng. */
export class SeededDropout extends tf.layers.Layer {
  static className = 'MerkitSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private rng: Rng;

  constructor(config: SeededDropoutConfig) {
    super({ name: config.name });
    this.rate = config.rate;
    this.seed = config.seed;
    this.rng = new Rng(config.seed);
  }

  /** restart the mask sequence (e.g. at the start of a reproducible run) */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs['training'] !== true || this.rate <= 0) return x;
    return tf.dropout(x, this.rate, undefined, this.rng.nextUint32());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

// ---------------------------------------------------------------------------
// Model

/**
 * Build STSTNet (untrained: weights from a seeded Glorot/zeros initialiser;
 * BatchNorm gamma 1, beta 0, moving mean 0, variance 1). Input [N, 28, 28, 3],
 * output logits [N, classes].
 */
export function buildStstnet(opts: StstnetOptions = {}): tf.LayersModel {
  const classes = opts.classes ?? 3;
  const rate = opts.dropout ?? 0.5;
  const seed = opts.seed ?? 0;
  if (!(Number.isInteger(classes) && classes >= 2)) throw new MerError('BAD_OPTION', `STSTNet classes ${classes}`, { expected: 'an integer ≥ 2' });
  if (!(rate >= 0 && rate < 1)) throw new MerError('BAD_OPTION', `STSTNet dropout ${rate}`, { expected: 'a rate in [0, 1)' });
  const rng = new Rng(seed);
  const input = tf.input({ shape: [STSTNET_INPUT_SIZE, STSTNET_INPUT_SIZE, 3], name: 'flow' });
  const padded = tf.layers.zeroPadding2d({ padding: 2, name: 'pad' }).apply(input) as tf.SymbolicTensor;
  const streams = STSTNET_FILTERS.map((filters, k) => {
    const i = k + 1;
    let x = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'valid',
        activation: 'relu',
        useBias: true,
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextUint32() }),
        name: `conv${i}`,
      })
      .apply(padded) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1, epsilon: BN_EPSILON, momentum: BN_MOMENTUM_KERAS, name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = new PaddedMaxPool2D({ poolSize: 3, strides: 3, pad: 1, name: `maxpool${i}` }).apply(x) as tf.SymbolicTensor;
    return new SeededDropout({ rate, seed: rng.nextUint32(), name: `dropout${i}` }).apply(x) as tf.SymbolicTensor;
  });
  let x = tf.layers.concatenate({ axis: -1, name: 'concat' }).apply(streams) as tf.SymbolicTensor;
  x = tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'avgpool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextUint32() }), name: 'fc' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'ststnet' });
}

/** conv weight [out, in, kh, kw] (PyTorch OIHW) → [kh, kw, in, out] (tfjs HWIO). */
export function oihwToHwio(w: Float32Array, shape: readonly number[]): Float32Array {
  const [o, i, h, wd] = shape;
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) out[((y * wd + x) * i + b) * o + a] = w[((a * i + b) * h + y) * wd + x];
  return out;
}

/**
 * linear weight [out, in] whose inputs are an NCHW flatten (c, h, w) →
 * tfjs dense kernel [in, out] whose rows are an NHWC flatten (h, w, c).
 */
export function linearNchwToNhwc(w: Float32Array, out: number, c: number, h: number, wd: number): Float32Array {
  const n = c * h * wd;
  const k = new Float32Array(n * out);
  for (let o = 0; o < out; o++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) k[((y * wd + x) * c + ch) * out + o] = w[o * n + (ch * h + y) * wd + x];
  return k;
}

/**
 * Put a PyTorch STSTNet state dict (names conv1.weight, …, bn3.running_var,
 * fc.bias; from `readPth`) into a model built by `buildStstnet`. Conv OIHW →
 * HWIO; fc [classes, 400] over the NCHW flatten → [400, classes] over the
 * NHWC flatten; BatchNorm weight/bias/running_mean/running_var → gamma/beta/
 * moving mean/moving variance (num_batches_tracked is not needed).
 * A missing or misshapen tensor throws a MerError naming it.
 */
export function loadStstnetPth(model: tf.LayersModel, tensors: TensorMap, file?: string): void {
  const classes = (model.outputs[0].shape[1] as number) ?? 3;
  const channels = STSTNET_FILTERS.reduce((a, b) => a + b, 0);
  tf.tidy(() => {
    STSTNET_FILTERS.forEach((f, k) => {
      const i = k + 1;
      const w = requireTensor(tensors, `conv${i}.weight`, [f, 3, 3, 3], file);
      const b = requireTensor(tensors, `conv${i}.bias`, [f], file);
      model.getLayer(`conv${i}`).setWeights([tf.tensor4d(oihwToHwio(w.data, w.shape), [3, 3, 3, f]), tf.tensor1d(b.data)]);
      const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => tf.tensor1d(requireTensor(tensors, `bn${i}.${p}`, [f], file).data));
      model.getLayer(`bn${i}`).setWeights(bn);
    });
    const fc = requireTensor(tensors, 'fc.weight', [classes, channels * POOLED_SIDE * POOLED_SIDE], file);
    const fb = requireTensor(tensors, 'fc.bias', [classes], file);
    const kernel = linearNchwToNhwc(fc.data, classes, channels, POOLED_SIDE, POOLED_SIDE);
    model.getLayer('fc').setWeights([tf.tensor2d(kernel, [channels * POOLED_SIDE * POOLED_SIDE, classes]), tf.tensor1d(fb.data)]);
  });
}

/**
 * STSTNet input from an interleaved 8-bit RGB(A) image (as decoded from the
 * flow PNG): 28×28, channels in the authors' cv2 order B, G, R, raw 0–255.
 */
export function ststnetInputFromRgb8(pixels: Uint8Array, width: number, height: number, channels: 3 | 4 = 3): Float32Array {
  if (width !== STSTNET_INPUT_SIZE || height !== STSTNET_INPUT_SIZE) {
    throw new MerError('BAD_INPUT', `STSTNet input is ${width}×${height}`, { expected: `${STSTNET_INPUT_SIZE}×${STSTNET_INPUT_SIZE} flow image` });
  }
  if (pixels.length !== width * height * channels) {
    throw new MerError('BAD_INPUT', `STSTNet input has ${pixels.length} values`, { expected: `${width}×${height}×${channels}` });
  }
  const n = width * height;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = pixels[channels * i + 2];
    out[3 * i + 1] = pixels[channels * i + 1];
    out[3 * i + 2] = pixels[channels * i];
  }
  return out;
}
