/**
 * emr — Liu, Du, Zheng, Gedeon, "A neural micro-expression recognizer",
 * FG 2019 (MEGC 2019 winner); ../shared/papers/emr-neural-micro-expression-recognizer.txt;
 * network in src/nets/emr.ts.
 *
 * What the paper says (§II) and what merkit does:
 * - Input: onset→apex optical flow (§II-B). merkit: the MEGC flow image
 *   (28×28, R = u, G = v, B = strain) as NHWC floats in [0, 1] — read from a
 *   `flowdir`, or computed from frames (TV-L1, src/motion/clipFlow.ts).
 * - Micro-expression MAGNIFICATION (§II-D, "EMR"): Eulerian video
 *   magnification (MIT's EVM) of the clip before the flow. merkit: src/temporal/evm.ts
 *   over the whole loaded clip, `evmAlpha` (default 10 = EVM's default; the
 *   paper gives no α), ideal temporal band [`evmLowHz`, `evmHighHz`] =
 *   [1, 8] Hz (clipped to fps/2; a micro-expression lasts < 0.5 s, so its
 *   energy lies above the lowest non-zero DFT bin of a 0.2–0.5 s clip; EVM's
 *   0.4–3 Hz default would zero every bin of such a short clip; the top is
 *   raised to 1.5·fps/T when needed so that the first non-DC bin of a very
 *   short clip is always magnified), fps from the clip (200 when unknown). The apex is annotated or spotted on the
 *   UNmagnified clip. A precomputed flow image (`flowdir`, e.g.
 *   megc2019-cde-dev) cannot be magnified: the flow is used as given.
 * - Macro-expression REDUCTION and the macro domain: CK+ (ckplus48), see
 *   src/nets/macroDomain.ts (mean face of the subject → middle frame, because
 *   ckplus48 holds only the last 3 frames of each sequence), relabelled to the
 *   run's classes (megc3 or casme2-5). Auxiliary TRAINING data from other
 *   people: used in every fold, never leakage. Read from `macroDir` (default
 *   ../shared/data/ckplus48 beside the project root when present). When it is
 *   absent, or the classes have no CK+ relabelling, the recipe trains WITHOUT
 *   the adversarial branch and says so (`params.macroDomain`, fold info `macro`).
 * - Loss L_t + L_b + L_c − λ·L_adv through gradient reversal (src/nets/emr.ts, λ = 0.1).
 * - ResNet-18 from ImageNet weights (§II-B): those cannot be downloaded here,
 *   so the encoder starts from He init. Offered instead:
 *   `pretrainMacroEpochs` > 0 first trains encoder + classifiers on the CK+
 *   flow images alone, then the micro-expression training starts from those
 *   weights (the adversarial branch still active when enabled).
 * - Input size 64×64 inside the network (28 → 64 bilinear; a 2×2 final map =
 *   top/bottom rows), see src/nets/emr.ts.
 * - Training: the paper states no optimiser, lr, batch or epochs. merkit's
 *   choice: Adam lr 5e-4, batch 32, 40 epochs; all overridable.
 */
import type { ClipRef } from '../core/clip.ts';
import { existsSync } from 'node:fs';
import { MerError } from '../core/errors.ts';
import { annotatedIndices, loadClipVolume } from '../io/clip.ts';
import { clipFlowImage } from '../motion/clipFlow.ts';
import { spotApex } from '../temporal/apex.ts';
import { evm, EVM_DEFAULTS } from '../temporal/evm.ts';
import { initBackend } from '../nets/backend.ts';
import { emr, EMR_LAMBDA, EMR_PART_HIDDEN, EMR_SIZE, type EmrNetwork } from '../nets/emr.ts';
import { auditHook, predictRows } from '../nets/learner.ts';
import { defaultMacroDir, loadMacroDomain, macroSchemeFor, type MacroDomain } from '../nets/macroDomain.ts';
import { networkWeightArrays } from '../nets/modelIo.ts';
import { trainNetwork, type TrainReport } from '../nets/train.ts';
import type { Network } from '../nets/types.ts';
import type { FittedModel, Learner, SavedModel, TrainingSet } from '../learn/types.ts';
import { defaultCacheDir } from '../run/cache.ts';
import { flowNetInput, optimizerOf, planarToNhwc } from './offApexNet.ts';
import type { Recipe } from './types.ts';

export interface EmrParams {
  flowSize: number;
  frameSize: number;
  /** EVM before the flow (frame clips only) */
  magnify: boolean;
  evmAlpha: number;
  evmLambdaC: number;
  evmLowHz: number;
  evmHighHz: number;
  /** frame rate assumed when the clip does not give one */
  defaultFps: number;
  /** internal input side of the network */
  size: number;
  /** ResNet width (64 = ResNet-18) */
  width: number;
  partHidden: number;
  lambda: number;
  /** use the adversarial macro-domain branch when CK+ is available */
  adversarial: boolean;
  /** CK+ folder (ckplus48 layout); null = none */
  macroDir: string | null;
  /** epochs of macro-expression pre-training on CK+ flows (0 = none) */
  pretrainMacroEpochs: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum: number;
}

