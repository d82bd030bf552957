/**
 * A recipe = a published (or baseline) method as data plus a few lines:
 * a per-clip, label-free `extract` stage (cacheable; never sees labels or
 * other clips) and a `learner` that is fitted per fold on training rows only.
 */
import type { ClipRef, ClipSource } from '../core/clip.ts';
import type { Learner } from '../learn/types.ts';
import type { PaperRef } from '../eval/types.ts';
import type { ParamSpecs } from './paramSpec.ts';

export interface Recipe {
  /** CLI name, e.g. 'flow-svm' */
  readonly name: string;
  readonly title: string;
  readonly paper?: PaperRef;
  /** clip source kinds this recipe can read */
  readonly accepts: readonly ClipSource['kind'][];
  /** protocol used when --protocol is not given */
  readonly defaultProtocol: string;
  /**
   * The learner trains in epochs and reports the fold's test predictions at
   * the epochs TrainingSet.audit asks for (`--audit-selection`).
   */
  readonly auditable?: boolean;
  /** every parameter of the recipe (shown in the report) */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * The declaration of every key of `params` (src/recipes/paramSpec.ts):
   * type, default, paper source. `--param` validates against it; a recipe
   * without one (a plug-in) has its parameters typed by their values.
   */
  readonly paramSpecs?: ParamSpecs;
  /**
   * The parameters that change `extract`'s output: the feature cache key.
   * Default: all of `params`. Recipes whose learner has its own settings
   * (epochs, C, …) list only the extraction ones, so changing those does not
   * recompute every clip's features.
   */
  readonly extractParams?: Readonly<Record<string, unknown>>;
  /** clip → feature vector. Pure and label-free: no fitting may happen here. */
  extract(clip: ClipRef): Promise<Float32Array>;
  /** a fresh, unfitted learner (transforms + model) for one fold */
  learner(): Learner;
}
