/**
 * Building blocks for the networks that implement the Network contract
 * directly (OFF-ApexNet, Dual-Inception, FR, EMR, TLCNN): a store of named
 * variables with deterministic (merkit Rng) initialisation, and small
 * functional layers over tfjs ops (conv, dense, BatchNorm, Inception-V1
 * block, LSTM, seeded dropout, gradient reversal).
 *
 * Layers are declared once at build time (their variables get stable names
 * `<layer>/<param>`, e.g. `u_inc1_b3x3/kernel`) and return a forward closure.
 * Everything is NHWC float32; kernels are HWIO like tf.conv2d.
 */
import * as tf from './tf.ts';
import { MerError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { Network, TrainStepInfo } from './types.ts';
import { batchNormTrain, updatedRunningStats } from './fastBatchNorm.ts';

export type Init = 'glorot' | 'glorotNormal' | 'he' | 'zeros' | 'ones' | { uniform: number };

/** PyTorch BatchNorm defaults: eps 1e-5, momentum 0.1 (new stat weight). */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Named variables with seeded initialisation; the whole weight state of a network. */
export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /**
   * Declare a variable. fanIn/fanOut drive 'glorot' (uniform ±sqrt(6/(in+out)),
   * Keras' default), 'glorotNormal' (normal, sd sqrt(2/(in+out)), torch's
   * xavier_normal_) and 'he' (normal, sd sqrt(2/in), the ResNet paper's init).
   */
  add(name: string, shape: number[], init: Init, opts: { trainable?: boolean; fanIn?: number; fanOut?: number } = {}): tf.Variable {
    if (this.vars.has(name)) throw new MerError('INTERNAL', `variable ${name} declared twice`);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanIn = opts.fanIn ?? shape[0];
    const fanOut = opts.fanOut ?? shape[shape.length - 1];
    if (init === 'ones') data.fill(1);
    else if (init === 'glorot') {
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) data[i] = this.rng.uniform(-lim, lim);
    } else if (init === 'glorotNormal') {
      // torch nn.init.xavier_normal_: sd = sqrt(2 / (fan_in + fan_out))
      const sd = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) data[i] = this.rng.normal(0, sd);
    } else if (init === 'he') {
      const sd = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) data[i] = this.rng.normal(0, sd);
    } else if (typeof init === 'object') {
      for (let i = 0; i < n; i++) data[i] = this.rng.uniform(-init.uniform, init.uniform);
    }
    // tfjs variable names are global to the engine: our stable names live in this map, tfjs gets a unique one
    // tf.variable shares the initial tensor's data and adds a reference: dispose the
    // initial tensor, or its data outlives the variable (a network's whole weight
    // size leaked per build, found by test/nets/memory.test.ts)
    const init0 = tf.tensor(data, shape, 'float32');
    const v = tf.variable(init0, opts.trainable ?? true);
    init0.dispose();
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new MerError('INTERNAL', `no variable ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  trainableVariables(): tf.Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  /** number of scalars (trainable only, or all including BatchNorm running stats) */
  countParams(trainableOnly = true): number {
    let n = 0;
    for (const v of this.vars.values()) if (!trainableOnly || v.trainable) n += v.size;
    return n;
  }

  getWeights(): Map<string, tf.Tensor> {
    return new Map([...this.vars.entries()].map(([k, v]) => [k, v as tf.Tensor]));
  }

  setWeights(weights: Map<string, { shape: readonly number[]; data: Float32Array }>, network: string): void {
    for (const [name, v] of this.vars) {
      const w = weights.get(name);
      if (!w) throw new MerError('BAD_INPUT', `${network}: weight ${name} is missing`, { expected: `shape [${v.shape.join(', ')}]` });
      const same = w.shape.length === v.shape.length && w.shape.every((d, i) => d === v.shape[i]);
      if (!same || w.data.length !== v.size) {
        throw new MerError('BAD_INPUT', `${network}: weight ${name} has shape [${w.shape.join(', ')}]`, { expected: `[${v.shape.join(', ')}]` });
      }
    }
    for (const [name, v] of this.vars) {
      const w = weights.get(name)!;
      const t = tf.tensor(w.data, [...v.shape], 'float32');
      v.assign(t); // assign adds a reference to t's data: release ours
      t.dispose();
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

export type Act = 'relu' | 'linear';

function act(x: tf.Tensor, a: Act): tf.Tensor {
  return a === 'relu' ? tf.relu(x) : x;
}

export interface ConvOptions {
  stride?: number;
  /** 'same' (default), 'valid', or a symmetric pad in pixels */
  padding?: 'same' | 'valid' | number;
  bias?: boolean;
  activation?: Act;
  init?: Init;
}

/** 2-D convolution, kernel `<name>/kernel` [k, k, cin, cout], bias `<name>/bias`. */
export function convLayer(ps: ParamStore, name: string, cin: number, cout: number, k: number, o: ConvOptions = {}): (x: tf.Tensor4D) => tf.Tensor4D {
  const w = ps.add(`${name}/kernel`, [k, k, cin, cout], o.init ?? 'glorot', { fanIn: k * k * cin, fanOut: k * k * cout });
  const b = o.bias === false ? undefined : ps.add(`${name}/bias`, [cout], 'zeros');
  const stride = o.stride ?? 1;
  const padding = o.padding ?? 'same';
  return (x) => {
    // a numeric pad goes into the convolution itself (no separate pad op):
    // the input gradient then covers only the real pixels — with a pad op,
    // ResNet's 2×2 maps padded to 4×4 made it 4× the forward's work
    let y: tf.Tensor = tf.conv2d(x, w as tf.Tensor4D, stride, padding);
    if (b) y = tf.add(y, b);
    return act(y, o.activation ?? 'linear') as tf.Tensor4D;
  };
}

/** Fully connected layer, `<name>/kernel` [nin, nout], `<name>/bias` [nout]. */
export function denseLayer(ps: ParamStore, name: string, nin: number, nout: number, o: { activation?: Act; init?: Init } = {}): (x: tf.Tensor2D) => tf.Tensor2D {
  const w = ps.add(`${name}/kernel`, [nin, nout], o.init ?? 'glorot', { fanIn: nin, fanOut: nout });
  const b = ps.add(`${name}/bias`, [nout], 'zeros');
  return (x) => act(tf.add(tf.matMul(x, w as tf.Tensor2D), b), o.activation ?? 'linear') as tf.Tensor2D;
}

/**
 * BatchNorm over the channel axis (last). Training: batch statistics, and the
 * running statistics are updated (PyTorch rule: r ← (1 − m)·r + m·batch,
 * unbiased batch variance). Inference: running statistics.
 */
export function batchNormLayer(ps: ParamStore, name: string, c: number, o: { eps?: number; momentum?: number } = {}): (x: tf.Tensor4D, training: boolean) => tf.Tensor4D {
  const gamma = ps.add(`${name}/gamma`, [c], 'ones');
  const beta = ps.add(`${name}/beta`, [c], 'zeros');
  const mean = ps.add(`${name}/moving_mean`, [c], 'zeros', { trainable: false });
  const variance = ps.add(`${name}/moving_variance`, [c], 'ones', { trainable: false });
  const eps = o.eps ?? BN_EPSILON;
  const m = o.momentum ?? BN_MOMENTUM;
  return (x, training) => {
    if (!training) return tf.batchNorm(x, mean, variance, beta, gamma, eps) as tf.Tensor4D;
    // fused statistics + closed-form gradient (fastBatchNorm.ts): tfjs's own
    // batch-norm gradient spent 450 ms of EMR's 2.6 s step in Tile
    const { y, mean: bm, variance: bv } = batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, eps);
    const next = updatedRunningStats(mean.dataSync(), variance.dataSync(), bm, bv, x.size / c, m);
    tf.tidy(() => {
      // assignments are not recorded by the gradient tape: no gradient flows into the running stats
      mean.assign(tf.tensor1d(next.mean));
      variance.assign(tf.tensor1d(next.variance));
    });
    return y as tf.Tensor4D;
  };
}

/** Dropout active only in training; the mask seed comes from the step's Rng (reproducible). */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, rng?: Rng): T {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, rng ? rng.int(0x7fffffff) : undefined) as T;
}

/** Gradient reversal (Ganin & Lempitsky 2015): identity forward, −λ·dy backward. */
export function gradientReversal<T extends tf.Tensor>(x: T, lambda: number): T {
  const f = tf.customGrad(((a: tf.Tensor) => ({ value: tf.clone(a), gradFunc: (dy: tf.Tensor) => tf.mul(dy, -lambda) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}

/** Global average pooling [N, H, W, C] → [N, C]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** Max-pool with 'valid' windows (Keras MaxPooling2D default) or 'same'. */
export function maxPool(x: tf.Tensor4D, size: number, stride = size, padding: 'valid' | 'same' = 'valid'): tf.Tensor4D {
  return tf.maxPool(x, size, stride, padding);
}

/**
 * Inception-V1 block (Szegedy et al. 2015) in the Dual-Inception / FR form:
 * four branches of `filters` channels each — 1×1; 1×1→3×3; 1×1→5×5;
 * max-pool 3×3 stride 1 'same' → 1×1 — every conv ReLU, 'same' padding,
 * concatenated to 4·filters channels.
 */
export function inceptionBlock(ps: ParamStore, name: string, cin: number, filters: number): (x: tf.Tensor4D) => tf.Tensor4D {
  const relu = { activation: 'relu' as const };
  const b1 = convLayer(ps, `${name}_b1x1`, cin, filters, 1, relu);
  const b3r = convLayer(ps, `${name}_b3x3_reduce`, cin, filters, 1, relu);
  const b3 = convLayer(ps, `${name}_b3x3`, filters, filters, 3, relu);
  const b5r = convLayer(ps, `${name}_b5x5_reduce`, cin, filters, 1, relu);
  const b5 = convLayer(ps, `${name}_b5x5`, filters, filters, 5, relu);
  const bp = convLayer(ps, `${name}_bpool`, cin, filters, 1, relu);
  return (x) => tf.concat([b1(x), b3(b3r(x)), b5(b5r(x)), bp(maxPool(x, 3, 1, 'same'))], 3) as tf.Tensor4D;
}

/**
 * LSTM (Hochreiter & Schmidhuber; gate order i, f, g, o as in PyTorch/Keras),
 * zero initial state, forget-gate bias 1 (Keras unitForgetBias). Input
 * [N, T, D]; returns the last hidden state [N, hidden].
 */
export function lstmLayer(ps: ParamStore, name: string, nin: number, hidden: number): (seq: tf.Tensor3D) => tf.Tensor2D {
  const wx = ps.add(`${name}/kernel`, [nin, 4 * hidden], 'glorot', { fanIn: nin, fanOut: 4 * hidden });
  const wh = ps.add(`${name}/recurrent_kernel`, [hidden, 4 * hidden], 'glorot', { fanIn: hidden, fanOut: 4 * hidden });
  const bias = ps.add(`${name}/bias`, [4 * hidden], 'zeros');
  // unit forget bias: gates laid out [i | f | g | o]
  const forgetOnes = tf.tidy(() => tf.concat([tf.zeros([hidden]), tf.ones([hidden]), tf.zeros([2 * hidden])]));
  bias.assign(forgetOnes);
  forgetOnes.dispose();
  return (seq) => {
    const [n, t] = seq.shape;
    // input projections for every step at once: [N·T, 4H]
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(seq, [n * t, nin]), wx as tf.Tensor2D), bias), [n, t, 4 * hidden]);
    let h: tf.Tensor2D = tf.zeros([n, hidden]);
    let c: tf.Tensor2D = tf.zeros([n, hidden]);
    for (let s = 0; s < t; s++) {
      const z = tf.add(tf.squeeze(tf.slice(xp, [0, s, 0], [n, 1, 4 * hidden]), [1]), tf.matMul(h, wh as tf.Tensor2D));
      const [zi, zf, zg, zo] = tf.split(z, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg))) as tf.Tensor2D;
      h = tf.mul(tf.sigmoid(zo), tf.tanh(c)) as tf.Tensor2D;
    }
    return h;
  };
}

/** Mean softmax cross-entropy of logits [N, K] against class indices [N]. */
export function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor1D, classes: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(y, 'int32'), classes), logits) as tf.Scalar;
}

/** Check an input batch against the network's [H, W, C]. */
export function checkInput(name: string, x: tf.Tensor4D, shape: readonly [number, number, number]): void {
  if (x.rank !== 4 || x.shape[1] !== shape[0] || x.shape[2] !== shape[1] || x.shape[3] !== shape[2]) {
    throw new MerError('BAD_INPUT', `${name}: input batch has shape [${x.shape.join(', ')}]`, { expected: `[N, ${shape.join(', ')}]` });
  }
}

export function checkClasses(name: string, classes: unknown): number {
  if (!(Number.isInteger(classes) && (classes as number) >= 2)) throw new MerError('BAD_OPTION', `${name}: classes ${String(classes)}`, { expected: 'an integer ≥ 2' });
  return classes as number;
}

/**
 * A Network over a ParamStore: subclasses give `forward(x, training, rng)`
 * (logits) and may override `trainLoss` (FR, EMR add auxiliary losses).
 */
export abstract class StoreNetwork implements Network {
  readonly ps: ParamStore;
  constructor(
    readonly name: string,
    readonly inputShape: readonly [number, number, number],
    readonly classes: number,
    seed: number,
  ) {
    this.ps = new ParamStore(seed);
  }

  abstract forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D;

  trainableVariables(): tf.Variable[] {
    return this.ps.trainableVariables();
  }

  predictLogits(x: tf.Tensor4D): tf.Tensor2D {
    checkInput(this.name, x, this.inputShape);
    return tf.tidy(() => this.forward(x, false));
  }

  trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar {
    checkInput(this.name, x, this.inputShape);
    return crossEntropy(this.forward(x, true, info.rng), y, this.classes);
  }

  getWeights(): Map<string, tf.Tensor> {
    return this.ps.getWeights();
  }

  setWeights(weights: Map<string, { shape: readonly number[]; data: Float32Array }>): void {
    this.ps.setWeights(weights, this.name);
  }

  /** trainable parameter count (the number papers report) */
  countParams(): number {
    return this.ps.countParams(true);
  }

  dispose(): void {
    this.ps.dispose();
  }
}

/** The channel `c` of an NHWC batch as a one-channel batch. */
export function channel(x: tf.Tensor4D, c: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  return tf.slice(x, [0, 0, 0, c], [n, h, w, 1]);
}
