/**
 * Adapter: a tf.LayersModel whose output is class logits → the Network
 * contract of the training engine (src/nets/types.ts).
 *
 * - training loss: mean softmax cross-entropy on the logits (PyTorch's
 *   nn.CrossEntropyLoss), the model called in training mode (dropout on,
 *   BatchNorm on batch statistics + running-stat updates);
 * - dropout determinism: every layer with a `reseed(seed)` method (e.g.
 *   SeededDropout in src/nets/ststnet.ts) is reseeded from the step's Rng
 *   before each training step, so masks depend only on (seed, step);
 * - weights by stable name `<layer>/<weight>` (e.g. `conv1/kernel`,
 *   `bn1/moving_mean`), independent of tfjs's per-process name uniquifying.
 */
import * as tf from './tf.ts';
import { MerError } from '../core/errors.ts';
import type { Network, TrainStepInfo } from './types.ts';

export interface LayersNetworkOptions {
  /** network name (default: the model's name) */
  name?: string;
  /** extra loss terms added to the cross-entropy (e.g. weight decay), computed from the model */
  extraLoss?: (model: tf.LayersModel) => tf.Scalar;
}

interface LayerVariableLike {
  readonly shape: number[];
  readonly originalName?: string;
  readonly name: string;
  read(): tf.Variable;
  write(v: tf.Tensor): unknown;
}

/** `<layer name>/<weight base name>` of each weight, in model.weights order. */
function weightEntries(model: tf.LayersModel): { name: string; v: LayerVariableLike; trainable: boolean }[] {
  const out: { name: string; v: LayerVariableLike; trainable: boolean }[] = [];
  const seen = new Set<string>();
  for (const layer of model.layers) {
    const trainable = new Set(layer.trainableWeights as unknown as LayerVariableLike[]);
    for (const w of layer.weights as unknown as LayerVariableLike[]) {
      const base = (w.originalName ?? w.name).split('/').pop() as string;
      let name = `${layer.name}/${base}`;
      for (let k = 1; seen.has(name); k++) name = `${layer.name}/${base}_${k}`;
      seen.add(name);
      out.push({ name, v: w, trainable: trainable.has(w) });
    }
  }
  return out;
}

export function layersNetwork(model: tf.LayersModel, opts: LayersNetworkOptions = {}): Network {
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  if (inShape.length !== 4 || inShape.slice(1).some((d) => d === null)) {
    throw new MerError('BAD_OPTION', `layersNetwork needs an NHWC image input, got shape [${inShape.join(', ')}]`);
  }
  if (outShape.length !== 2 || outShape[1] === null) throw new MerError('BAD_OPTION', `layersNetwork needs [N, classes] logits, got [${outShape.join(', ')}]`);
  const inputShape = [inShape[1], inShape[2], inShape[3]] as [number, number, number];
  const classes = outShape[1] as number;
  const entries = weightEntries(model);
  const reseedable = model.layers.filter((l) => typeof (l as unknown as { reseed?: unknown }).reseed === 'function') as unknown as { reseed(s: number): void }[];

  const logits = (x: tf.Tensor4D, training: boolean) => model.apply(x, { training }) as tf.Tensor2D;

  return {
    name: opts.name ?? model.name,
    inputShape,
    classes,
    trainableVariables: () => entries.filter((e) => e.trainable).map((e) => e.v.read()),
    predictLogits: (x) => tf.tidy(() => logits(x, false)),
    trainLoss(x: tf.Tensor4D, y: tf.Tensor1D, info: TrainStepInfo): tf.Scalar {
      for (const l of reseedable) l.reseed(info.rng.nextUint32());
      const z = logits(x, true);
      let loss = tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), z) as tf.Scalar;
      if (opts.extraLoss) loss = tf.add(loss, opts.extraLoss(model));
      return loss;
    },
    getWeights: () => new Map(entries.map((e) => [e.name, e.v.read() as tf.Tensor])),
    setWeights(weights) {
      const missing = entries.filter((e) => !weights.has(e.name)).map((e) => e.name);
      if (missing.length) throw new MerError('BAD_INPUT', `network ${model.name}: weight ${missing[0]} is missing${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`);
      for (const e of entries) {
        const w = weights.get(e.name) as { shape: readonly number[]; data: Float32Array };
        const want = e.v.shape;
        const n = want.reduce((a, b) => a * b, 1);
        if (w.shape.length !== want.length || w.shape.some((d, i) => d !== want[i]) || w.data.length !== n) {
          throw new MerError('BAD_INPUT', `network ${model.name}: weight ${e.name} has shape [${w.shape.join(', ')}]`, { expected: `[${want.join(', ')}]` });
        }
      }
      tf.tidy(() => {
        for (const e of entries) {
          const w = weights.get(e.name) as { shape: readonly number[]; data: Float32Array };
          e.v.write(tf.tensor(w.data, e.v.shape));
        }
      });
    },
    dispose: () => model.dispose(),
  };
}
