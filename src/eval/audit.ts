/**
 * The selection audit (`merkit evaluate --audit-selection`, issue 20): what a
 * "best epoch" chosen on the test fold is worth.
 *
 * While a network trains, the runner stores the fold's test predictions at
 * some epochs (`auditSchedule`). Those predictions decide nothing: they go
 * straight to storage (src/run/audit.ts) and only this file reads them, after
 * every fold has finished. From them it computes three numbers:
 *
 * - honest: UF1/UAR of the predictions merkit reports (each fold's last
 *   epoch, or the epoch a recipe picks on a validation split of its TRAINING
 *   subjects) — the run's metrics, copied here for comparison;
 * - oracleSubjectBest: for each test subject, the stored epoch whose
 *   predictions are most accurate on THAT subject's clips (ties → the
 *   earliest such epoch); those predictions pooled over all subjects, then
 *   UF1/UAR — what released code that keeps "the best epoch per LOSO subject"
 *   reports;
 * - oracleGlobalBest: the one stored epoch whose pooled UF1 over all test
 *   clips is highest (ties → the earliest), with its UF1/UAR — what picking
 *   "the best epoch" on the test set reports.
 *
 * Both oracles are functions of `perEpoch` alone (`auditOracles`): each entry
 * carries the clip's true label, and the classes are those seen in perEpoch,
 * so a reader can recompute them from results.json without merkit.
 */
import { MerError } from '../core/errors.ts';
import { computeMetrics } from './metrics.ts';

/** Stored epochs when there are more than this many and no --audit-every is given: this many, evenly spread. */
export const AUDIT_DEFAULT_POINTS = 100;
/** Up to this many epochs, every epoch is stored by default. */
export const AUDIT_EVERY_EPOCH_UP_TO = 200;

/** What the runner is asked to audit (travels in the fold task). */
export interface AuditSpec {
  /** store every K-th epoch (and the last); default: see auditSchedule */
  every?: number;
}

/**
 * The 1-based epochs at which test predictions are stored for a training of
 * `total` epochs: every K-th epoch and the last when `every` = K is given;
 * otherwise every epoch when total ≤ 200, else 100 evenly spread epochs
 * round(k·total/100), k = 1…100 (the last is `total`).
 */
export function auditSchedule(total: number, every?: number): number[] {
  if (!(Number.isInteger(total) && total >= 1)) throw new MerError('BAD_OPTION', `audit of a training of ${total} epochs`, { expected: 'an integer ≥ 1' });
  if (every !== undefined) {
    if (!(Number.isInteger(every) && every >= 1)) throw new MerError('BAD_OPTION', `--audit-every ${every}`, { expected: 'an integer ≥ 1' });
    const out: number[] = [];
    for (let e = every; e <= total; e += every) out.push(e);
    if (out.at(-1) !== total) out.push(total);
    return out;
  }
  if (total <= AUDIT_EVERY_EPOCH_UP_TO) return Array.from({ length: total }, (_, i) => i + 1);
  const out: number[] = [];
  for (let k = 1; k <= AUDIT_DEFAULT_POINTS; k++) {
    const e = Math.round((k * total) / AUDIT_DEFAULT_POINTS);
    if (e !== out.at(-1)) out.push(e);
  }
  return out;
}

/** One test clip's stored prediction at one epoch. */
export interface AuditEntry {
  readonly dataset: string;
  readonly subject: string;
  readonly clip: string;
  /** true class name */
  readonly label: string;
  /** predicted class name */
  readonly pred: string;
}

export interface AuditEpoch {
  /** 1-based epoch */
  readonly epoch: number;
  /** every test clip of every fold, in the order of results.predictions */
  readonly predictions: readonly AuditEntry[];
}

export interface AuditScore {
  readonly uf1: number;
  readonly uar: number;
}

export interface SubjectBestOracle extends AuditScore {
  /** the epoch chosen for each test subject ('dataset/subject') */
  readonly epochs: Readonly<Record<string, number>>;
}

export interface GlobalBestOracle extends AuditScore {
  readonly epoch: number;
}

export interface AuditBlock {
  /** the stored epochs (1-based), ascending */
  readonly epochs: readonly number[];
  readonly perEpoch: readonly AuditEpoch[];
  /** the predictions merkit reports (results.metrics) */
  readonly honest: AuditScore & { readonly rule: string };
  readonly oracleSubjectBest: SubjectBestOracle;
  readonly oracleGlobalBest: GlobalBestOracle;
  /** pooled UF1/UAR of every stored epoch (the curve the report draws) */
  readonly pooled: readonly (AuditScore & { readonly epoch: number })[];
}

