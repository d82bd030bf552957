/**
 * OFF-ApexNet (Gan, Liong, Yau, Huang, Tan: "OFF-ApexNet on micro-expression
 * recognition system", Signal Processing: Image Communication 74, 2019).
 *
 * Two streams, one on the horizontal flow u and one on the vertical flow v of
 * the onset→apex optical flow (28×28 each), each LeNet-like:
 *   conv 5×5, 6 filters, 'same', ReLU → max-pool 2 → conv 5×5, 16 filters,
 *   'same', ReLU → max-pool 2   (28 → 14 → 7: 7·7·16 = 784 per stream)
 * concatenated (1568) → FC 1024 ReLU → dropout → FC 1024 ReLU → dropout →
 * FC classes (softmax in the loss).
 * Dropout 0.5 after each hidden FC layer (the paper's regulariser).
 *
 * merkit input: the MEGC flow image [N, 28, 28, 3] (R = u, G = v, B = strain,
 * as read from `flowdir`); the streams take channels 0 and 1, strain is
 * unused (the paper feeds u and v only).
 *
 * Trainable parameters (3 classes): streams 2·(156 + 2416) = 5144,
 * FC 1568·1024+1024 = 1 606 656, 1024·1024+1024 = 1 049 600, 1024·3+3 = 3075:
 * 2 664 475.
 */
import * as tf from './tf.ts';
import type { Rng } from '../core/rng.ts';
import { checkClasses, channel, convLayer, denseLayer, dropout, maxPool, StoreNetwork } from './blocks.ts';
import type { NetworkBuildOptions, NetworkFactory } from './types.ts';

export const OFF_APEXNET_SIZE = 28;
/** filters of the two conv layers (LeNet-5's 6 and 16) */
export const OFF_APEXNET_FILTERS = [6, 16] as const;
export const OFF_APEXNET_FC = 1024;

export interface OffApexNetOptions extends NetworkBuildOptions {
  /** dropout after each hidden FC layer (default 0.5) */
  dropout?: number;
  /** input channels holding u and v (default [0, 1]: R and G of the flow image) */
  flowChannels?: readonly [number, number];
  /** channels of the input (default 3: the flow image) */
  inputChannels?: number;
}

class OffApexNet extends StoreNetwork {
  private readonly run: (x: tf.Tensor4D, training: boolean, rng?: Rng) => tf.Tensor2D;
  constructor(o: OffApexNetOptions) {
    const classes = checkClasses('off-apexnet', o.classes);
    super('off-apexnet', [OFF_APEXNET_SIZE, OFF_APEXNET_SIZE, o.inputChannels ?? 3], classes, o.seed);
    const rate = o.dropout ?? 0.5;
    const chans = o.flowChannels ?? [0, 1];
    const [f1, f2] = OFF_APEXNET_FILTERS;
    const streams = (['u', 'v'] as const).map((s) => {
      const c1 = convLayer(this.ps, `${s}_conv1`, 1, f1, 5, { activation: 'relu' });
      const c2 = convLayer(this.ps, `${s}_conv2`, f1, f2, 5, { activation: 'relu' });
      return (x: tf.Tensor4D) => tf.reshape(maxPool(c2(maxPool(c1(x), 2)), 2), [x.shape[0], -1]) as tf.Tensor2D;
    });
    const side = OFF_APEXNET_SIZE / 4;
    const fc1 = denseLayer(this.ps, 'fc1', 2 * side * side * f2, OFF_APEXNET_FC, { activation: 'relu' });
    const fc2 = denseLayer(this.ps, 'fc2', OFF_APEXNET_FC, OFF_APEXNET_FC, { activation: 'relu' });
    const out = denseLayer(this.ps, 'fc_out', OFF_APEXNET_FC, classes);
    this.run = (x, training, rng) => {
      const z = tf.concat(streams.map((f, i) => f(channel(x, chans[i]))), 1);
      const h1 = dropout(fc1(z), rate, training, rng);
      const h2 = dropout(fc2(h1), rate, training, rng);
      return out(h2);
    };
  }
  forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    return this.run(x, training, rng);
  }
}

export const offApexNet: NetworkFactory = (opts) => new OffApexNet(opts as OffApexNetOptions);
