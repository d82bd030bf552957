/**
 * The recipe registry: `merkit recipes` lists it, `--recipe NAME` picks from it.
 * A recipe is built from its name plus optional parameter overrides, so a
 * worker thread can rebuild exactly the recipe the main thread uses.
 *
 * Each built-in recipe's module is imported the first time that recipe is
 * built (the network recipes bring tfjs with them), so the registry costs
 * nothing to import: `recipeNames()` is synchronous, `getRecipe` and
 * `listRecipes` are asynchronous because they load modules.
 */
import { MerError } from '../core/errors.ts';
import type { Recipe } from './types.ts';

export type RecipeFactory = (overrides?: Record<string, unknown>) => Recipe;

/** name → its factory, loaded on demand (a registered recipe's factory is simply there) */
type RecipeLoader = () => Promise<RecipeFactory> | RecipeFactory;

const REGISTRY: Record<string, RecipeLoader> = {
  'flow-svm': async () => { const { flowSvm } = await import('./flowSvm.ts'); return (o) => flowSvm(o); },
  'off-apexnet': async () => { const { offApexNetRecipe } = await import('./offApexNet.ts'); return (o) => offApexNetRecipe(o); },
  'dual-inception': async () => { const { dualInceptionRecipe } = await import('./dualInception.ts'); return (o) => dualInceptionRecipe(o); },
  fr: async () => { const { frRecipe } = await import('./fr.ts'); return (o) => frRecipe(o); },
  'svm-linear': async () => { const { featureSvm } = await import('./featureSvm.ts'); return (o) => featureSvm('linear', o); },
  'svm-rbf': async () => { const { featureSvm } = await import('./featureSvm.ts'); return (o) => featureSvm('rbf', o); },
  ststnet: async () => { const { ststnetRecipe } = await import('./ststnet.ts'); return (o) => ststnetRecipe(o); },
  emr: async () => { const { emrRecipe } = await import('./emr.ts'); return (o) => emrRecipe(o); },
  tlcnn: async () => { const { tlcnnRecipe } = await import('./tlcnn.ts'); return (o) => tlcnnRecipe(o); },
  'lbptop-svm': async () => { const { lbptopSvm } = await import('./lbptopSvm.ts'); return (o) => lbptopSvm(o); },
  mmfl: async () => { const { mmflRecipe } = await import('./mmfl.ts'); return (o) => mmflRecipe(o); },
  'ltogp-rankpool': async () => { const { ltogpRankpool } = await import('./ltogpRankpool.ts'); return (o) => ltogpRankpool(o); },
};

/**
 * Add a recipe (a plug-in, or a test's spy). Worker threads rebuild recipes
 * from this registry, so a recipe registered at run time is only visible to
 * the in-process executor (workers = 1) unless its module registers it on import.
 */
export function registerRecipe(name: string, factory: RecipeFactory): void {
  if (REGISTRY[name]) throw new MerError('BAD_OPTION', `a recipe named '${name}' is already registered`);
  REGISTRY[name] = () => factory;
}

/** every recipe name, without loading any recipe module */
export function recipeNames(): string[] {
  return Object.keys(REGISTRY).sort();
}

/** Build recipe `name` with parameter overrides (its module is loaded on first use). */
export async function getRecipe(name: string, overrides: Record<string, unknown> = {}): Promise<Recipe> {
  const load = REGISTRY[name];
  if (!load) {
    throw new MerError('BAD_OPTION', `unknown recipe '${name}'`, { expected: `one of ${recipeNames().join(', ')}` });
  }
  return (await load())(overrides);
}

/** Every recipe with its defaults (loads every recipe module, tfjs included). */
export async function listRecipes(): Promise<Recipe[]> {
  return Promise.all(recipeNames().map((n) => getRecipe(n)));
}

export type { Recipe } from './types.ts';
