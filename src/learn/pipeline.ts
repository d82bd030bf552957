/**
 * A pipeline: transforms, each fitted on the output of the previous, then a
 * learner — all on the fold's training rows only. Saved as kind 'pipeline'.
 */
import { MerError } from '../core/errors.ts';
import type { AuditProbe, FittedModel, FittedTransform, Learner, Prediction, SavedModel, Transformer, TrainingSet } from './types.ts';
import { isFittedModel, isFittedTransform } from './savedModel.ts';

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

/**
 * Rebuild a saved pipeline; `loadStep` loads each child (persist.ts passes
 * loadSavedModel, so any kind it knows can be a step).
 */
export async function loadPipeline(saved: SavedModel, loadStep: (s: SavedModel) => Promise<FittedModel | FittedTransform>): Promise<FittedModel> {
  const j = saved.json as { name?: unknown; transforms?: unknown } | null;
  const children = saved.children ?? [];
  const nT = j && typeof j.transforms === 'number' ? j.transforms : -1;
  if (!j || typeof j.name !== 'string' || nT < 0 || children.length !== nT + 1) {
    throw new MerError('BAD_INPUT', `saved pipeline lists ${children.length} children`, { expected: 'json { name, transforms: n } and n + 1 children (transforms then model)' });
  }
  const fitted: FittedTransform[] = [];
  for (const c of children.slice(0, nT)) {
    const f = await loadStep(c);
    if (!isFittedTransform(f)) throw new MerError('BAD_INPUT', `saved pipeline step '${c.kind}' is not a transform`);
    fitted.push(f);
  }
  const m = await loadStep(children[nT]);
  if (!isFittedModel(m)) throw new MerError('BAD_INPUT', `saved pipeline's last step '${children[nT].kind}' is not a model`);
  return fittedPipeline(j.name, fitted, m);
}
