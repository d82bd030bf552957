/**
 * ststnet — STSTNet on the onset→apex flow image (u, v, optical strain),
 * trained per fold exactly as the authors did (christy1206/STSTNet main.py):
 *
 *   Liong, Gan, See, Khor, Huang: "Shallow Triple Stream Three-dimensional
 *   CNN (STSTNet) for Micro-expression Recognition", IEEE FG 2019.
 *
 * Input: the 28×28 flow PNG read like cv2.imread — channels in B, G, R order,
 * raw 0–255, no normalisation (for 'frames'/'memory' clips the flow image is
 * computed by the shared flow-image stage and put in the same form).
 * Training: Adam lr 5e-5 (PyTorch defaults otherwise), batch 256, 800 epochs,
 * softmax cross-entropy, no validation split, the final epoch's weights.
 * The paper is silent on the rest; main.py decides it: PyTorch's default
 * init (every layer's reset_parameters()), and a DataLoader WITHOUT
 * shuffling over the training images read one expression folder after
 * another — the same class-grouped batches every epoch. merkit used
 * Keras/tfjs's Glorot init and reshuffled batches before and trained ≈ 4
 * points of UF1 below PyTorch (bench/train-fidelity.ts compares).
 *
 * `pretrainedDir`: like the authors' evaluation script, each LOSO fold loads
 * `DIR/<test subject>.pth` (the fold held out that subject) instead of
 * training. The fold must test exactly one subject (loso / cde protocols).
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipRef } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import { networkLearner } from '../nets/learner.ts';
import { readPth } from '../nets/pth.ts';
import { STSTNET_INPUT_SIZE, ststnetNetwork, ststnetPthToWeights } from '../nets/ststnet.ts';
import { clipFlowImageFeatures, planarRgbToBgr255, readFlowBgr } from '../stages/flowInput.ts';
import type { Recipe } from './types.ts';
import { declareParams } from './paramSpec.ts';

export interface StstnetParams {
  /** Adam learning rate (paper: 5e-5) */
  lr: number;
  /** mini-batch size (paper: 256) */
  batchSize: number;
  /** epochs per fold (paper: 800) */
  epochs: number;
  /** dropout after each max-pool (paper: 0.5) */
  dropout: number;
  /** frame side used when computing flow from frames */
  frameSize: number;
  /** folder of per-subject .pth weights (DIR/<subject>.pth) used instead of training; '' = train */
  pretrainedDir: string;
  /**
   * weight init (authors' code: PyTorch's default, 'torch'); 'glorot' = the
   * Keras/tfjs default merkit used before (ablation, bench/train-fidelity.ts)
   */
  init: 'torch' | 'glorot';
  /**
   * batch order (authors' code: 'by-class' — a DataLoader without shuffling
   * over images read one class folder after another, so the same
   * class-grouped batches every epoch); 'shuffle' = reshuffled every epoch
   */
  batchOrder: 'by-class' | 'shuffle';
}

export const STSTNET_PAPER: StstnetParams = { lr: 5e-5, batchSize: 256, epochs: 800, dropout: 0.5, frameSize: 128, pretrainedDir: '', init: 'torch', batchOrder: 'by-class' };

const STSTNET_MAIN = "authors' code christy1206/STSTNet main.py";
const STSTNET_PAPER_REF = 'Liong et al. FG 2019 (the paper is not in ../shared/papers)';

export const STSTNET_PARAMS = declareParams(STSTNET_PAPER, {
  lr: `${STSTNET_PAPER_REF} and ${STSTNET_MAIN}: Adam lr 5e-5`,
  batchSize: `${STSTNET_PAPER_REF} and ${STSTNET_MAIN}: batch 256`,
  epochs: `${STSTNET_PAPER_REF} and ${STSTNET_MAIN}: 800 epochs`,
  dropout: `${STSTNET_PAPER_REF} and ${STSTNET_MAIN}: dropout 0.5 after each max-pool`,
  frameSize: 'not in the paper (it reads precomputed 28×28 flow images): merkit computes flow from face crops resized to 128 px for clips with frames',
  pretrainedDir: "authors' code christy1206/STSTNet (the evaluation loads <test subject>.pth per LOSO fold); merkit: '' = train instead",
  init: `not in the paper: ${STSTNET_MAIN} (PyTorch's default init, every layer's reset_parameters())`,
  batchOrder: `not in the paper: ${STSTNET_MAIN} (a DataLoader without shuffling over images read one class folder after another)`,
});

