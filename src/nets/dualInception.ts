/**
 * Dual-Inception (Zhou, Mao, Xue: "Dual-Inception network for cross-database
 * micro-expression recognition", FG 2019), as in the authors' Keras code
 * (github.com/xly135846/MEGC2019, dual_inception.py):
 *
 * two streams, one on u and one on v (28×28 each), each
 *   Inception block (4 branches × 6 filters: 1×1; 1×1→3×3; 1×1→5×5;
 *   max-pool 3 s1 → 1×1; ReLU, 'same') → max-pool 2 →
 *   Inception block (4 × 16 filters) → max-pool 2
 *   (28 → 14 → 7; 7·7·64 = 3136 per stream)
 * flattened, concatenated (6272) → FC 1024 ReLU → FC classes (softmax).
 * Authors' training: Adam lr 1e-4 (β 0.9/0.999, ε 1e-8), batch 3, 40 epochs.
 *
 * merkit input: the flow image [N, 28, 28, 3] (R = u, G = v, B = strain);
 * the streams read channels 0 and 1 (the authors' code fed 3-channel
 * renderings of u and v; one channel each here).
 *
 * Trainable parameters (3 classes): per stream 1284 + 10 336 = 11 620;
 * FC 6272·1024+1024 = 6 423 552; 1024·3+3 = 3075: 6 449 867 (FR's Table 7
 * reports 6.48 M for this "Basic Inception" backbone).
 */
import * as tf from './tf.ts';
import type { Rng } from '../core/rng.ts';
import { checkClasses, channel, denseLayer, dropout, inceptionBlock, maxPool, type ParamStore, StoreNetwork } from './blocks.ts';
import type { NetworkBuildOptions, NetworkFactory } from './types.ts';

export const DUAL_INCEPTION_SIZE = 28;
/** filters per branch of the first and second Inception blocks (LeNet's 6 and 16) */
export const DUAL_INCEPTION_FILTERS = [6, 16] as const;
/** inception branches per block */
const BRANCHES = 4;
export const DUAL_INCEPTION_FC = 1024;

/**
 * The two Inception streams on u and v, flattened and concatenated:
 * [N, 28, 28, C] → [N, 2·7·7·64]. Shared by Dual-Inception and FR.
 */
export function dualInceptionStreams(
  ps: ParamStore,
  filters: readonly [number, number] = DUAL_INCEPTION_FILTERS,
  chans: readonly [number, number] = [0, 1],
): { features: number; apply: (x: tf.Tensor4D) => tf.Tensor2D } {
  const streams = (['u', 'v'] as const).map((s) => {
    const i1 = inceptionBlock(ps, `${s}_inc1`, 1, filters[0]);
    const i2 = inceptionBlock(ps, `${s}_inc2`, BRANCHES * filters[0], filters[1]);
    return (x: tf.Tensor4D) => tf.reshape(maxPool(i2(maxPool(i1(x), 2)), 2), [x.shape[0], -1]) as tf.Tensor2D;
  });
  const side = DUAL_INCEPTION_SIZE / 4;
  return {
    features: 2 * side * side * BRANCHES * filters[1],
    apply: (x) => tf.concat(streams.map((f, i) => f(channel(x, chans[i]))), 1) as tf.Tensor2D,
  };
}

export interface DualInceptionOptions extends NetworkBuildOptions {
  /** dropout after FC 1024 (default 0: the authors' code has none) */
  dropout?: number;
  flowChannels?: readonly [number, number];
  inputChannels?: number;
}

class DualInception extends StoreNetwork {
  private readonly run: (x: tf.Tensor4D, training: boolean, rng?: Rng) => tf.Tensor2D;
  constructor(o: DualInceptionOptions) {
    const classes = checkClasses('dual-inception', o.classes);
    super('dual-inception', [DUAL_INCEPTION_SIZE, DUAL_INCEPTION_SIZE, o.inputChannels ?? 3], classes, o.seed);
    const rate = o.dropout ?? 0;
    const streams = dualInceptionStreams(this.ps, DUAL_INCEPTION_FILTERS, o.flowChannels ?? [0, 1]);
    const fc = denseLayer(this.ps, 'fc1', streams.features, DUAL_INCEPTION_FC, { activation: 'relu' });
    const out = denseLayer(this.ps, 'fc_out', DUAL_INCEPTION_FC, classes);
    this.run = (x, training, rng) => out(dropout(fc(streams.apply(x)), rate, training, rng));
  }
  forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    return this.run(x, training, rng);
  }
}

export const dualInception: NetworkFactory = (opts) => new DualInception(opts as DualInceptionOptions);
