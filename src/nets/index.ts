/**
 * The networks merkit can rebuild from a saved model (kind 'network:<name>'):
 * importing this module registers each factory and its SavedModel loader
 * (src/learn/persist.ts imports it on demand).
 */
import { registerNetwork } from './learner.ts';
import { ststnetNetwork } from './ststnet.ts';

registerNetwork('ststnet', ststnetNetwork);

export { networkLearner, registerNetwork, loadNetworkModel, predictRows } from './learner.ts';
export { trainNetwork } from './train.ts';
export { layersNetwork } from './layersNetwork.ts';
