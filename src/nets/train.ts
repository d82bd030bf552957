/**
 * The training engine: mini-batches (seeded shuffle per epoch), Adam or SGD
 * with momentum (tfjs optimisers), learning-rate schedules (constant, step,
 * cosine), a progress tick per epoch, checkpoints into a model folder every K
 * epochs, and early stopping on a validation split carved ONLY from the
 * training subjects it is given (the caller hands it a fold's training rows;
 * the test fold never reaches this file).
 *
 * Deterministic: the same seed gives the same weights bit for bit on one
 * machine (every random choice — batch order, validation subjects, dropout
 * masks through TrainStepInfo.rng — comes from one Rng). Every tensor of a
 * step is released (tf.tidy / dispose): tf.memory().numTensors is the same
 * after each epoch.
 */
import * as tf from './tf.ts';
import { FusedAdamOptimizer } from './fusedAdam.ts';
import { MerError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { ProgressSink } from '../run/progress.ts';
import { networkWeightArrays, saveNetworkFolder, type WeightArrays } from './modelIo.ts';
import type { Network, TrainStepInfo } from './types.ts';

export type OptimizerOptions =
  /** Adam; defaults are PyTorch's torch.optim.Adam (beta1 0.9, beta2 0.999, epsilon 1e-8) */
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; epsilon?: number }
  /** SGD with (optionally Nesterov) momentum; momentum 0 = plain SGD */
  | { kind: 'sgd'; lr: number; momentum?: number; nesterov?: boolean };

export type ScheduleOptions =
  | { kind: 'constant' }
  /**
   * lr · gamma^floor(epoch / everyEpochs) (torch StepLR). With `minLr`, a
   * decay is applied only while the rate is still above minLr (EMR's authors'
   * loop: `if lr > 1e-5: lr *= 0.5` every 10 epochs), so it may end below it.
   */
  | { kind: 'step'; everyEpochs: number; gamma: number; minLr?: number }
  /** minLr + ½(lr − minLr)(1 + cos(π · epoch / epochs)) (torch CosineAnnealingLR, T_max = epochs) */
  | { kind: 'cosine'; minLr?: number };

export interface ValidationOptions {
  /** fraction of the TRAINING subjects held out for validation (at least one subject; at least one left to train) */
  fraction: number;
  /** split by subject (the only mode: clips of one subject never straddle the split) */
  bySubject: true;
  /** stop after this many epochs without a validation-loss improvement (default 20) */
  patience?: number;
  /** an improvement must lower the loss by more than this (default 0) */
  minDelta?: number;
  /** put the best epoch's weights back at the end (default true) */
  restoreBest?: boolean;
}

/** Variables (by their network's stable weight names) that share a learning rate and schedule. */
export interface ParamGroup {
  /** for messages and the report */
  name: string;
  /** which variables belong to the group (first matching group wins; the rest use `optimizer.lr` and `schedule`) */
  match: (weightName: string) => boolean;
  lr: number;
  schedule?: ScheduleOptions;
}

/** Variables whose gradients are clipped together to a global L2 norm (torch clip_grad_norm_). */
export interface ClipGroup {
  match: (weightName: string) => boolean;
  maxNorm: number;
}

/**
 * A batch augmentation: NHWC rows of the training batch in, rows out (same
 * shape). Called for training batches only — never for validation or
 * prediction — with the step's own random stream.
 */
export type Augment = (x: Float32Array, n: number, shape: readonly [number, number, number], rng: Rng) => Float32Array;

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerOptions;
  /** default constant */
  schedule?: ScheduleOptions;
  /** seed of batch order, validation split and dropout masks */
  seed: number;
  /** shuffle the training rows every epoch (default true) */
  shuffle?: boolean;
  /**
   * With `shuffle: false`: visit the rows grouped by class — every row of
   * class 0, then class 1, …, the given order kept within a class — the same
   * batches every epoch. That is what a PyTorch DataLoader without shuffling
   * sees when the images were read one class folder after another (STSTNet's
   * main.py). Default false (the rows in the given order).
   */
  groupByClass?: boolean;
  validation?: ValidationOptions;
  /** write the network (model folder, src/nets/modelIo.ts) here every `checkpointEvery` epochs and at the end */
  checkpointDir?: string;
  /** default 50 */
  checkpointEvery?: number;
  /** one tick per epoch */
  progress?: ProgressSink;
  /** called after every epoch (logging, tests) */
  onEpoch?: (e: EpochLog) => void;
  /** learning-rate groups (e.g. a pre-trained backbone at a smaller rate than the heads); same optimiser kind and moments per group */
  paramGroups?: readonly ParamGroup[];
  /** L2 penalty added to every gradient before the optimiser (torch's `weight_decay` of Adam/SGD) */
  weightDecay?: number;
  /** gradient-norm clipping, per group of variables, before the weight decay and the optimiser */
  clipGroups?: readonly ClipGroup[];
  /** training-batch augmentation (see Augment) */
  augment?: Augment;
  /** `--audit-selection`: see TrainAudit */
  audit?: TrainAudit;
}

