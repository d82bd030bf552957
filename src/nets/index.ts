/**
 * The networks merkit can rebuild from a saved model (kind 'network:<name>',
 * name = the recipe's name, which saved models carry): their factories, and
 * their loaders, which `registerNetworkLoaders` adds to learn/persist.ts's
 * table — an explicit call that src/run/modelFolder.ts makes only for a model
 * that holds a network (this module brings tfjs).
 */
import { registerSavedModelLoader, type SavedModelLoader } from '../learn/persist.ts';
import { loadNetworkModel } from './learner.ts';
import type { NetworkFactory } from './types.ts';
import { ststnetNetwork } from './ststnet.ts';
import { offApexNet } from './offApexNet.ts';
import { dualInception } from './dualInception.ts';
import { fr } from './fr.ts';
import { emr } from './emr.ts';
import { tlcnn } from './tlcnn.ts';

export const NETWORK_FACTORIES: Readonly<Record<string, NetworkFactory>> = {
  ststnet: ststnetNetwork,
  'off-apexnet': offApexNet,
  'dual-inception': dualInception,
  fr,
  emr,
  tlcnn,
};

/** kind 'network:<name>' → its loader, for every network above */
export const networkLoaders: Readonly<Record<string, SavedModelLoader>> = Object.fromEntries(
  Object.entries(NETWORK_FACTORIES).map(([name, factory]) => [`network:${name}`, (saved) => loadNetworkModel(saved, factory)]),
);

/** Add every network's loader to learn/persist.ts's table (src/run/modelFolder.ts calls it for a model that holds a network). */
export function registerNetworkLoaders(): void {
  for (const [kind, load] of Object.entries(networkLoaders)) registerSavedModelLoader(kind, load);
}

export { networkLearner, loadNetworkModel, predictRows } from './learner.ts';
export { trainNetwork } from './train.ts';
export { layersNetwork } from './layersNetwork.ts';
