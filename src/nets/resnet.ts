/**
 * ResNet-18 encoder (He, Zhang, Ren, Sun, "Deep residual learning for image
 * recognition", CVPR 2016), NHWC, as torchvision builds it: conv 7×7/2 (64)
 * → BN → ReLU → max-pool 3/2 → 4 stages of 2 BasicBlocks (64, 128, 256, 512
 * channels; stride 2 at the first block of stages 2–4, 1×1/2 conv + BN
 * shortcut there) — without the classifier. `width` scales every stage
 * (64 = the published network; tests use a narrow one). He-normal init.
 */
import * as tf from './tf.ts';
import { batchNormLayer, convLayer, maxPool, type ParamStore } from './blocks.ts';

/** blocks per stage of ResNet-18 */
export const RESNET18_BLOCKS = [2, 2, 2, 2] as const;

export interface ResnetEncoder {
  /** channels of the output feature map (8·width) */
  channels: number;
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
}

function basicBlock(ps: ParamStore, name: string, cin: number, cout: number, stride: number) {
  const c1 = convLayer(ps, `${name}_conv1`, cin, cout, 3, { stride, padding: 1, bias: false, init: 'he' });
  const b1 = batchNormLayer(ps, `${name}_bn1`, cout);
  const c2 = convLayer(ps, `${name}_conv2`, cout, cout, 3, { padding: 1, bias: false, init: 'he' });
  const b2 = batchNormLayer(ps, `${name}_bn2`, cout);
  const down = stride !== 1 || cin !== cout ? { c: convLayer(ps, `${name}_down`, cin, cout, 1, { stride, padding: 'valid', bias: false, init: 'he' }), b: batchNormLayer(ps, `${name}_down_bn`, cout) } : undefined;
  return (x: tf.Tensor4D, training: boolean): tf.Tensor4D => {
    const y = b2(c2(tf.relu(b1(c1(x), training))), training);
    const s = down ? down.b(down.c(x), training) : x;
    return tf.relu(tf.add(y, s)) as tf.Tensor4D;
  };
}

export function resnet18Encoder(ps: ParamStore, cin: number, width = 64): ResnetEncoder {
  const stem = convLayer(ps, 'conv1', cin, width, 7, { stride: 2, padding: 3, bias: false, init: 'he' });
  const bn = batchNormLayer(ps, 'bn1', width);
  const blocks: ((x: tf.Tensor4D, t: boolean) => tf.Tensor4D)[] = [];
  let c = width;
  RESNET18_BLOCKS.forEach((n, s) => {
    const cout = width * 2 ** s;
    for (let b = 0; b < n; b++) {
      blocks.push(basicBlock(ps, `layer${s + 1}_${b}`, c, cout, b === 0 && s > 0 ? 2 : 1));
      c = cout;
    }
  });
  return {
    channels: c,
    apply(x, training) {
      // torchvision pads the 3/2 max-pool by 1: 'same' gives the same output size (ceil(n/2)) on even sides
      let y = maxPool(tf.relu(bn(stem(x), training)) as tf.Tensor4D, 3, 2, 'same');
      for (const b of blocks) y = b(y, training);
      return y;
    },
  };
}
