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
 * weight import can map them one to one (`loadStstnetPth`). Initialisation
 * is PyTorch's default (`init: 'torch'`, src/nets/torchInit.ts), as the
 * authors trained; Keras/tfjs's Glorot is kept as `init: 'glorot'`.
 */
import * as tf from './tf.ts';
import { MerError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { requireTensor, type TensorMap } from './pth.ts';
import { FastBatchNorm } from './fastBatchNorm.ts';
import { ReluBnPool } from './fusedHead.ts';
import { PlainConv2D } from './plainConv.ts';
import { layersNetwork } from './layersNetwork.ts';
import { torchDefaultUniform } from './torchInit.ts';
import type { Network, NetworkBuildOptions } from './types.ts';

/** Input side (pixels) of the flow image. */
export const STSTNET_INPUT_SIZE = 28;
/** Filters per stream (conv1, conv2, conv3). */
export const STSTNET_FILTERS = [3, 5, 8] as const;
/** Zero padding of the convolutions (nn.Conv2d(padding=2)). */
const CONV_PADDING = 2;
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
  /**
   * 'fast' (default): FastBatchNorm (src/nets/fastBatchNorm.ts: fused
   * training kernels, PyTorch's unbiased running variance); 'tfjs':
   * tf.layers.batchNormalization (reference for tests)
   */
  batchNorm?: 'fast' | 'tfjs';
  /**
   * 'streams' (default): the published module layout, one conv/bn/pool per
   * stream (layer names conv1…3, bn1…3, as in the PyTorch code);
   * 'fused': the three streams as ONE bias-free 16-filter conv ('conv')
   * followed by one ReluBnPool layer ('head': bias, ReLU, BatchNorm,
   * max-pool, dropout and the avg-pool with one fused training kernel,
   * src/nets/kernels/reluBnPool.ts). The same function — the streams share
   * the input, every later op before the concat is per channel, and the
   * concat order [3 | 5 | 8] is the fused channel order — at a fraction of
   * the cost (used for training). `batchNorm` applies to 'streams' only.
   */
  layout?: 'streams' | 'fused';
  /**
   * 'torch' (default): PyTorch's default init of nn.Conv2d / nn.Linear, the
   * authors' (main.py resets every layer with reset_parameters()): weights
   * and biases U(±1/√fan_in) — conv ±1/√27, fc ±1/√400 (src/nets/torchInit.ts).
   * 'glorot': the Keras/tfjs default (Glorot-uniform kernels, zero biases),
   * what merkit used before; kept for the ablation in bench/train-fidelity.ts.
   */
  init?: 'torch' | 'glorot';
}

// ---------------------------------------------------------------------------
// Custom layers

/**
 * A layer whose whole serialised state is its config object: getConfig()
 * returns it (name aside, which the base layer records), so a saved model
 * rebuilds the layer from exactly what it was built with.
 */
abstract class ConfigLayer<C extends { name?: string }> extends tf.layers.Layer {
  protected readonly cfg: Omit<C, 'name'>;

  constructor(config: C) {
    super({ name: config.name });
    const { name: _name, ...rest } = config;
    this.cfg = rest;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.cfg as tf.serialization.ConfigDict) };
  }
}

/** Max-pool with symmetric numeric padding that never wins (PyTorch nn.MaxPool2d semantics, floor mode). */
export class PaddedMaxPool2D extends ConfigLayer<{ poolSize: number; strides: number; pad: number; name?: string }> {
  static className = 'MerkitPaddedMaxPool2D';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const { poolSize, strides, pad } = this.cfg;
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const side = (n: number | null) => (n === null ? null : Math.floor((n + 2 * pad - poolSize) / strides) + 1);
    return [s[0], side(s[1]), side(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.maxPool(x, this.cfg.poolSize, this.cfg.strides, this.cfg.pad);
  }
}
tf.serialization.registerClass(PaddedMaxPool2D);

/** Element-wise dropout (nn.Dropout), active only in training; masks seeded from an Rng. */
export class SeededDropout extends ConfigLayer<{ rate: number; seed: number; name?: string }> {
  static className = 'MerkitSeededDropout';
  private rng = new Rng(this.cfg.seed);

  /** restart the mask sequence (e.g. at the start of a reproducible run) */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs['training'] !== true || this.cfg.rate <= 0) return x;
    return tf.dropout(x, this.cfg.rate, undefined, this.rng.nextUint32());
  }
}
tf.serialization.registerClass(SeededDropout);

// ---------------------------------------------------------------------------
// Model

/**
 * Build STSTNet (untrained: conv/fc weights from the seeded `init` —
 * PyTorch's default unless 'glorot'; BatchNorm gamma 1, beta 0, moving mean
 * 0, variance 1). Input [N, 28, 28, 3], output logits [N, classes].
 */
