/**
 * Clips and datasets: what adapters produce and every later stage consumes.
 *
 * A dataset is a list of ClipRefs (lazily loaded: a ref names where the data
 * is, loading happens in a stage). Every clip keeps the database's original
 * emotion *and* the regrouped label of the chosen LabelScheme side by side.
 */
import type { Problem } from './errors.ts';

/** Where a clip's data lives; what a recipe's first stage reads. */
export type ClipSource =
  /** an ordered list of frame image files (onset … offset, or the whole clip) */
  | { kind: 'frames'; files: string[] }
  /** a video file; frames [start, end) if given (0-based) */
  | { kind: 'video'; file: string; start?: number; end?: number }
  /** a precomputed onset→apex flow image (28×28 RGB: R=u, G=v, B=strain) and optionally the apex face */
  | { kind: 'flow'; file: string; apexFile?: string }
  /** a row of a feature table */
  | { kind: 'features'; values: Float32Array; columns: readonly string[] }
  /** frames held in memory (synthetic data, tests) */
  | { kind: 'memory'; frames: Float32Array; width: number; height: number; count: number };

export interface ClipMeta {
  /** database part, e.g. 'casme2', 'smic', 'samm' (the composite keeps the part here) */
  readonly dataset: string;
  /** subject id, unique *within* its dataset (e.g. 'sub01', '006', 's3') */
  readonly subject: string;
  /** clip id within the subject (e.g. 'EP02_01f') */
  readonly clip: string;
  /** frames per second of the source recording, when known */
  readonly fps?: number;
  /** onset/apex/offset as frame numbers of the database's own numbering, when known */
  readonly onset?: number;
  readonly apex?: number;
  readonly offset?: number;
  /** the database's original emotion label, as written in its sheet (lower-cased, trimmed) */
  readonly emotion: string;
  /** action units from the coding sheet, when given (e.g. 'AU4+AU7') */
  readonly actionUnits?: string;
}

export interface ClipRef extends ClipMeta {
  readonly source: ClipSource;
}

/** A clip after label regrouping: `label` is a class name of the scheme, `y` its index. */
export interface LabelledClip extends ClipRef {
  readonly label: string;
  readonly y: number;
}

/** Unique key of a clip across a (possibly composite) dataset. */
export function clipKey(c: Pick<ClipMeta, 'dataset' | 'subject' | 'clip'>): string {
  return `${c.dataset}/${c.subject}/${c.clip}`;
}

/** Subject key unique across parts of a composite dataset. */
export function subjectKey(c: Pick<ClipMeta, 'dataset' | 'subject'>): string {
  return `${c.dataset}/${c.subject}`;
}

export interface Dataset {
  /** adapter kind, e.g. 'casme2', 'flowdir' */
  readonly kind: string;
  /** the path the user gave */
  readonly root: string;
  readonly clips: ClipRef[];
  /** everything found wrong while reading: each bad clip skipped, the run goes on */
  readonly problems: Problem[];
}

/** A labelled dataset: clips inside the scheme, plus those dropped and why. */
export interface LabelledDataset {
  readonly kind: string;
  readonly root: string;
  readonly scheme: string;
  readonly classes: readonly string[];
  readonly clips: LabelledClip[];
  readonly problems: Problem[];
  /** clips whose emotion is outside the scheme, counted per original emotion */
  readonly dropped: Record<string, number>;
}