/**
 * The audit hook (issue 20). After each epoch listed by `epochs(total)`
 * (1-based), the engine calls `observe(epoch, net)` and goes on: it reads
 * nothing back (the return value is void and ignored), and `observe` only
 * predicts in inference mode — it draws no random number from the training
 * stream and updates no BatchNorm statistic — so the weights trained are the
 * same bit for bit with or without it (test/nets/audit.test.ts). The engine
 * itself never sees what `observe` predicts on: the learner builds the hook
 * from the runner's AuditProbe (src/learn/types.ts), whose test rows stay in
 * the probe's closure and whose predictions go straight to storage.
 */
export interface TrainAudit {
  epochs(total: number): readonly number[];
  observe(epoch: number, net: Network): void;
}

export interface EpochLog {
  epoch: number;
  lr: number;
  /** mean training loss over the epoch's samples */
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
}

export interface TrainReport {
  /** epochs actually run */
  epochs: number;
  log: EpochLog[];
  stoppedEarly: boolean;
  /** epoch whose weights were kept (the last, or the best validation epoch) */
  bestEpoch: number;
  /** subjects held out for validation (from the training subjects) */
  validationSubjects: string[];
  trainSamples: number;
  seconds: number;
  secondsPerEpoch: number;
}

export interface TrainData {
  /** N·H·W·C, row-major NHWC */
  x: Float32Array;
  /** class index per sample */
  y: Int32Array;
  /** subject key per sample (validation split groups by these) */
  subjects: readonly string[];
  /** an integer per sample handed to the loss with its batch (TrainStepInfo.tags; e.g. EMR's domain: 0 micro, 1 macro) */
  tags?: Int32Array;
}

/** Default patience of early stopping (epochs without improvement). */
const DEFAULT_PATIENCE = 20;
const DEFAULT_CHECKPOINT_EVERY = 50;
/** PyTorch's Adam epsilon (tfjs would use the backend epsilon, 1e-7). */
const TORCH_ADAM_EPSILON = 1e-8;

/** Learning rate of `epoch` (0-based) under a schedule. */
export function scheduledLr(base: number, schedule: ScheduleOptions | undefined, epoch: number, epochs: number): number {
  const s = schedule ?? { kind: 'constant' };
  switch (s.kind) {
    case 'constant':
      return base;
    case 'step': {
      const decays = Math.floor(epoch / s.everyEpochs);
      if (s.minLr === undefined) return base * Math.pow(s.gamma, decays);
      let lr = base;
      for (let k = 0; k < decays && lr > s.minLr; k++) lr *= s.gamma;
      return lr;
    }
    case 'cosine': {
      const lo = s.minLr ?? 0;
      return lo + 0.5 * (base - lo) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)));
    }
    default:
      throw new MerError('BAD_OPTION', `unknown lr schedule ${JSON.stringify(s)}`, { expected: 'constant, step or cosine' });
  }
}

/** The optimiser training uses for `o` (exported for bench:net-steps, which times the same step). */
export function makeOptimizer(o: OptimizerOptions): { opt: tf.Optimizer; setLr: (lr: number) => void } {
  if (!(o.lr > 0)) throw new MerError('BAD_OPTION', `learning rate ${o.lr}`, { expected: 'a positive number' });
  if (o.kind === 'adam') {
    // tfjs's Adam, its update fused into one SIMD pass on wasm (bit-identical; fusedAdam.ts)
    const opt = new FusedAdamOptimizer(o.lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? TORCH_ADAM_EPSILON);
    // AdamOptimizer reads its learningRate field at every step
    return { opt, setLr: (lr) => void ((opt as unknown as { learningRate: number }).learningRate = lr) };
  }
  if (o.kind === 'sgd') {
    const m = o.momentum ?? 0;
    const opt = m > 0 ? tf.train.momentum(o.lr, m, o.nesterov ?? false) : tf.train.sgd(o.lr);
    return { opt, setLr: (lr) => (opt as tf.SGDOptimizer).setLearningRate(lr) };
  }
  throw new MerError('BAD_OPTION', `unknown optimiser ${JSON.stringify(o)}`, { expected: "kind 'adam' or 'sgd'" });
}