export function buildStstnet(opts: StstnetOptions = {}): tf.LayersModel {
  const init = opts.init ?? 'torch';
  if (init !== 'torch' && init !== 'glorot') throw new MerError('BAD_OPTION', `STSTNet init ${String(init)}`, { expected: "'torch' or 'glorot'" });
  const model = buildGlorot(opts);
  if (init === 'torch') setTorchInit(model, opts.seed ?? 0);
  return model;
}

/**
 * Overwrite conv and fc weights and biases with PyTorch's default init
 * (U(±1/√fan_in), fan_in 3·3·3 = 27 for the convs, 400 for fc), drawn per
 * stream from an Rng of the seed, so both layouts start from the same values.
 */
function setTorchInit(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(`ststnet/torch-init/${seed}`);
  const classes = model.outputs[0].shape[1] as number;
  const convFanIn = 3 * 3 * 3;
  const streams = STSTNET_FILTERS.map((f) => ({
    kernel: { shape: [3, 3, 3, f] as readonly number[], data: torchDefaultUniform(9 * 3 * f, convFanIn, rng) },
    bias: { shape: [f] as readonly number[], data: torchDefaultUniform(f, convFanIn, rng) },
  }));
  const fcIn = STSTNET_FILTERS.reduce((a, b) => a + b, 0) * POOLED_SIDE * POOLED_SIDE;
  const net = layersNetwork(model);
  const w = new Map([...net.getWeights()].map(([k, t]) => [k, { shape: t.shape as readonly number[], data: t.dataSync() as Float32Array }]));
  if (w.has('conv/kernel')) {
    w.set('conv/kernel', concatLast(streams.map((s) => s.kernel)));
    w.set('head/bias', concatLast(streams.map((s) => s.bias)));
  } else {
    streams.forEach((s, k) => {
      w.set(`conv${k + 1}/kernel`, s.kernel);
      w.set(`conv${k + 1}/bias`, s.bias);
    });
  }
  w.set('fc/kernel', { shape: [fcIn, classes], data: torchDefaultUniform(fcIn * classes, fcIn, rng) });
  w.set('fc/bias', { shape: [classes], data: torchDefaultUniform(classes, fcIn, rng) });
  net.setWeights(w);
}

/** The model with Keras/tfjs's default init (Glorot-uniform kernels from the seed, zero biases). */
function buildGlorot(opts: StstnetOptions): tf.LayersModel {
  const classes = opts.classes ?? 3;
  const rate = opts.dropout ?? 0.5;
  const seed = opts.seed ?? 0;
  if (!(Number.isInteger(classes) && classes >= 2)) throw new MerError('BAD_OPTION', `STSTNet classes ${classes}`, { expected: 'an integer ≥ 2' });
  if (!(rate >= 0 && rate < 1)) throw new MerError('BAD_OPTION', `STSTNet dropout ${rate}`, { expected: 'a rate in [0, 1)' });
  const rng = new Rng(seed);
  const input = tf.input({ shape: [STSTNET_INPUT_SIZE, STSTNET_INPUT_SIZE, 3], name: 'flow' });
  // 'streams' pads with a layer; 'fused' pads inside its conv (no separate pad op)
  const padded = () => tf.layers.zeroPadding2d({ padding: CONV_PADDING, name: 'pad' }).apply(input) as tf.SymbolicTensor;
  const makeBn = (name: string) =>
    opts.batchNorm === 'tfjs'
      ? tf.layers.batchNormalization({ axis: -1, epsilon: BN_EPSILON, momentum: BN_MOMENTUM_KERAS, name })
      : new FastBatchNorm({ epsilon: BN_EPSILON, momentum: 1 - BN_MOMENTUM_KERAS, name });
  if (opts.layout === 'fused') {
    const channels = STSTNET_FILTERS.reduce((a, b) => a + b, 0);
    // each stream's kernel from its own Glorot draw (fan_out = 9·filters of that stream), as in 'streams'
    const seeds = STSTNET_FILTERS.map(() => [rng.nextUint32(), rng.nextUint32()]);
    const kernel = tf.tidy(() =>
      tf.concat(STSTNET_FILTERS.map((f, k) => tf.initializers.glorotUniform({ seed: seeds[k][0] }).apply([3, 3, 3, f]) as tf.Tensor4D), 3),
    );
    const convLayer = new PlainConv2D({ filters: channels, kernelSize: 3, padding: CONV_PADDING, name: 'conv' });
    let x = convLayer.apply(input) as tf.SymbolicTensor;
    // conv bias → ReLU → BatchNorm → max-pool 3/3 pad 1 → dropout → avg-pool 2, one fused layer
    x = new ReluBnPool({ poolSize: 3, poolStride: 3, poolPad: 1, rate, epsilon: BN_EPSILON, momentum: 1 - BN_MOMENTUM_KERAS, seed: seeds[0][1], name: 'head' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextUint32() }), name: 'fc' })
      .apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out, name: 'ststnet' });
    convLayer.setWeights([kernel]);
    kernel.dispose();
    return model;
  }
  const paddedInput = padded();
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
      .apply(paddedInput) as tf.SymbolicTensor;
    x = makeBn(`bn${i}`).apply(x) as tf.SymbolicTensor;
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
  const fused = model.layers.some((l) => l.name === 'conv');
  layersNetwork(model).setWeights(ststnetPthToWeights(tensors, file, classes, fused ? 'fused' : 'streams'));
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

