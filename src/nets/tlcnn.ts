/**
 * TLCNN (Wang, Li, Huang, Zhao, Fu, Wang: "Micro-expression recognition with
 * small sample size by transferring long-term convolutional neural network",
 * Neurocomputing 312, 2018; ../shared/papers/tlcnn-transferring-long-term-cnn.txt).
 *
 * Paper: 227×227 RGB frames → C1 96@7×7/2 → M1 → C2 384@5×5/2 → M2 → C3 512,
 * C4 512, C5 384 @3×3 → M3 → FC6 4096 → FC7 4096 → FC8 (dropout 0.5 after
 * FC6, FC7; LRN after C1, C2); pre-trained on macro-expression images,
 * fine-tuned on single micro-expression frames, then FC6 features of each
 * TIM-normalised frame (32/64 frames) → LSTM → FC, trained jointly.
 *
 * Scaled for a 2-core CPU (same topology: 5 conv + 3 FC, pools after conv 1,
 * 2, 5, dropout after FC6/FC7): 48×48 gray input (CK+ 48 native size),
 * C1 16@5×5 → M 2 → C2 32@5×5 → M 2 → C3 48, C4 48, C5 32 @3×3 → M 2
 * (48 → 24 → 12 → 6: 6·6·32 = 1152) → FC6 256 → FC7 256 → FC8 classes;
 * LSTM 128 on FC6 features; BatchNorm-free and LRN dropped (≈ 0.5 M
 * weights instead of ≈ 60 M; 48² instead of 227² pixels).
 *
 * One network, two views sharing the CNN's weights by name (`cnn_*`):
 * - frames = 1: input [N, 48, 48, 1], the frame CNN with FC8 (pre-training on
 *   CK+, fine-tuning on micro-expression frames);
 * - frames = T: input [N, 48, 48, T] (the T TIM frames as channels), CNN per
 *   frame → FC6 → LSTM → FC classes. `transferFrom(frameNet)` copies the CNN.
 */
import * as tf from './tf.ts';
import type { Rng } from '../core/rng.ts';
import { checkClasses, convLayer, denseLayer, dropout, lstmLayer, maxPool, StoreNetwork } from './blocks.ts';
import type { Network, NetworkBuildOptions, NetworkFactory } from './types.ts';

export const TLCNN_SIZE = 48;
export const TLCNN_CONV = [16, 32, 48, 48, 32] as const;
export const TLCNN_FC = 256;
export const TLCNN_LSTM = 128;
/** TIM lengths used by the paper */
export const TLCNN_TIM = [32, 64] as const;

export interface TlcnnOptions extends NetworkBuildOptions {
  /** frames per sample: 1 = frame CNN; T > 1 = CNN + LSTM (default 1) */
  frames?: number;
  size?: number;
  dropout?: number;
}

export class TlcnnNetwork extends StoreNetwork {
  private readonly run: (x: tf.Tensor4D, training: boolean, rng?: Rng) => tf.Tensor2D;
  constructor(o: TlcnnOptions) {
    const classes = checkClasses('tlcnn', o.classes);
    const t = o.frames ?? 1;
    const size = o.size ?? TLCNN_SIZE;
    super('tlcnn', [size, size, t], classes, o.seed);
    const rate = o.dropout ?? 0.5;
    const relu = { activation: 'relu' as const };
    const [a, b, c, d, e] = TLCNN_CONV;
    const c1 = convLayer(this.ps, 'cnn_conv1', 1, a, 5, relu);
    const c2 = convLayer(this.ps, 'cnn_conv2', a, b, 5, relu);
    const c3 = convLayer(this.ps, 'cnn_conv3', b, c, 3, relu);
    const c4 = convLayer(this.ps, 'cnn_conv4', c, d, 3, relu);
    const c5 = convLayer(this.ps, 'cnn_conv5', d, e, 3, relu);
    const side = Math.floor(Math.floor(Math.floor(size / 2) / 2) / 2);
    const fc6 = denseLayer(this.ps, 'cnn_fc6', side * side * e, TLCNN_FC, relu);
    const features = (x: tf.Tensor4D, training: boolean, rng?: Rng) => {
      const m = maxPool(c5(c4(c3(maxPool(c2(maxPool(c1(x), 2)), 2)))), 2);
      return dropout(fc6(tf.reshape(m, [x.shape[0], -1]) as tf.Tensor2D), rate, training, rng);
    };
    if (t === 1) {
      const fc7 = denseLayer(this.ps, 'cnn_fc7', TLCNN_FC, TLCNN_FC, relu);
      const fc8 = denseLayer(this.ps, 'cnn_fc8', TLCNN_FC, classes);
      this.run = (x, training, rng) => fc8(dropout(fc7(features(x, training, rng)), rate, training, rng));
    } else {
      const lstm = lstmLayer(this.ps, 'lstm', TLCNN_FC, TLCNN_LSTM);
      const out = denseLayer(this.ps, 'seq_fc', TLCNN_LSTM, classes);
      this.run = (x, training, rng) => {
        const n = x.shape[0];
        // [N, H, W, T] → [N·T, H, W, 1]: every frame through the same CNN
        const frames = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * t, size, size, 1]) as tf.Tensor4D;
        const seq = tf.reshape(features(frames, training, rng), [n, t, TLCNN_FC]) as tf.Tensor3D;
        return out(lstm(seq));
      };
    }
  }
  forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    return this.run(x, training, rng);
  }
  /** copy the CNN weights (`cnn_conv*`, `cnn_fc6`) of another TLCNN view (pre-trained / fine-tuned frame CNN) */
  transferFrom(other: Network): number {
    let copied = 0;
    const mine = this.ps.getWeights();
    for (const [name, w] of other.getWeights()) {
      if (!/^cnn_(conv\d|fc6)\//.test(name) || !mine.has(name)) continue;
      this.ps.get(name).assign(w);
      copied++;
    }
    return copied;
  }
}

export const tlcnn: NetworkFactory = (opts) => new TlcnnNetwork(opts as TlcnnOptions);