/** How a step turns the loss into updates. */
export interface Stepper {
  /** set the epoch's learning rates; returns the rate of the default group (logged) */
  setEpoch(epoch: number, epochs: number): number;
  /** one update; returns the loss (call inside tf.tidy) */
  step(loss: () => tf.Scalar, vars: tf.Variable[]): tf.Scalar;
  dispose(): void;
}

/** One optimiser over every variable: tfjs's minimize (the path every network took before groups existed). */
function plainStepper(o: TrainOptions): Stepper {
  const { opt, setLr } = makeOptimizer(o.optimizer);
  return {
    setEpoch(epoch, epochs) {
      const lr = scheduledLr(o.optimizer.lr, o.schedule, epoch, epochs);
      setLr(lr);
      return lr;
    },
    step: (loss, vars) => opt.minimize(loss, true, vars) as tf.Scalar,
    dispose: () => opt.dispose(),
  };
}

/** torch's clip_grad_norm_ epsilon: scale = maxNorm / (norm + 1e-6) */
const CLIP_EPS = 1e-6;

/**
 * Learning-rate groups, gradient clipping per group of variables and L2 weight
 * decay, in torch's order: gradients → clip (each clip group to its global
 * norm) → + weightDecay·w → each group's optimiser (its own moments and rate).
 */
function groupedStepper(net: Network, o: TrainOptions): Stepper {
  const weightName = new Map<string, string>();
  for (const [name, t] of net.getWeights()) weightName.set((t as tf.Variable).name, name);
  const nameOf = (v: tf.Variable) => weightName.get(v.name) ?? v.name;
  const groups = o.paramGroups ?? [];
  const parts = [{ lr: o.optimizer.lr, schedule: o.schedule }, ...groups.map((g) => ({ lr: g.lr, schedule: g.schedule }))].map((g) => ({ ...g, ...makeOptimizer({ ...o.optimizer, lr: g.lr }) }));
  const partOf = (v: tf.Variable) => groups.findIndex((g) => g.match(nameOf(v))) + 1;
  return {
    setEpoch(epoch, epochs) {
      for (const p of parts) p.setLr(scheduledLr(p.lr, p.schedule, epoch, epochs));
      return scheduledLr(parts[0].lr, parts[0].schedule, epoch, epochs);
    },
    step(loss, vars) {
      const { value, grads } = tf.variableGrads(loss, vars);
      const live = vars.filter((v) => grads[v.name] !== undefined && grads[v.name] !== null);
      for (const cg of o.clipGroups ?? []) {
        const members = live.filter((v) => cg.match(nameOf(v)));
        if (members.length === 0) continue;
        const norm = Math.sqrt(tf.addN(members.map((v) => tf.sum(tf.square(grads[v.name])))).dataSync()[0]);
        const scale = cg.maxNorm / (norm + CLIP_EPS);
        if (scale < 1) for (const v of members) grads[v.name] = tf.mul(grads[v.name], scale);
      }
      if (o.weightDecay) for (const v of live) grads[v.name] = tf.add(grads[v.name], tf.mul(v, o.weightDecay));
      parts.forEach((p, k) => {
        const mine = live.filter((v) => partOf(v) === k);
        if (mine.length > 0) p.opt.applyGradients(Object.fromEntries(mine.map((v) => [v.name, grads[v.name]])));
      });
      return value;
    },
    dispose: () => parts.forEach((p) => p.opt.dispose()),
  };
}

/** The update trainNetwork makes for these options (also timed by bench:net-steps): grouped when groups, clipping or weight decay are asked for. */
export function trainingStepper(net: Network, opts: Pick<TrainOptions, 'optimizer' | 'schedule' | 'paramGroups' | 'clipGroups' | 'weightDecay'>): Stepper {
  const grouped = (opts.paramGroups?.length ?? 0) > 0 || (opts.clipGroups?.length ?? 0) > 0 || (opts.weightDecay ?? 0) > 0;
  return grouped ? groupedStepper(net, opts as TrainOptions) : plainStepper(opts as TrainOptions);
}

