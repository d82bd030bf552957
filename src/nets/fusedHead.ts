/**
 * `ReluBnPool` layer: bias → ReLU → BatchNorm → max-pool (k, s, p; padding
 * never wins) → dropout → avg-pool 2×2/2, as ONE layer with the fused
 * training kernel of src/nets/kernels/reluBnPool.ts. Used by STSTNet's
 * 'fused' layout after a bias-free 16-filter conv; mathematically the
 * published chain (conv+bias, ReLU, BatchNorm2d, MaxPool2d(3, 3, 1),
 * Dropout(0.5), AvgPool2d(2)).
 *
 * Weights (in this order): bias, gamma, beta, moving_mean, moving_variance.
 * Inference: plain tf ops on the running statistics (no dropout).
 * Training: batch statistics; running mean/variance updated PyTorch-style
 * (momentum 0.1, unbiased variance). Dropout masks come from a seed that
 * `reseed` sets (layersNetwork reseeds every step from the step's Rng).
 */
import * as tf from './tf.ts';
import { Rng } from '../core/rng.ts';
import { lastReluBnPoolStats, pooledSide, reluBnPoolTrain } from './kernels/reluBnPool.ts';

export interface ReluBnPoolConfig {
  poolSize: number;
  poolStride: number;
  poolPad: number;
  /** dropout rate after the max-pool (default 0.5) */
  rate?: number;
  /** BatchNorm epsilon (default 1e-5, PyTorch) */
  epsilon?: number;
  /** PyTorch BatchNorm momentum (default 0.1) */
  momentum?: number;
  /** dropout mask seed */
  seed?: number;
  name?: string;
}

export class ReluBnPool extends tf.layers.Layer {
  static className = 'MerkitReluBnPool';
  readonly poolSize: number;
  readonly poolStride: number;
  readonly poolPad: number;
  readonly rate: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly seed: number;
  private rng: Rng;
  private bias!: tf.LayerVariable;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(config: ReluBnPoolConfig) {
    super({ name: config.name });
    this.poolSize = config.poolSize;
    this.poolStride = config.poolStride;
    this.poolPad = config.poolPad;
    this.rate = config.rate ?? 0.5;
    this.epsilon = config.epsilon ?? 1e-5;
    this.momentum = config.momentum ?? 0.1;
    this.seed = config.seed ?? 0;
    this.rng = new Rng(this.seed);
  }

  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const C = s[3] as number;
    this.bias = this.addWeight('bias', [C], 'float32', tf.initializers.zeros(), undefined, true);
    this.gamma = this.addWeight('gamma', [C], 'float32', tf.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [C], 'float32', tf.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', [C], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [C], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const side = (n: number | null) => (n === null ? null : Math.floor(pooledSide(n, this.poolSize, this.poolStride, this.poolPad) / 2));
    return [s[0], side(s[1]), side(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const z = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const bias = this.bias.read() as tf.Tensor1D;
    const gamma = this.gamma.read() as tf.Tensor1D;
    const beta = this.beta.read() as tf.Tensor1D;
    if (kwargs['training'] !== true) {
      return tf.tidy(() => {
        const r = tf.relu(tf.add(z, bias));
        const bn = tf.batchNorm(r, this.movingMean.read(), this.movingVariance.read(), beta, gamma, this.epsilon) as tf.Tensor4D;
        const mp = tf.maxPool(bn, this.poolSize, this.poolStride, this.poolPad);
        return tf.avgPool(mp, 2, 2, 'valid');
      });
    }
    const out = reluBnPoolTrain(z, bias, gamma, beta, {
      epsilon: this.epsilon,
      poolSize: this.poolSize,
      poolStride: this.poolStride,
      poolPad: this.poolPad,
      rate: this.rate,
      seed: this.rng.nextUint32(),
    });
    const st = lastReluBnPoolStats as { mean: Float64Array; variance: Float64Array; count: number };
    const C = st.mean.length;
    const unbiased = st.count > 1 ? st.count / (st.count - 1) : 1;
    const mm = this.movingMean.read().dataSync();
    const mv = this.movingVariance.read().dataSync();
    const m = this.momentum;
    const nm = new Float32Array(C);
    const nv = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      nm[c] = (1 - m) * mm[c] + m * st.mean[c];
      nv[c] = (1 - m) * mv[c] + m * st.variance[c] * unbiased;
    }
    tf.tidy(() => {
      this.movingMean.write(tf.tensor1d(nm));
      this.movingVariance.write(tf.tensor1d(nv));
    });
    return out;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      poolStride: this.poolStride,
      poolPad: this.poolPad,
      rate: this.rate,
      epsilon: this.epsilon,
      momentum: this.momentum,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ReluBnPool);
