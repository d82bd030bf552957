/**
 * fr — Zhou, Mao, Huang, Zhang, Xue, Zhao, "Feature refinement: an
 * expression-specific feature learning and fusion method for micro-expression
 * recognition", Pattern Recognition 122, 2022 (src/nets/fr.ts;
 * ../shared/papers/fr-feature-refinement.txt).
 *
 * Settings (paper §4): CDE batch 32, lr 0.001, λ 0.85, no momentum (Adam);
 * CDMER / single-database: lr 0.0005, momentum 0.8 (SGD) — pass
 * `setting: 'cdmer'`. The paper does not state the epoch count: 100 is
 * merkit's choice. Apex from annotation or inter-frame difference when the
 * flow is computed from frames (src/recipes/stages.ts).
 */
import type { Recipe } from './types.ts';
import { fr, FR_LAMBDA } from '../nets/fr.ts';
import { flowNetRecipe, type FlowNetParams } from './offApexNet.ts';

export interface FrParams extends FlowNetParams {
  setting: 'cde' | 'cdmer';
  lambda: number;
}

export const FR_DEFAULTS: FrParams = { flowSize: 28, frameSize: 128, epochs: 100, batchSize: 32, optimizer: 'adam', lr: 0.001, momentum: 0, setting: 'cde', lambda: FR_LAMBDA };
const FR_CDMER = { optimizer: 'sgd' as const, lr: 0.0005, momentum: 0.8 };

export function frRecipe(overrides: Partial<FrParams> = {}): Recipe {
  const base = overrides.setting === 'cdmer' ? { ...FR_DEFAULTS, ...FR_CDMER } : FR_DEFAULTS;
  const p: FrParams = { ...base, ...overrides };
  return flowNetRecipe(
    {
      name: 'fr',
      title: 'FR: expression-specific feature refinement on flow u, v',
      citation: 'Zhou, Mao, Huang, Zhang, Xue, Zhao, "Feature refinement: an expression-specific feature learning and fusion method for micro-expression recognition", Pattern Recognition 122, 2022',
      settings: 'two-stream Inception (6, 16) → z; K softmax attentions + sigmoid detectors (L_prop); sum fusion → FC–dropout0.5–FC; λ 0.85; CDE batch 32 lr 0.001; CDMER lr 0.0005 momentum 0.8',
      factory: fr,
      build: { lambda: p.lambda },
    },
    p,
  );
}
