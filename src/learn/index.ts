/**
 * Classical learners: scaling, PCA, LDA, SVM (libsvm), grid search.
 * Every step follows the contract of ./types.ts: fitted on the training rows only.
 */
export * from './types.ts';
export { standardize, minMaxScale, l2Normalize, fitStandardize, fitMinMax, l2NormalizeRows } from './standardize.ts';
export type { StandardizeOptions, FittedAffine } from './standardize.ts';
export { pca, fitPca } from './pca.ts';
export type { PcaOptions, FittedPca } from './pca.ts';
export { lda, ldaTransform, fitLda, fitLdaAxes } from './lda.ts';
export type { LdaOptions, FittedLda, FittedLdaTransform } from './lda.ts';
export { svm, fitSvm, ABSENT_CLASS_SCORE } from './svm.ts';
export type { SvmOptions, SvmInfo, FittedSvm } from './svm.ts';
export { gridSearch, groupFolds, uf1 } from './gridSearch.ts';
export type { GridSearchArgs, GridSearchResult, InnerFold } from './gridSearch.ts';
export { gram, kernelValue, gammaScale } from './kernels.ts';
export type { KernelName, KernelSpec } from './kernels.ts';
// l21Select / mmfl exports: added by the texture-features engineer (src/learn/l21Select.ts, src/learn/mmfl.ts).