/** The bare subject name of a subject key ('casme2/sub01' → 'sub01'). */
function bareSubject(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export function ststnetRecipe(overrides: Partial<StstnetParams> = {}): Recipe {
  const params: StstnetParams = { ...STSTNET_PAPER, ...overrides };
  const epochs = Number(params.epochs);
  if (params.init !== 'torch' && params.init !== 'glorot') throw new MerError('BAD_OPTION', `ststnet init ${String(params.init)}`, { expected: "'torch' or 'glorot'" });
  if (params.batchOrder !== 'by-class' && params.batchOrder !== 'shuffle') throw new MerError('BAD_OPTION', `ststnet batchOrder ${String(params.batchOrder)}`, { expected: "'by-class' or 'shuffle'" });
  const byClass = params.batchOrder === 'by-class';
  return {
    name: 'ststnet',
    title: 'STSTNet: shallow triple-stream CNN on the flow image (u, v, strain)',
    paper: {
      citation: 'Liong, Gan, See, Khor, Huang, "Shallow Triple Stream Three-dimensional CNN (STSTNet) for Micro-expression Recognition", IEEE FG 2019',
      url: 'https://github.com/christy1206/STSTNet',
      settings: "flow image as BGR 0–255, Adam lr 5e-5, batch 256, 800 epochs, LOSO (MEGC 2019 composite); PyTorch's default init and unshuffled class-grouped batches (authors' main.py)",
    },
    accepts: ['flow', 'frames', 'memory'],
    defaultProtocol: 'loso',
    auditable: true,
    params: { ...params },
    paramSpecs: STSTNET_PARAMS,
    async extract(clip: ClipRef): Promise<Float32Array> {
      const id = `${clip.dataset}/${clip.subject}/${clip.clip}`;
      if (clip.source.kind === 'flow') return readFlowBgr(clip.source.file, id, STSTNET_INPUT_SIZE);
      const planar = await clipFlowImageFeatures(clip, { frameSize: params.frameSize, flowSize: STSTNET_INPUT_SIZE });
      return planarRgbToBgr255(planar);
    },
    learner() {
      const dir = params.pretrainedDir;
      return networkLearner(ststnetNetwork, {
        name: 'ststnet',
        inputShape: [STSTNET_INPUT_SIZE, STSTNET_INPUT_SIZE, 3],
        build: { dropout: params.dropout, init: params.init },
        train: { epochs, batchSize: Number(params.batchSize), optimizer: { kind: 'adam', lr: Number(params.lr) }, shuffle: !byClass, groupByClass: byClass },
        pretrained: dir
          ? async (fold) => {
              const subjects = fold.testSubjects ?? [];
              if (subjects.length !== 1) {
                throw new MerError('BAD_OPTION', `pretrainedDir needs folds that test exactly one subject, got ${subjects.length}`, { expected: 'the loso or cde protocol' });
              }
              const file = join(dir, `${bareSubject(subjects[0])}.pth`);
              if (!existsSync(file)) throw new MerError('NOT_FOUND', `no weights for test subject ${subjects[0]}`, { file, expected: 'DIR/<subject>.pth per LOSO fold' });
              if (fold.classes.length !== 3) throw new MerError('BAD_OPTION', `published STSTNet weights have 3 classes, the labels have ${fold.classes.length}`, { expected: '--labels megc3' });
              return ststnetPthToWeights(await readPth(await readFile(file), file), file, 3);
            }
          : undefined,
      });
    },
  };
}
