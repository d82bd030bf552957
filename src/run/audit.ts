/**
 * The runner's side of `--audit-selection` (issue 20): the probe a fold's
 * learner receives (TrainingSet.audit) and the storage behind it.
 *
 * Why this cannot leak the test fold into training:
 * - the fold's test rows are captured in this closure, never put in a field
 *   of the probe or of the TrainingSet; the probe is a frozen object of two
 *   functions;
 * - `record` applies the learner's predict function to the test rows and
 *   keeps only the predicted class indices, in a store only `stored()` reads;
 *   `record` returns undefined, so nothing the learner or the training engine
 *   can see depends on the test rows;
 * - `stored()` is called by runFoldTask (tasks.ts) after `fit` has returned,
 *   and its output goes into the fold's result, read only by the report
 *   (eval/audit.ts) after every fold has finished.
 * Tested in test/eval/leakage.test.ts (nothing reachable from the
 * TrainingSet is a test row; the probe gives nothing back) and
 * test/nets/audit.test.ts (every network's weights and reported predictions
 * are the same bit for bit with the audit on or off, whatever the test rows).
 */
import { MerError } from '../core/errors.ts';
import { auditSchedule, type AuditSpec } from '../eval/audit.ts';
import type { AuditProbe } from '../learn/types.ts';

/** What one fold stored: the epochs (1-based, ascending) and each one's predicted class per test row. */
export interface FoldAudit {
  epochs: number[];
  preds: number[][];
}

export function createAuditProbe(testX: readonly Float32Array[], spec: AuditSpec): { probe: AuditProbe; stored: () => FoldAudit } {
  const byEpoch = new Map<number, number[]>();
  const probe: AuditProbe = Object.freeze({
    epochs: (total: number) => auditSchedule(total, spec.every),
    record(epoch: number, predict: (X: readonly Float32Array[]) => readonly { pred: number }[]): void {
      if (byEpoch.has(epoch)) throw new MerError('INTERNAL', `audit: epoch ${epoch} recorded twice (a recipe audits one training stage only)`);
      const out = predict(testX);
      if (out.length !== testX.length) throw new MerError('INTERNAL', `audit: ${out.length} predictions for ${testX.length} test rows at epoch ${epoch}`);
      byEpoch.set(epoch, out.map((p) => p.pred));
    },
  });
  const stored = (): FoldAudit => {
    const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
    return { epochs, preds: epochs.map((e) => byEpoch.get(e)!) };
  };
  return { probe, stored };
}