/** Fisher–Yates with a seeded Rng. */
export function shuffled(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Hold out ⌈fraction · S⌉ of the S distinct subjects (1 ≤ k ≤ S − 1), chosen by the Rng. */
export function splitSubjects(subjects: readonly string[], fraction: number, rng: Rng): { val: string[]; train: string[] } {
  if (!(fraction > 0 && fraction < 1)) throw new MerError('BAD_OPTION', `validation fraction ${fraction}`, { expected: 'a number in (0, 1)' });
  const uniq = [...new Set(subjects)].sort();
  if (uniq.length < 2) throw new MerError('BAD_OPTION', `a validation split by subject needs ≥ 2 training subjects, got ${uniq.length}`);
  const k = Math.min(uniq.length - 1, Math.max(1, Math.ceil(fraction * uniq.length)));
  const order = shuffled(uniq.length, rng);
  const val = Array.from(order.subarray(0, k), (i) => uniq[i]).sort();
  const vs = new Set(val);
  return { val, train: uniq.filter((s) => !vs.has(s)) };
}

/** idx reordered class by class (0, 1, …), stable within a class. */
export function groupedByClass(idx: Int32Array, y: Int32Array): Int32Array {
  return Int32Array.from([...idx].sort((a, b) => y[a] - y[b]));
}

function gatherRows(x: Float32Array, rowLen: number, idx: ArrayLike<number>, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * rowLen);
  for (let k = from; k < to; k++) out.set(x.subarray(idx[k] * rowLen, (idx[k] + 1) * rowLen), (k - from) * rowLen);
  return out;
}

function snapshot(net: Network): WeightArrays {
  return networkWeightArrays(net);
}

/** Mean softmax cross-entropy and accuracy of the network (inference mode) on rows idx. */
function evaluateRows(net: Network, x: Float32Array, y: Int32Array, idx: Int32Array, batchSize: number): { loss: number; accuracy: number } {
  const [h, w, c] = net.inputShape;
  const rowLen = h * w * c;
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < idx.length; s += batchSize) {
    const e = Math.min(idx.length, s + batchSize);
    const xb = gatherRows(x, rowLen, idx, s, e);
    const yb = Int32Array.from(idx.subarray(s, e), (i) => y[i]);
    const [l, pred] = tf.tidy(() => {
      const logits = net.predictLogits(tf.tensor4d(xb, [e - s, h, w, c]));
      const lab = tf.tensor1d(yb, 'int32');
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(lab, net.classes), logits, undefined, undefined, tf.Reduction.SUM);
      return [ce.dataSync()[0], tf.argMax(logits, -1).dataSync() as Int32Array];
    });
    loss += l;
    pred.forEach((p, k) => (correct += p === yb[k] ? 1 : 0));
  }
  return { loss: loss / idx.length, accuracy: correct / idx.length };
}

/**
 * Train `net` in place. Returns what happened (losses per epoch, early stop,
 * timing). Throws a MerError on inconsistent data or options.
 */
