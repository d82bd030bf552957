/**
 * A network as a merkit Learner: TrainingSet rows (one flattened H·W·C
 * Float32Array per clip, NHWC order) → tensors → trainNetwork → a FittedModel
 * whose scores are softmax probabilities.
 *
 * Saved models: kind 'network:<name>', json = { name, inputShape, classes,
 * build, shapes }, arrays = every weight by its stable name. The loader is
 * registered for every network used through `networkLearner` (and by
 * `registerNetwork`), so `loadNetworkModel` can rebuild it from the factory.
 */
import * as tf from './tf.ts';
import { MerError } from '../core/errors.ts';
import type { AuditProbe, FittedModel, Learner, Prediction, SavedModel, TrainingSet } from '../learn/types.ts';
import { registerSavedModelLoader } from '../learn/persist.ts';
import { initBackend, type BackendName } from './backend.ts';
import { trainNetwork, type TrainAudit, type TrainOptions, type TrainReport } from './train.ts';
import type { WeightArrays } from './modelIo.ts';
import type { Network, NetworkFactory } from './types.ts';

/** What a `pretrained` hook learns about the fold (never its test data: only subject keys). */
export interface FoldInfo {
  /** subject keys (dataset/subject) of the fold's test clips, when the runner provides them */
  testSubjects?: readonly string[];
  trainSubjects: readonly string[];
  classes: readonly string[];
}

export interface NetworkLearnerOptions {
  /** network name (the saved kind is 'network:<name>'); default: the built network's name */
  name?: string;
  inputShape: readonly [number, number, number];
  /** extra options for the factory (beside classes and seed) */
  build?: Record<string, unknown>;
  /** training settings; `seed` is taken from the fold's Rng when omitted */
  train: Omit<TrainOptions, 'seed'> & { seed?: number };
  /** weights to use instead of training (e.g. the authors' per-subject checkpoint), or undefined to train */
  pretrained?: (fold: FoldInfo) => WeightArrays | undefined | Promise<WeightArrays | undefined>;
  /** tfjs backend (default wasm) */
  backend?: BackendName;
  /** inference batch size (default 256) */
  predictBatch?: number;
}

const DEFAULT_PREDICT_BATCH = 256;

const FACTORIES = new Map<string, NetworkFactory>();

/** Make a network rebuildable from a SavedModel of kind 'network:<name>'. */
export function registerNetwork(name: string, factory: NetworkFactory): void {
  if (FACTORIES.get(name) === factory) return;
  FACTORIES.set(name, factory);
  registerSavedModelLoader(`network:${name}`, (saved) => loadNetworkModel(saved));
}

/** Softmax probabilities and argmax of the network on rows X (inference mode, batched). */
export function predictRows(net: Network, X: readonly Float32Array[], batch = DEFAULT_PREDICT_BATCH): Prediction[] {
  const [h, w, c] = net.inputShape;
  const len = h * w * c;
  const out: Prediction[] = [];
  for (let s = 0; s < X.length; s += batch) {
    const e = Math.min(X.length, s + batch);
    const buf = new Float32Array((e - s) * len);
    for (let i = s; i < e; i++) {
      if (X[i].length !== len) throw new MerError('BAD_INPUT', `network input row ${i} has ${X[i].length} values`, { expected: `${h}×${w}×${c} = ${len}` });
      buf.set(X[i], (i - s) * len);
    }
    const p = tf.tidy(() => tf.softmax(net.predictLogits(tf.tensor4d(buf, [e - s, h, w, c]))).dataSync() as Float32Array);
    for (let i = 0; i < e - s; i++) {
      const scores = Array.from(p.subarray(i * net.classes, (i + 1) * net.classes));
      let best = 0;
      for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
      out.push({ pred: best, scores });
    }
  }
  return out;
}

/**
 * The training engine's audit hook from the runner's probe (undefined when
 * the run is not audited): at each audited epoch the probe gets the
 * network's current predictions — `predict(net, X)`, by default the same
 * `predictRows` that makes the fold's reported predictions.
 */
export function auditHook(
  probe: AuditProbe | undefined,
  predict: (net: Network, X: readonly Float32Array[]) => Prediction[] = (net, X) => predictRows(net, X),
): TrainAudit | undefined {
  if (!probe) return undefined;
  return { epochs: (total) => probe.epochs(total), observe: (epoch, net) => probe.record(epoch, (X) => predict(net, X)) };
}

interface NetworkJson {
  name: string;
  inputShape: [number, number, number];
  classes: string[];
  build: Record<string, unknown>;
  shapes: Record<string, number[]>;
}

