/**
 * merkit's library entry (the package's only export, `import … from 'merkit'`):
 * the main stages and the runner. The package ships this compiled to
 * dist/index.js with its .d.ts, for plain Node. Importing it loads no heavy
 * dependency: tfjs, vega, exceljs, bullmq and sharp are imported by the
 * functions that need them, on first use (test/package/consumer.test.ts).
 */
export * from './core/index.ts';
export { openDataset, datasetKinds } from './datasets/index.ts';
export { getLabelScheme, listLabelSchemes, applyLabels } from './datasets/labelSchemes.ts';
export { inspectDataset, formatInspect } from './datasets/inspect.ts';
export { writeSyntheticDataset } from './datasets/synthetic/generate.ts';
export { readImage, writeImage, decodeImage } from './io/image.ts';
export { readVideo, decodeVideoFrames, encodeVideo, probeVideo } from './io/video.ts';
export { tvl1Flow, TVL1_DEFAULTS } from './motion/tvl1.ts';
export { opticalStrain } from './motion/strain.ts';
export { flowImage } from './motion/flowImage.ts';
export { clipFlowImage } from './stages/clipFlow.ts';
export { spotApex } from './temporal/apex.ts';
export { tim } from './temporal/tim.ts';
export { evm } from './temporal/evm.ts';
export { spotIntervals } from './temporal/spot.ts';
export { lbpTop } from './features/lbpTop.ts';
export { rankPool } from './features/rankPool.ts';
export { hoof } from './features/hoof.ts';
export { mdmo } from './features/mdmo.ts';
export { biwoof } from './features/biwoof.ts';
export { pipeline } from './learn/pipeline.ts';
export type { Learner, Transformer, TrainingSet, FittedModel, Prediction, SavedModel, AuditProbe } from './learn/types.ts';
export { svm } from './learn/svm.ts';
export { standardize } from './learn/standardize.ts';
export { pca } from './learn/pca.ts';
export { lda } from './learn/lda.ts';
export { l21Selector, l21Select } from './learn/l21Select.ts';
export { mmfl } from './learn/mmfl.ts';
export { losoFolds, kfoldFolds, cdeFolds, crossFolds, holdoutFolds, makeFolds, checkFolds, parseProtocol } from './eval/protocols.ts';
export { computeMetrics, confusionMatrix } from './eval/metrics.ts';
export { auditOracles, auditSchedule, oracleSubjectBest, oracleGlobalBest } from './eval/audit.ts';
export type { AuditBlock, AuditEpoch, AuditEntry } from './eval/audit.ts';
export { writeReport, formatSummaryTable } from './eval/report.ts';
export { getRecipe, listRecipes, registerRecipe, recipeNames } from './recipes/index.ts';
export type { Recipe } from './recipes/types.ts';
export { evaluate } from './run/evaluate.ts';
export type { EvaluateOptions } from './run/evaluate.ts';
export { trainModel, loadModel, predictClip } from './run/modelFolder.ts';
export { analyzeVideo } from './run/analyzeVideo.ts';
export { MERKIT_VERSION } from './version.ts';