export async function trainNetwork(net: Network, data: TrainData, opts: TrainOptions): Promise<TrainReport> {
  const t0 = performance.now();
  const [h, w, c] = net.inputShape;
  const rowLen = h * w * c;
  const n = data.y.length;
  if (data.x.length !== n * rowLen) {
    throw new MerError('BAD_INPUT', `training data has ${data.x.length} values for ${n} samples`, { expected: `${n}×${h}×${w}×${c} = ${n * rowLen} (NHWC)` });
  }
  if (data.subjects.length !== n) throw new MerError('BAD_INPUT', `${data.subjects.length} subjects for ${n} samples`);
  for (let i = 0; i < n; i++) {
    if (!(data.y[i] >= 0 && data.y[i] < net.classes)) throw new MerError('BAD_LABEL', `sample ${i} has class ${data.y[i]}`, { expected: `0…${net.classes - 1}` });
  }
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1)) throw new MerError('BAD_OPTION', `epochs ${opts.epochs}`, { expected: 'an integer ≥ 1' });
  if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) throw new MerError('BAD_OPTION', `batch size ${opts.batchSize}`, { expected: 'an integer ≥ 1' });

  const rng = new Rng(`train/${opts.seed}`);
  let trainIdx: Int32Array;
  let valIdx = new Int32Array(0);
  let validationSubjects: string[] = [];
  if (opts.validation) {
    const { val } = splitSubjects(data.subjects, opts.validation.fraction, rng.fork('validation'));
    validationSubjects = val;
    const vs = new Set(val);
    const tr: number[] = [];
    const va: number[] = [];
    for (let i = 0; i < n; i++) (vs.has(data.subjects[i]) ? va : tr).push(i);
    trainIdx = Int32Array.from(tr);
    valIdx = Int32Array.from(va);
  } else {
    trainIdx = Int32Array.from({ length: n }, (_, i) => i);
  }
  if (trainIdx.length === 0) throw new MerError('BAD_INPUT', 'no training samples');
  if (opts.groupByClass) {
    if (opts.shuffle !== false) throw new MerError('BAD_OPTION', 'groupByClass fixes the batch order', { expected: 'shuffle: false with groupByClass' });
    trainIdx = groupedByClass(trainIdx, data.y);
  }

  const stepper = trainingStepper(net, opts);
  const vars = net.trainableVariables();
  const log: EpochLog[] = [];
  const patience = opts.validation?.patience ?? DEFAULT_PATIENCE;
  const minDelta = opts.validation?.minDelta ?? 0;
  let best = Infinity;
  let bestEpoch = -1;
  let bestWeights: WeightArrays | undefined;
  let stoppedEarly = false;
  let step = 0;
  const every = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const meta = () => ({ name: net.name, inputShape: net.inputShape, classes: net.classes });
  const auditAt = new Set(opts.audit?.epochs(opts.epochs) ?? []);
  opts.progress?.begin(`train ${net.name}`, opts.epochs);
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const te = performance.now();
      const lr = stepper.setEpoch(epoch, opts.epochs);
      const epochRng = rng.fork(`epoch:${epoch}`);
      const order = opts.shuffle === false ? trainIdx : Int32Array.from(shuffled(trainIdx.length, epochRng.fork('order')), (k) => trainIdx[k]);
      let lossSum = 0;
      for (let s = 0; s < order.length; s += opts.batchSize) {
        const e = Math.min(order.length, s + opts.batchSize);
        let xb = gatherRows(data.x, rowLen, order, s, e);
        const yb = Int32Array.from(order.subarray(s, e), (i) => data.y[i]);
        const info: TrainStepInfo = { epoch, step, rng: epochRng.fork(`step:${step}`) };
        if (data.tags) info.tags = Int32Array.from(order.subarray(s, e), (i) => data.tags![i]);
        if (opts.augment) xb = opts.augment(xb, e - s, [h, w, c], epochRng.fork(`augment:${step}`));
        const cost = tf.tidy(() => {
          const xt = tf.tensor4d(xb, [e - s, h, w, c]);
          const yt = tf.tensor1d(yb, 'int32');
          return stepper.step(() => net.trainLoss(xt, yt, info), vars);
        });
        const l = cost.dataSync()[0];
        cost.dispose();
        if (!Number.isFinite(l)) throw new MerError('BAD_INPUT', `training loss became ${l} at epoch ${epoch + 1}`, { expected: 'a finite loss: lower the learning rate or check the inputs' });
        lossSum += l * (e - s);
        step++;
      }
      const entry: EpochLog = { epoch, lr, loss: lossSum / order.length, seconds: 0 };
      if (valIdx.length > 0) {
        const v = evaluateRows(net, data.x, data.y, valIdx, opts.batchSize);
        entry.valLoss = v.loss;
        entry.valAccuracy = v.accuracy;
        if (v.loss < best - minDelta) {
          best = v.loss;
          bestEpoch = epoch;
          if (opts.validation?.restoreBest !== false) bestWeights = snapshot(net);
        }
      }
      entry.seconds = (performance.now() - te) / 1000;
      log.push(entry);
      opts.onEpoch?.(entry);
      if (auditAt.has(epoch + 1)) opts.audit?.observe(epoch + 1, net);
      opts.progress?.tick();
      if (opts.checkpointDir && (epoch + 1) % every === 0) await saveNetworkFolder(opts.checkpointDir, net, { ...meta(), epoch: epoch + 1 });
      if (valIdx.length > 0 && epoch - bestEpoch >= patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    opts.progress?.end();
    stepper.dispose();
  }
  if (bestWeights) net.setWeights(bestWeights);
  const epochs = log.length;
  if (opts.checkpointDir) await saveNetworkFolder(opts.checkpointDir, net, { ...meta(), epoch: epochs });
  const seconds = (performance.now() - t0) / 1000;
  return {
    epochs,
    log,
    stoppedEarly,
    bestEpoch: bestWeights ? bestEpoch : epochs - 1,
    validationSubjects,
    trainSamples: trainIdx.length,
    seconds,
    secondsPerEpoch: seconds / Math.max(1, epochs),
  };
}
