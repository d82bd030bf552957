/**
 * The learnable-step contract. The protocol runner hands every step ONLY the
 * training rows of a fold (TrainingSet); the fitted step is then applied to
 * the test rows. Anything fitted (normaliser, PCA, selector, subspace, class
 * weights, model, hyper-parameters) must come out of `fit` — that is what makes
 * "no leakage" a property the runner can test (see test/eval/leakage.test.ts).
 */
import type { Rng } from '../core/rng.ts';
import { MerError } from '../core/errors.ts';
import { loadSavedModel, registerSavedModelLoader, isFittedModel, isFittedTransform } from './persist.ts';

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
  /**
   * A stream that starts the same in every fold of one run (it depends on the
   * run's seed only): for work that uses no fold's data at all — pre-training
   * on auxiliary data such as CK+ — so that work is identical in every fold
   * and can be done once and reused. Absent outside the runner (use `rng`).
   */
  readonly sharedRng?: Rng;
  /**
   * subject keys (dataset/subject) of the fold's TEST clips — only their
   * names, never their data (e.g. to load the authors' per-subject
   * checkpoint `DIR/<test subject>.pth`). Optional: absent outside the runner.
   */
  readonly testSubjects?: readonly string[];
  /**
   * `--audit-selection` only (issue 20): where a training loop reports the
   * fold's test predictions at the epochs the runner asks for. It holds no
   * test data a learner can read — only two functions; `record` returns
   * nothing. See AuditProbe. Absent unless the run is audited.
   */
  readonly audit?: AuditProbe;
}

/**
 * The runner's audit probe (src/run/audit.ts). The fold's test rows live in
 * the probe's closure, never in a field: a learner hands `record` a predict
 * function of its network's CURRENT state, the probe applies it to the test
 * rows and files the predicted classes away for the report. Nothing comes
 * back (`record` returns undefined), so no training decision can depend on
 * the test fold. The learner must predict without side effects (inference
 * mode: no random draws, no BatchNorm statistic updates); test/nets/audit.test.ts
 * checks for every network that weights and reported predictions are the
 * same bit for bit with and without the probe.
 */
export interface AuditProbe {
  /** 1-based epochs at which the runner wants predictions, for a training of `total` epochs */
  epochs(total: number): readonly number[];
  /** store `predict`'s classes for the fold's test rows at `epoch` (1-based); returns nothing */
  record(epoch: number, predict: (X: readonly Float32Array[]) => readonly Prediction[]): void;
}

export interface Prediction {
  /** predicted class index */
  readonly pred: number;
  /** one score per class (probabilities or decision values; larger = more likely) */
  readonly scores: readonly number[];
}

export interface FittedTransform {
  transform(X: readonly Float32Array[]): Float32Array[];
  /** see FittedModel.save */
  save?(): SavedModel | Promise<SavedModel>;
}

export interface Transformer {
  readonly name: string;
  fit(train: TrainingSet): FittedTransform | Promise<FittedTransform>;
}

export interface FittedModel {
  predict(X: readonly Float32Array[]): Prediction[];
  /**
   * Serialise the fitted state (for `merkit train` model folders). Optional:
   * a learner whose models cannot be saved simply omits it, and `merkit train`
   * says so. Loaded back by `loadSavedModel` (src/learn/persist.ts) through
   * the loader registered for `kind`.
   */
  save?(): SavedModel | Promise<SavedModel>;
  /**
   * Release what the model holds outside the JS heap (a network's tensors in
   * the wasm heap). Optional; the model must not be used afterwards. The
   * fold runner calls it once a fold's predictions are taken: without it a
   * worker kept every fold's network (FR: 42 MB of weights per fold) alive.
   */
  dispose?(): void;
}

/** A fitted model as data: small JSON plus named binary arrays (weights, support vectors). */
export interface SavedModel {
  /** loader key, e.g. 'pipeline', 'standardize', 'svm', 'network:ststnet' */
  readonly kind: string;
  /** small JSON-serialisable state (options, shapes, class names, …) */
  readonly json: unknown;
  /** large numeric state, stored as separate binary files in a model folder */
  readonly arrays?: Readonly<Record<string, Float32Array | Float64Array | Int32Array>>;
  /** nested models (e.g. a pipeline's transforms then its learner) */
  readonly children?: readonly SavedModel[];
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
        const f = await t.fit({ ...train, X, rng: train.rng.fork(`${t.name}:${i}`), audit: undefined });
        fitted.push(f);
        X = f.transform(X);
      }
      // the learner's audited predictions must go through the fitted transforms, as its final ones do
      const probe = train.audit;
      const audit: AuditProbe | undefined = probe && {
        epochs: (total) => probe.epochs(total),
        record: (epoch, predict) => probe.record(epoch, (Xt) => predict(fitted.reduce((Z, f) => f.transform(Z), Xt))),
      };
      const model = await learner.fit({ ...train, X, rng: train.rng.fork(learner.name), audit });
      return fittedPipeline(name, fitted, model);
    },
  };
}

/**
 * A fitted pipeline: transforms applied in order, then the model. `save()`
 * exists when every step can be saved: kind 'pipeline', json { name,
 * transforms: count }, children = the transforms then the model.
 */
export function fittedPipeline(name: string, fitted: readonly FittedTransform[], model: FittedModel): FittedModel {
  const out: FittedModel = {
    predict(Xtest: readonly Float32Array[]): Prediction[] {
      let Z = Xtest;
      for (const f of fitted) Z = f.transform(Z);
      return model.predict(Z);
    },
    dispose: () => model.dispose?.(),
  };
  if (model.save && fitted.every((f) => f.save)) {
    return {
      ...out,
      async save(): Promise<SavedModel> {
        const children: SavedModel[] = [];
        for (const f of fitted) children.push(await f.save!());
        children.push(await model.save!());
        return { kind: 'pipeline', json: { name, transforms: fitted.length }, children };
      },
    };
  }
  return out;
}

registerSavedModelLoader('pipeline', async (saved) => {
  const j = saved.json as { name?: unknown; transforms?: unknown } | null;
  const children = saved.children ?? [];
  const nT = j && typeof j.transforms === 'number' ? j.transforms : -1;
  if (!j || typeof j.name !== 'string' || nT < 0 || children.length !== nT + 1) {
    throw new MerError('BAD_INPUT', `saved pipeline lists ${children.length} children`, { expected: 'json { name, transforms: n } and n + 1 children (transforms then model)' });
  }
  const fitted: FittedTransform[] = [];
  for (const c of children.slice(0, nT)) {
    const f = await loadSavedModel(c);
    if (!isFittedTransform(f)) throw new MerError('BAD_INPUT', `saved pipeline step '${c.kind}' is not a transform`);
    fitted.push(f);
  }
  const m = await loadSavedModel(children[nT]);
  if (!isFittedModel(m)) throw new MerError('BAD_INPUT', `saved pipeline's last step '${children[nT].kind}' is not a model`);
  return fittedPipeline(j.name, fitted, m);
});
