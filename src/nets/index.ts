/**
 * The networks merkit can rebuild from a saved model (kind 'network:<name>'):
 * importing this module registers each factory and its SavedModel loader
 * (src/learn/persist.ts imports it on demand).
 */
import { registerNetwork } from './learner.ts';
import { ststnetNetwork } from './ststnet.ts';
import { offApexNet } from './offApexNet.ts';
import { dualInception } from './dualInception.ts';
import { fr } from './fr.ts';
import { emr } from './emr.ts';
import { tlcnn } from './tlcnn.ts';

// names = the recipes' names (networkLearner's `name`), which saved models carry
registerNetwork('ststnet', ststnetNetwork);
registerNetwork('off-apexnet', offApexNet);
registerNetwork('dual-inception', dualInception);
registerNetwork('fr', fr);
registerNetwork('emr', emr);
registerNetwork('tlcnn', tlcnn);

export { networkLearner, registerNetwork, loadNetworkModel, predictRows } from './learner.ts';
export { trainNetwork } from './train.ts';
export { layersNetwork } from './layersNetwork.ts';
