/**
 * off-apexnet — Gan, Liong, Yau, Huang, Tan, "OFF-ApexNet on micro-expression
 * recognition system", Signal Processing: Image Communication 74 (2019).
 * Two LeNet-like streams on the onset→apex flow u and v (src/nets/offApexNet.ts).
 *
 * Input per clip: the MEGC flow image (28×28, R = u, G = v, B = strain,
 * min-max 0–255 per image) as NHWC floats in [0, 1]; read from `flowdir`
 * or computed from frames (onset = first frame, apex annotated or spotted,
 * TV-L1; src/stages/flowInput.ts).
 *
 * Training: Adam lr 1e-4, 3000 epochs as reported for OFF-ApexNet (the paper
 * is not in ../shared/papers: settings from the authors' description,
 * unverified here); batch 64 is merkit's choice. `epochs` etc. can be
 * overridden (the CDE bench runs shortened).
 */
import type { Recipe } from './types.ts';
import { offApexNet } from '../nets/offApexNet.ts';
import { flowNetParamSpecs, flowNetRecipe, type FlowNetParams } from './flowNet.ts';

export const OFF_APEXNET_DEFAULTS: FlowNetParams = { flowSize: 28, frameSize: 128, epochs: 3000, batchSize: 64, optimizer: 'adam', lr: 1e-4, momentum: 0 };

const OFF_APEXNET_NOT_HERE = 'the OFF-ApexNet paper is not in ../shared/papers, so unverified here';

export const OFF_APEXNET_PARAMS = flowNetParamSpecs(OFF_APEXNET_DEFAULTS, {
  epochs: `Gan et al. 2019 as reported for OFF-ApexNet (3000 epochs; ${OFF_APEXNET_NOT_HERE})`,
  batchSize: 'not in the paper as merkit read it: 64 is merkit\'s choice',
  optimizer: `Gan et al. 2019 as reported for OFF-ApexNet (Adam; ${OFF_APEXNET_NOT_HERE})`,
  lr: `Gan et al. 2019 as reported for OFF-ApexNet (lr 1e-4; ${OFF_APEXNET_NOT_HERE})`,
  momentum: 'not in the paper: unused by Adam; 0 keeps the SGD alternative plain',
});

export function offApexNetRecipe(overrides: Partial<FlowNetParams> = {}): Recipe {
  return flowNetRecipe(
    {
      name: 'off-apexnet',
      title: 'OFF-ApexNet: two-stream CNN on onset→apex flow u, v',
      citation: 'Gan, Liong, Yau, Huang, Tan, "OFF-ApexNet on micro-expression recognition system", Signal Processing: Image Communication 74, 2019',
      settings: 'u, v streams: conv5×5·6 → pool2 → conv5×5·16 → pool2; FC1024–dropout0.5–FC1024–dropout0.5–softmax; Adam 1e-4, 3000 epochs',
      factory: offApexNet,
      paramSpecs: OFF_APEXNET_PARAMS,
    },
    { ...OFF_APEXNET_DEFAULTS, ...overrides },
  );
}
