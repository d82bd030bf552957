/**
 * The recipe registry: `merkit recipes` lists it, `--recipe NAME` picks from it.
 * A recipe is built from its name plus optional parameter overrides, so a
 * worker thread can rebuild exactly the recipe the main thread uses.
 */
import { MerError } from '../core/errors.ts';
import type { Recipe } from './types.ts';
import { flowSvm } from './flowSvm.ts';
import { featureSvm } from './featureSvm.ts';
import { offApexNetRecipe } from './offApexNet.ts';
import { dualInceptionRecipe } from './dualInception.ts';
import { frRecipe } from './fr.ts';
import { ststnetRecipe } from './ststnet.ts';
import { emrRecipe } from './emr.ts';
import { tlcnnRecipe } from './tlcnn.ts';
import { lbptopSvm } from './lbptopSvm.ts';
import { mmflRecipe } from './mmfl.ts';
import { ltogpRankpool } from './ltogpRankpool.ts';

export type RecipeFactory = (overrides?: Record<string, unknown>) => Recipe;

const REGISTRY: Record<string, RecipeFactory> = {
  'flow-svm': (o) => flowSvm(o),
  'off-apexnet': (o) => offApexNetRecipe(o),
  'dual-inception': (o) => dualInceptionRecipe(o),
  fr: (o) => frRecipe(o),
  'svm-linear': (o) => featureSvm('linear', o),
  'svm-rbf': (o) => featureSvm('rbf', o),
  ststnet: (o) => ststnetRecipe(o),
  emr: (o) => emrRecipe(o),
  tlcnn: (o) => tlcnnRecipe(o),
  'lbptop-svm': (o) => lbptopSvm(o),
  mmfl: (o) => mmflRecipe(o),
  'ltogp-rankpool': (o) => ltogpRankpool(o),
};

/**
 * Add a recipe (a plug-in, or a test's spy). Worker threads rebuild recipes
 * from this registry, so a recipe registered at run time is only visible to
 * the in-process executor (workers = 1) unless its module registers it on import.
 */
export function registerRecipe(name: string, factory: RecipeFactory): void {
  if (REGISTRY[name]) throw new MerError('BAD_OPTION', `a recipe named '${name}' is already registered`);
  REGISTRY[name] = factory;
}

export function recipeNames(): string[] {
  return Object.keys(REGISTRY).sort();
}

export function getRecipe(name: string, overrides: Record<string, unknown> = {}): Recipe {
  const f = REGISTRY[name];
  if (!f) {
    throw new MerError('BAD_OPTION', `unknown recipe '${name}'`, { expected: `one of ${recipeNames().join(', ')}` });
  }
  return f(overrides);
}

export function listRecipes(): Recipe[] {
  return recipeNames().map((n) => getRecipe(n));
}

export type { Recipe } from './types.ts';
