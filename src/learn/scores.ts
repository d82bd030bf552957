/**
 * Class scores as shown to a person (`merkit predict`, `analyze`, the page):
 * probabilities pass through; other scores (decision values, votes) become a
 * softmax — a display ranking, flagged as not calibrated probabilities.
 */
export interface NamedScores {
  readonly label: string;
  readonly index: number;
  /** one score per class name, summing to 1 */
  readonly scores: Record<string, number>;
  /** whether `scores` are the model's own probabilities */
  readonly probabilities: boolean;
}

/** tolerance for "the scores already sum to 1" */
const SUM_TOLERANCE = 1e-6;

export function namedScores(classes: readonly string[], pred: number, raw: readonly number[]): NamedScores {
  const s = Array.from(raw);
  const isProb = s.every((v) => v >= 0 && v <= 1) && Math.abs(s.reduce((a, b) => a + b, 0) - 1) < SUM_TOLERANCE;
  let shown = s;
  if (!isProb) {
    const top = Math.max(...s);
    const e = s.map((v) => Math.exp(v - top));
    const z = e.reduce((a, b) => a + b, 0);
    shown = e.map((v) => v / z);
  }
  const scores: Record<string, number> = {};
  classes.forEach((c, i) => (scores[c] = shown[i] ?? 0));
  return { label: classes[pred], index: pred, scores, probabilities: isProb };
}
