/**
 * Protocol and metric types. A protocol turns a list of labelled clips into
 * folds of (train indices, test indices); indices point into that list.
 */
export interface Fold {
  /** e.g. 'casme2/sub01' for LOSO, 'fold-3' for k-fold */
  readonly name: string;
  readonly train: readonly number[];
  readonly test: readonly number[];
}

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface Metrics {
  readonly n: number;
  readonly acc: number;
  /** MEGC unweighted F1: mean over classes of per-class F1, from the pooled confusion matrix */
  readonly uf1: number;
  /** unweighted average recall: mean over classes of per-class recall */
  readonly uar: number;
  readonly perClass: Record<string, ClassMetrics>;
  /** confusion[true][pred] counts, rows/cols in class order */
  readonly confusion: number[][];
  readonly classes: readonly string[];
  /**
   * The classes UF1/UAR were averaged over: those present in the ground truth
   * (support > 0), in class order. Added by eval/metrics.ts (optional so
   * hand-built Metrics stay valid).
   */
  readonly averagedOver?: readonly string[];
}

/** The publication a recipe reproduces (recorded in results.json and the report). */
export interface PaperRef {
  /** full citation, e.g. 'Liong et al., "Shallow triple stream …", FG 2019' */
  readonly citation: string;
  readonly url?: string;
  /** the paper's settings this recipe reproduces, in words (shown by `merkit recipes`) */
  readonly settings?: string;
}
