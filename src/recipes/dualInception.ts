/**
 * dual-inception — Zhou, Mao, Xue, "Dual-Inception network for cross-database
 * micro-expression recognition", FG 2019 (src/nets/dualInception.ts).
 * Settings from the authors' code (github.com/xly135846/MEGC2019): Adam
 * lr 1e-4, batch 3, 40 epochs, shuffled; the checkpoint with the best
 * validation loss is kept (ModelCheckpoint save_best_only), the validation
 * set being 20 % of the training subjects (`validate_partion = 0.2`; merkit
 * draws them from the fold's training subjects only), no early stopping.
 * Their `class_weight='auto'` is a no-op in Keras 2.2.4 (only a dict
 * weights classes), so no class weights. Input: the flow image as in
 * off-apexnet.
 */
import type { Recipe } from './types.ts';
import { dualInception } from '../nets/dualInception.ts';
import { flowNetParamSpecs, flowNetRecipe, type FlowNetParams } from './flowNet.ts';

/** Share of a fold's training subjects held out to pick the checkpoint (authors' `validate_partion`). */
export const DUAL_INCEPTION_VALIDATION_FRACTION = 0.2;

export const DUAL_INCEPTION_DEFAULTS: FlowNetParams = {
  flowSize: 28,
  frameSize: 128,
  epochs: 40,
  batchSize: 3,
  optimizer: 'adam',
  lr: 1e-4,
  momentum: 0,
  validationFraction: DUAL_INCEPTION_VALIDATION_FRACTION,
};

const DI_CODE = "authors' code github.com/xly135846/MEGC2019";

export const DUAL_INCEPTION_PARAMS = flowNetParamSpecs(DUAL_INCEPTION_DEFAULTS, {
  epochs: `${DI_CODE} (40 epochs)`,
  batchSize: `${DI_CODE} (batch 3)`,
  optimizer: `${DI_CODE} (Adam)`,
  lr: `${DI_CODE} (lr 1e-4)`,
  momentum: 'not in the paper: unused by Adam; 0 keeps the SGD alternative plain',
  validationFraction: `${DI_CODE} (validate_partion = 0.2, ModelCheckpoint save_best_only); merkit draws them from the fold's training subjects`,
});

export function dualInceptionRecipe(overrides: Partial<FlowNetParams> = {}): Recipe {
  return flowNetRecipe(
    {
      name: 'dual-inception',
      title: 'Dual-Inception: two Inception streams on flow u, v',
      citation: 'Zhou, Mao, Xue, "Dual-Inception network for cross-database micro-expression recognition", FG 2019',
      settings: 'u, v streams: Inception(4×6) → pool2 → Inception(4×16) → pool2; concat → FC1024 → softmax; Adam 1e-4, batch 3, 40 epochs; checkpoint with the best validation loss on 20 % of the training subjects (authors\' code)',
      factory: dualInception,
      paramSpecs: DUAL_INCEPTION_PARAMS,
    },
    { ...DUAL_INCEPTION_DEFAULTS, ...overrides },
  );
}