/** the band's top is raised to 1.5 bins when the clip is so short that its first DFT bin (fps/T) lies above evmHighHz */
const FIRST_BIN_MARGIN = 1.5;
/** frame rate of CASME II / SMIC-HS, assumed when a clip has none */
const DEFAULT_FPS = 200;

export const EMR_DEFAULTS: Omit<EmrParams, 'macroDir'> = {
  flowSize: 28,
  frameSize: 128,
  magnify: true,
  evmAlpha: EVM_DEFAULTS.alpha,
  evmLambdaC: EVM_DEFAULTS.lambdaC,
  evmLowHz: 1,
  evmHighHz: 8,
  defaultFps: DEFAULT_FPS,
  size: EMR_SIZE,
  width: 64,
  partHidden: EMR_PART_HIDDEN,
  lambda: EMR_LAMBDA,
  adversarial: true,
  pretrainMacroEpochs: 0,
  epochs: 40,
  batchSize: 32,
  optimizer: 'adam',
  lr: 5e-4,
  momentum: 0,
};

/** A fitted network as the `network:<name>` SavedModel that src/nets/learner.ts's loader rebuilds. */
export function savedNetwork(net: Network, name: string, build: Record<string, unknown>, classes: readonly string[]): SavedModel {
  const arrays: Record<string, Float32Array> = {};
  const shapes: Record<string, number[]> = {};
  for (const [k, w] of networkWeightArrays(net)) {
    arrays[k] = w.data;
    shapes[k] = [...w.shape];
  }
  return { kind: `network:${name}`, json: { name, inputShape: [...net.inputShape], classes: [...classes], build, shapes }, arrays };
}

/** The EMR input of a clip: flow image (NHWC [flowSize, flowSize, 3] in [0, 1]), magnified first for frame clips. */
export async function emrInput(clip: ClipRef, p: Pick<EmrParams, 'flowSize' | 'frameSize' | 'magnify' | 'evmAlpha' | 'evmLambdaC' | 'evmLowHz' | 'evmHighHz' | 'defaultFps'>): Promise<Float32Array> {
  if (clip.source.kind === 'flow' || !p.magnify) return flowNetInput(clip, p);
  const id = `${clip.dataset}/${clip.subject}/${clip.clip}`;
  const vol = await loadClipVolume(clip, { size: { width: p.frameSize, height: p.frameSize } });
  if (vol.frames < 2) throw new MerError('BAD_INPUT', `clip has ${vol.frames} frame(s); a flow needs an onset and an apex`, { clip: id });
  const { onset, apex: annotated } = annotatedIndices(clip, vol.frames);
  const apex = annotated ?? spotApex(vol, { onset });
  const fps = clip.fps ?? p.defaultFps;
  // at least the first non-DC DFT bin (fps / T) lies inside the band, however short the clip
  const fh = Math.min(fps / 2, Math.max(p.evmHighHz, FIRST_BIN_MARGIN * (fps / vol.frames)));
  if (!(p.evmLowHz < fh)) throw new MerError('BAD_OPTION', `EVM band ${p.evmLowHz}–${fh} Hz is empty at ${fps} fps`, { clip: id, expected: 'evmLowHz < min(evmHighHz, fps/2)' });
  const mag = evm(vol, { alpha: p.evmAlpha, lambdaC: p.evmLambdaC, fl: p.evmLowHz, fh, fps, filter: 'ideal' });
  const { image } = clipFlowImage(mag, { onset, apex, size: p.flowSize });
  const n = image.width * image.height;
  const planar = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planar[c * n + i] = image.data[3 * i + c] / 255;
  return planarToNhwc(planar, p.flowSize);
}

/** Why the macro domain is off, or undefined when it can be used (classes known at fit time). */
function macroOff(p: EmrParams): string | undefined {
  if (!p.macroDir) return 'no CK+ folder (macroDir): trained without the adversarial branch and without macro pre-training';
  if (!p.adversarial && p.pretrainMacroEpochs === 0) return 'adversarial = false and pretrainMacroEpochs = 0';
  return undefined;
}

