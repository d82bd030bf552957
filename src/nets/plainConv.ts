/**
 * A bias-free, activation-free 2-D convolution layer that calls the plain
 * tf.conv2d op. (tf.layers.conv2d without bias/activation goes through
 * tf.fused.conv2d, whose gradient computes the INPUT gradient too — a full
 * Conv2DBackpropInput even when the input is data, not a variable; the
 * plain op's gradient is pruned to what the optimiser asks for.)
 * Weight: 'kernel' [kh, kw, in, filters] (HWIO), stride 1, zero padding
 * `padding` pixels on every side (default 0 = 'valid'; done inside the conv
 * — no separate pad op; STSTNet's padding 2).
 */
import * as tf from './tf.ts';

export interface PlainConv2DConfig {
  filters: number;
  kernelSize: number;
  /** zero padding on each side (default 0) */
  padding?: number;
  name?: string;
}

export class PlainConv2D extends tf.layers.Layer {
  static className = 'MerkitPlainConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly padding: number;
  private kernel!: tf.LayerVariable;

  constructor(config: PlainConv2DConfig) {
    super({ name: config.name });
    this.filters = config.filters;
    this.kernelSize = config.kernelSize;
    this.padding = config.padding ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, s[3] as number, this.filters], 'float32', tf.initializers.glorotUniform({}), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const side = (n: number | null) => (n === null ? null : n + 2 * this.padding - this.kernelSize + 1);
    return [s[0], side(s[1]), side(s[2]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.conv2d(x, this.kernel.read() as tf.Tensor4D, 1, this.padding > 0 ? this.padding : 'valid');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, padding: this.padding };
  }
}
tf.serialization.registerClass(PlainConv2D);