/** A network as the `network:<name>` SavedModel that `loadNetworkModel` rebuilds (every weight by its stable name). */
export function savedNetwork(net: Network, name: string, build: Record<string, unknown>, classes: readonly string[]): SavedModel {
  const arrays: Record<string, Float32Array> = {};
  const shapes: Record<string, number[]> = {};
  for (const [k, t] of net.getWeights()) {
    arrays[k] = new Float32Array(t.dataSync() as Float32Array);
    shapes[k] = [...t.shape];
  }
  const json: NetworkJson = { name, inputShape: [...net.inputShape] as [number, number, number], classes: [...classes], build, shapes };
  return { kind: `network:${name}`, json, arrays };
}

function fitted(net: Network, json: Omit<NetworkJson, 'shapes'>, info: Record<string, unknown>, batch: number): FittedModel & { info: Record<string, unknown>; network: Network } {
  return {
    info,
    network: net,
    predict: (X) => predictRows(net, X, batch),
    dispose: () => net.dispose(),
    save: () => savedNetwork(net, json.name, json.build, json.classes),
  };
}

/** Rebuild a FittedModel from a SavedModel of kind 'network:<name>' (the network must be registered). */
export async function loadNetworkModel(saved: SavedModel, backend: BackendName = 'wasm'): Promise<FittedModel> {
  const json = saved.json as NetworkJson;
  const factory = FACTORIES.get(json?.name);
  if (!factory) {
    throw new MerError('UNSUPPORTED', `saved model of kind ${saved.kind}: network '${json?.name}' is not registered`, { expected: `one of ${[...FACTORIES.keys()].join(', ') || '(none)'}` });
  }
  await initBackend({ backend });
  const net = factory({ ...json.build, classes: json.classes.length, seed: 0 });
  const weights: WeightArrays = new Map();
  for (const [name, shape] of Object.entries(json.shapes)) {
    const a = saved.arrays?.[name];
    if (!a) throw new MerError('BAD_INPUT', `saved network ${json.name} lacks weight ${name}`);
    weights.set(name, { shape, data: Float32Array.from(a) });
  }
  net.setWeights(weights);
  return fitted(net, json, {}, DEFAULT_PREDICT_BATCH);
}

export function networkLearner(factory: NetworkFactory, opts: NetworkLearnerOptions): Learner {
  if (opts.name) registerNetwork(opts.name, factory);
  return {
    name: `network:${opts.name ?? 'net'}`,
    async fit(train: TrainingSet): Promise<FittedModel> {
      await initBackend({ backend: opts.backend ?? 'wasm' });
      const [h, w, c] = opts.inputShape;
      const len = h * w * c;
      const seed = train.rng.nextUint32();
      const net = factory({ ...(opts.build ?? {}), classes: train.classes.length, seed });
      const name = opts.name ?? net.name;
      registerNetwork(name, factory);
      const json = { name, inputShape: [h, w, c] as [number, number, number], classes: [...train.classes], build: { ...(opts.build ?? {}) } };
      const info: Record<string, unknown> = {};
      if (opts.pretrained && train.audit) {
        net.dispose();
        throw new MerError('BAD_OPTION', `${name}: recipe parameter pretrainedDir loads weights instead of training, so there are no epochs to audit`, { expected: '--audit-selection without --pretrained-dir' });
      }
      const pre = opts.pretrained ? await opts.pretrained({ testSubjects: train.testSubjects, trainSubjects: train.subjects, classes: train.classes }) : undefined;
      if (pre) {
        net.setWeights(pre);
        info.pretrained = true;
        return fitted(net, json, info, opts.predictBatch ?? DEFAULT_PREDICT_BATCH);
      }
      const x = new Float32Array(train.X.length * len);
      train.X.forEach((row, i) => {
        if (row.length !== len) throw new MerError('BAD_INPUT', `training row ${train.ids[i] ?? i} has ${row.length} values`, { clip: train.ids[i], expected: `${h}×${w}×${c} = ${len}` });
        x.set(row, i * len);
      });
      const report: TrainReport = await trainNetwork(net, { x, y: Int32Array.from(train.y), subjects: train.subjects }, { ...opts.train, seed: opts.train.seed ?? train.rng.nextUint32(), audit: auditHook(train.audit) });
      info.epochs = report.epochs;
      info.bestEpoch = report.bestEpoch + 1;
      info.selection = opts.train.validation
        ? `best validation loss (${opts.train.validation.fraction} of the training subjects held out)`
        : 'last epoch';
      info.stoppedEarly = report.stoppedEarly;
      info.finalLoss = report.log.at(-1)?.loss;
      info.secondsPerEpoch = report.secondsPerEpoch;
      return fitted(net, json, info, opts.predictBatch ?? DEFAULT_PREDICT_BATCH);
    },
  };
}