function emrLearner(p: EmrParams): Learner {
  const build = { size: p.size, width: p.width, partHidden: p.partHidden, lambda: p.lambda };
  return {
    name: 'network:emr',
    async fit(train: TrainingSet): Promise<FittedModel> {
      await initBackend({ backend: 'wasm' });
      const info: Record<string, unknown> = {};
      let macro: MacroDomain | undefined;
      const off = macroOff(p);
      if (off) info.macro = off;
      else if (!macroSchemeFor(train.classes)) info.macro = `CK+ has no relabelling to ${train.classes.join('/')}: trained without the macro domain`;
      else {
        macro = await loadMacroDomain(p.macroDir as string, { kind: 'flow', classes: train.classes, size: p.flowSize, cacheDir: defaultCacheDir() });
        info.macro = `CK+ ${macro.y.length} flow images (${macro.scheme}; ${macro.skipped.length} sequences skipped)${p.adversarial ? `, adversarial λ = ${p.lambda}` : ''}${p.pretrainMacroEpochs > 0 ? `, pre-trained ${p.pretrainMacroEpochs} epochs` : ''}`;
      }
      const seed = train.rng.nextUint32();
      const optimizer = optimizerOf(p);
      const classes = train.classes.length;
      let pre: ReturnType<typeof networkWeightArrays> | undefined;
      if (macro && p.pretrainMacroEpochs > 0) {
        const net0 = emr({ ...build, classes, seed });
        try {
          const r = await trainNetwork(net0, { x: macro.x, y: macro.y, subjects: macro.subjects }, { epochs: p.pretrainMacroEpochs, batchSize: p.batchSize, optimizer, seed: train.rng.nextUint32() });
          info.pretrainSecondsPerEpoch = r.secondsPerEpoch;
          info.pretrainFinalLoss = r.log.at(-1)?.loss;
          pre = networkWeightArrays(net0);
        } finally {
          net0.dispose();
        }
      }
      const source = macro && p.adversarial ? { x: macro.x, y: macro.y } : undefined;
      const net = emr({ ...build, classes, seed, source }) as EmrNetwork;
      if (pre) net.setWeights(pre);
      const len = p.flowSize * p.flowSize * 3;
      const x = new Float32Array(train.X.length * len);
      train.X.forEach((row, i) => {
        if (row.length !== len) throw new MerError('BAD_INPUT', `training row ${train.ids[i] ?? i} has ${row.length} values`, { clip: train.ids[i], expected: `${p.flowSize}×${p.flowSize}×3 = ${len}` });
        x.set(row, i * len);
      });
      const report: TrainReport = await trainNetwork(net, { x, y: Int32Array.from(train.y), subjects: train.subjects }, { epochs: p.epochs, batchSize: p.batchSize, optimizer, seed: train.rng.nextUint32(), audit: auditHook(train.audit) });
      info.epochs = report.epochs;
      info.finalLoss = report.log.at(-1)?.loss;
      info.secondsPerEpoch = report.secondsPerEpoch;
      info.adversarial = source !== undefined;
      return {
        info,
        network: net,
        predict: (X) => predictRows(net, X),
        dispose: () => net.dispose(),
        save: () => savedNetwork(net, 'emr', build, train.classes),
      } as FittedModel & { info: Record<string, unknown>; network: Network };
    },
  };
}

export function emrRecipe(overrides: Record<string, unknown> = {}): Recipe {
  const { macroDomain: _derived, ...o } = overrides as Partial<EmrParams> & { macroDomain?: unknown };
  let macroDir: string | null;
  if (o.macroDir === undefined) macroDir = defaultMacroDir() ?? null;
  else if (o.macroDir === null || o.macroDir === '') macroDir = null;
  else {
    macroDir = String(o.macroDir);
    if (!existsSync(macroDir)) throw new MerError('NOT_FOUND', `CK+ folder ${macroDir} (recipe parameter macroDir) does not exist`, { file: macroDir, expected: 'the ckplus48 layout <emotion>/S<subject>_<seq>_<frame>.png, or macroDir: null' });
  }
  const p: EmrParams = { ...EMR_DEFAULTS, ...o, macroDir };
  for (const k of ['epochs', 'batchSize', 'width', 'size', 'flowSize', 'frameSize'] as const) {
    if (!(Number.isInteger(p[k]) && p[k] >= 1)) throw new MerError('BAD_OPTION', `emr ${k} ${p[k]}`, { expected: 'an integer ≥ 1' });
  }
  if (!(Number.isInteger(p.pretrainMacroEpochs) && p.pretrainMacroEpochs >= 0)) throw new MerError('BAD_OPTION', `emr pretrainMacroEpochs ${p.pretrainMacroEpochs}`, { expected: 'an integer ≥ 0' });
  const off = macroOff(p);
  return {
    name: 'emr',
    title: 'EMR: part-based ResNet-18 on magnified onset→apex flow, CK+ adversarial domain adaptation',
    paper: {
      citation: 'Liu, Du, Zheng, Gedeon, "A neural micro-expression recognizer", IEEE FG 2019 (MEGC 2019)',
      settings:
        'ResNet-18 flow encoder (He init: ImageNet weights not downloadable; optional CK+ pre-training), top/bottom part pooling, L_t + L_b + L_c − λ·L_adv (gradient reversal, λ 0.1), CK+ macro domain relabelled; EVM magnification of frame clips (not possible for precomputed flow images); Adam 5e-4, batch 32, 40 epochs (merkit choice: the paper gives none)',
    },
    accepts: ['flow', 'frames', 'video', 'memory'],
    defaultProtocol: 'loso',
    auditable: true,
    params: { ...p, macroDomain: off ? `off: ${off}` : `CK+ from ${p.macroDir}` },
    extractParams: { flowSize: p.flowSize, frameSize: p.frameSize, magnify: p.magnify, evmAlpha: p.evmAlpha, evmLowHz: p.evmLowHz, evmHighHz: p.evmHighHz, evmLambdaC: p.evmLambdaC, defaultFps: p.defaultFps },
    extract: (clip) => emrInput(clip, p),
    learner: () => emrLearner(p),
  };
}