/** The class names of perEpoch (labels and predictions), sorted: UF1/UAR average over the labelled ones. */
function classesOf(perEpoch: readonly AuditEpoch[]): string[] {
  const s = new Set<string>();
  for (const e of perEpoch) for (const p of e.predictions) s.add(p.label).add(p.pred);
  return [...s].sort();
}

function score(entries: readonly AuditEntry[], classes: readonly string[]): AuditScore {
  const idx = new Map(classes.map((c, i) => [c, i]));
  const m = computeMetrics(
    entries.map((p) => idx.get(p.label)!),
    entries.map((p) => idx.get(p.pred)!),
    classes,
  );
  return { uf1: m.uf1, uar: m.uar };
}

const keyOf = (p: AuditEntry) => `${p.dataset}/${p.subject}/${p.clip}`;

/** perEpoch must list the same clips at every epoch (each clip once): otherwise the oracles compare unlike sets. */
function checkAligned(perEpoch: readonly AuditEpoch[]): void {
  if (perEpoch.length === 0) throw new MerError('BAD_INPUT', 'the audit stored no epoch', { expected: 'at least one stored epoch' });
  const first = perEpoch[0].predictions.map(keyOf);
  if (new Set(first).size !== first.length) throw new MerError('BAD_INPUT', `audit epoch ${perEpoch[0].epoch} lists a clip twice`);
  for (const e of perEpoch) {
    if (e.predictions.length !== first.length || e.predictions.some((p, i) => keyOf(p) !== first[i])) {
      throw new MerError('BAD_INPUT', `audit epoch ${e.epoch} does not list the same clips as epoch ${perEpoch[0].epoch}`, { expected: 'every stored epoch: every test clip, in one order' });
    }
  }
}

/** Pooled UF1/UAR of each stored epoch. */
export function pooledPerEpoch(perEpoch: readonly AuditEpoch[]): (AuditScore & { epoch: number })[] {
  checkAligned(perEpoch);
  const classes = classesOf(perEpoch);
  return perEpoch.map((e) => ({ epoch: e.epoch, ...score(e.predictions, classes) }));
}

/** The stored epoch with the best pooled UF1 over all test clips (ties → the earliest). */
export function oracleGlobalBest(perEpoch: readonly AuditEpoch[]): GlobalBestOracle {
  const pooled = pooledPerEpoch(perEpoch);
  let best = pooled[0];
  for (const p of pooled) if (p.uf1 > best.uf1 || (p.uf1 === best.uf1 && p.epoch < best.epoch)) best = p;
  return { uf1: best.uf1, uar: best.uar, epoch: best.epoch };
}

/**
 * Per test subject, the stored epoch with the best accuracy on that subject's
 * clips (ties → the earliest); the chosen predictions pooled, then UF1/UAR.
 */
export function oracleSubjectBest(perEpoch: readonly AuditEpoch[]): SubjectBestOracle {
  checkAligned(perEpoch);
  const classes = classesOf(perEpoch);
  const order = [...perEpoch].sort((a, b) => a.epoch - b.epoch);
  const subjectOf = (p: AuditEntry) => `${p.dataset}/${p.subject}`;
  const subjects = [...new Set(order[0].predictions.map(subjectOf))].sort();
  const epochs: Record<string, number> = {};
  const chosen = new Map<string, number>(); // subject → index into order
  for (const s of subjects) {
    let bestK = 0;
    let bestCorrect = -1;
    order.forEach((e, k) => {
      let correct = 0;
      for (const p of e.predictions) if (subjectOf(p) === s && p.pred === p.label) correct++;
      if (correct > bestCorrect) {
        bestCorrect = correct;
        bestK = k;
      }
    });
    chosen.set(s, bestK);
    epochs[s] = order[bestK].epoch;
  }
  const pooled = order[0].predictions.map((p, i) => order[chosen.get(subjectOf(p))!].predictions[i]);
  return { ...score(pooled, classes), epochs };
}

/** Both oracles, recomputed from perEpoch alone. */
export function auditOracles(perEpoch: readonly AuditEpoch[]): { oracleSubjectBest: SubjectBestOracle; oracleGlobalBest: GlobalBestOracle } {
  return { oracleSubjectBest: oracleSubjectBest(perEpoch), oracleGlobalBest: oracleGlobalBest(perEpoch) };
}

/** The audit block of results.json from the stored predictions and the run's honest metrics. */
export function buildAudit(perEpoch: readonly AuditEpoch[], honest: AuditScore & { rule: string }): AuditBlock {
  const sorted = [...perEpoch].sort((a, b) => a.epoch - b.epoch);
  return {
    epochs: sorted.map((e) => e.epoch),
    perEpoch: sorted,
    honest: { uf1: honest.uf1, uar: honest.uar, rule: honest.rule },
    ...auditOracles(sorted),
    pooled: pooledPerEpoch(sorted),
  };
}