/**
 * STSTNet as a trainable Network (the NetworkFactory of the `ststnet`
 * recipe): options classes, seed, and optionally dropout, batchNorm,
 * layout (default 'fused': the fast, equivalent layout) and init (default
 * 'torch').
 */
export function ststnetNetwork(opts: NetworkBuildOptions): Network {
  const model = buildStstnet({
    classes: opts.classes,
    seed: opts.seed,
    dropout: typeof opts.dropout === 'number' ? opts.dropout : undefined,
    batchNorm: opts.batchNorm === 'tfjs' ? 'tfjs' : 'fast',
    layout: opts.layout === 'streams' ? 'streams' : 'fused',
    init: opts.init === 'glorot' ? 'glorot' : 'torch',
  });
  return layersNetwork(model, { name: 'ststnet' });
}

/** concatenate same-shaped-but-last-axis arrays along the last axis */
function concatLast(parts: { shape: readonly number[]; data: Float32Array }[]): { shape: readonly number[]; data: Float32Array } {
  const lead = parts[0].shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const widths = parts.map((p) => p.shape[p.shape.length - 1]);
  const total = widths.reduce((a, b) => a + b, 0);
  const data = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let off = r * total;
    parts.forEach((p, k) => {
      data.set(p.data.subarray(r * widths[k], (r + 1) * widths[k]), off);
      off += widths[k];
    });
  }
  return { shape: [...lead, total], data };
}

/**
 * A PyTorch STSTNet state dict (from `readPth`) as weights by merkit name
 * (those of layersNetwork(buildStstnet({layout})).getWeights()): conv OIHW →
 * HWIO; fc [classes, 400] over the NCHW flatten → [400, classes] over the
 * NHWC flatten; BatchNorm weight/bias/running_mean/running_var → gamma/beta/
 * moving_mean/moving_variance; for the fused layout the three streams are
 * concatenated along the channel axis. A missing or misshapen tensor throws
 * a MerError naming it.
 */
export function ststnetPthToWeights(tensors: TensorMap, file?: string, classes = 3, layout: 'streams' | 'fused' = 'fused'): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const channels = STSTNET_FILTERS.reduce((a, b) => a + b, 0);
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const bnNames = [['weight', 'gamma'], ['bias', 'beta'], ['running_mean', 'moving_mean'], ['running_var', 'moving_variance']];
  const perStream = STSTNET_FILTERS.map((f, k) => {
    const i = k + 1;
    const w = requireTensor(tensors, `conv${i}.weight`, [f, 3, 3, 3], file);
    const m = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    m.set('kernel', { shape: [3, 3, 3, f], data: oihwToHwio(w.data, w.shape) });
    m.set('bias', { shape: [f], data: requireTensor(tensors, `conv${i}.bias`, [f], file).data });
    for (const [p, q] of bnNames) m.set(q, { shape: [f], data: requireTensor(tensors, `bn${i}.${p}`, [f], file).data });
    return m;
  });
  if (layout === 'fused') {
    out.set('conv/kernel', concatLast(perStream.map((m) => m.get('kernel')!)));
    out.set('head/bias', concatLast(perStream.map((m) => m.get('bias')!)));
    for (const [, q] of bnNames) out.set(`head/${q}`, concatLast(perStream.map((m) => m.get(q)!)));
  } else {
    perStream.forEach((m, k) => {
      for (const n of ['kernel', 'bias']) out.set(`conv${k + 1}/${n}`, m.get(n)!);
      for (const [, q] of bnNames) out.set(`bn${k + 1}/${q}`, m.get(q)!);
    });
  }
  const n = channels * POOLED_SIDE * POOLED_SIDE;
  const fc = requireTensor(tensors, 'fc.weight', [classes, n], file);
  out.set('fc/kernel', { shape: [n, classes], data: linearNchwToNhwc(fc.data, classes, channels, POOLED_SIDE, POOLED_SIDE) });
  out.set('fc/bias', { shape: [classes], data: requireTensor(tensors, 'fc.bias', [classes], file).data });
  return out;
}
