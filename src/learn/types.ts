/**
 * The learnable-step contract. The protocol runner hands every step ONLY the
 * training rows of a fold (TrainingSet); the fitted step is then applied to
 * the test rows. Anything fitted (normaliser, PCA, selector, subspace, class
 * weights, model, hyper-parameters) must come out of `fit` — that is what makes
 * "no leakage" a property the runner can test (see test/eval/leakage.test.ts).
 */
import type { Rng } from '../core/rng.ts';

export interface TrainingSet {
  /** one feature vector per training clip */
  readonly X: readonly Float32Array[];
  /** class index per clip, in [0, classes.length) */
  readonly y: readonly number[];
  /** clip keys (dataset/subject/clip), for provenance and leakage checks */
  readonly ids: readonly string[];
  /** subject keys (dataset/subject) per clip: inner CV must group by these */
  readonly subjects: readonly string[];
  readonly classes: readonly string[];
  /** seeded stream for this fit (fold-specific) */
  readonly rng: Rng;
}

export interface Prediction {
  /** predicted class index */
  readonly pred: number;
  /** one score per class (probabilities or decision values; larger = more likely) */
  readonly scores: readonly number[];
}

export interface FittedTransform {
  transform(X: readonly Float32Array[]): Float32Array[];
}

export interface Transformer {
  readonly name: string;
  fit(train: TrainingSet): FittedTransform | Promise<FittedTransform>;
}

export interface FittedModel {
  predict(X: readonly Float32Array[]): Prediction[];
}

export interface Learner {
  readonly name: string;
  fit(train: TrainingSet): FittedModel | Promise<FittedModel>;
}

/** transforms (each fitted on the output of the previous) then a learner */
export function pipeline(name: string, transforms: readonly Transformer[], learner: Learner): Learner {
  return {
    name,
    async fit(train: TrainingSet): Promise<FittedModel> {
      let X = train.X;
      const fitted: FittedTransform[] = [];
      for (const [i, t] of transforms.entries()) {
        const f = await t.fit({ ...train, X, rng: train.rng.fork(`${t.name}:${i}`) });
        fitted.push(f);
        X = f.transform(X);
      }
      const model = await learner.fit({ ...train, X, rng: train.rng.fork(learner.name) });
      return {
        predict(Xtest: readonly Float32Array[]): Prediction[] {
          let Z = Xtest;
          for (const f of fitted) Z = f.transform(Z);
          return model.predict(Z);
        },
      };
    },
  };
}
