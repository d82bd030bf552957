/**
 * Evaluation protocols: a list of labelled clips → folds of (train, test)
 * indices into that list. The runner fits every learnable step on the train
 * indices of a fold only; `checkFolds` is the leakage guard it runs on every
 * fold list (and the base of test/eval/leakage.test.ts).
 *
 * Subjects are keyed by `subjectKey()` ('casme2/sub01'), so subjects of
 * different parts of a composite never collide ('casme2/sub01' ≠ 'samm/001').
 *
 * Protocols (CLI spelling in brackets):
 * - LOSO [loso]: one fold per subject (sorted subject-key order), the subject's
 *   clips are the test set. Every clip is tested exactly once.
 * - k-fold [kfold:K, kfold:K:subject]: stratified by class by default; with
 *   `:subject` whole subjects go to one fold (greedy class balancing).
 * - CDE [cde]: MEGC 2019 composite database evaluation = LOSO over the
 *   composite's subject keys; the report adds per-part metrics.
 * - cross [cross]: the CDMER setting, one fold: train on all of one dataset,
 *   test on all of another (indices into [...trainClips, ...testClips]).
 * - holdout [holdout, holdout:F, holdout:F:clip]: one random split, test
 *   fraction F (default 0.2), by subject unless `:clip`.
 */
import { MerError } from '../core/errors.ts';
import { subjectKey } from '../core/clip.ts';
import { Rng } from '../core/rng.ts';
import type { Fold } from './types.ts';

/** What a protocol needs of a clip: where it comes from and its class index. */
export interface FoldItem {
  readonly dataset: string;
  readonly subject: string;
  readonly clip: string;
  readonly y: number;
}

/**
 * A parsed protocol. `subjectDisjoint` and `exhaustive` say what checkFolds
 * must enforce for its folds (the spec itself is a valid CheckFoldsOptions:
 * `checkFolds(folds, clips, spec)`).
 */
export type ProtocolSpec = (
  | { readonly kind: 'loso' }
  | { readonly kind: 'kfold'; readonly k: number; readonly groupBySubject: boolean }
  | { readonly kind: 'cde' }
  | { readonly kind: 'cross' }
  | { readonly kind: 'holdout'; readonly testFraction: number; readonly bySubject: boolean }
) & {
  /** no subject on both sides of a fold (loso, cde, cross, kfold:K:subject, holdout by subject) */
  readonly subjectDisjoint: boolean;
  /** every clip tested exactly once (loso, cde, kfold) */
  readonly exhaustive: boolean;
};

/** Default share of clips in the holdout test set. */
export const DEFAULT_TEST_FRACTION = 0.2;

/** The forms `parseProtocol` accepts, for error messages and --help. */
export const PROTOCOL_FORMS: readonly string[] = [
  'loso',
  'kfold:K (e.g. kfold:5, stratified by class)',
  'kfold:K:subject (whole subjects per fold)',
  'cde',
  'cross (needs --test-dataset)',
  'holdout (test fraction 0.2, by subject)',
  'holdout:F (e.g. holdout:0.3)',
  'holdout:F:clip (split clips, not subjects)',
];

// ---------------------------------------------------------------- helpers

function ascending(a: number, b: number): number {
  return a - b;
}

/** Plain code-unit order: locale-independent, so folds are identical on every machine. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** indices of each subject key, keys in sorted order */
function groupBySubjectKey(clips: readonly FoldItem[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  clips.forEach((c, i) => {
    const key = subjectKey(c);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return new Map([...groups.entries()].sort((a, b) => byCodeUnit(a[0], b[0])));
}

/** a fold from its test indices: train = every other index, both ascending */
function foldFromTest(name: string, test: readonly number[], n: number): Fold {
  const inTest = new Uint8Array(n);
  for (const i of test) inTest[i] = 1;
  const train: number[] = [];
  for (let i = 0; i < n; i++) if (!inTest[i]) train.push(i);
  return { name, train, test: [...test].sort(ascending) };
}

function requireClips(clips: readonly FoldItem[], protocol: string): void {
  if (clips.length === 0) {
    throw new MerError('BAD_INPUT', `protocol ${protocol}: the dataset has no labelled clips`, {
      expected: 'at least one clip inside the label scheme',
    });
  }
}

function nClassesOf(clips: readonly FoldItem[]): number {
  let m = -1;
  for (const c of clips) {
    if (!Number.isInteger(c.y) || c.y < 0) {
      throw new MerError('INTERNAL', `clip ${c.dataset}/${c.subject}/${c.clip} has class index ${c.y}`, {
        clip: c.clip,
        expected: 'a non-negative integer class index',
      });
    }
    if (c.y > m) m = c.y;
  }
  return m + 1;
}

// ---------------------------------------------------------------- protocols

/** Leave-one-subject-out: one fold per subject key, in sorted key order; fold name = subject key. */
export function losoFolds(clips: readonly FoldItem[]): Fold[] {
  requireClips(clips, 'loso');
  const groups = groupBySubjectKey(clips);
  if (groups.size < 2) {
    throw new MerError('BAD_INPUT', `protocol loso needs at least 2 subjects, the dataset has ${groups.size}`, {
      expected: 'clips from two or more subjects',
    });
  }
  return [...groups.entries()].map(([key, idx]) => foldFromTest(key, idx, clips.length));
}

/** MEGC composite database evaluation: LOSO over the composite's subject keys (the report adds per-part metrics). */
export function cdeFolds(clips: readonly FoldItem[]): Fold[] {
  return losoFolds(clips);
}

export interface KFoldOptions {
  /** shuffles the clips/subjects before dealing them into folds */
  rng: Rng;
  /** keep each fold's class proportions close to the whole (±1 clip per class without grouping); default true */
  stratified?: boolean;
  /** put all clips of a subject in the same fold; default false */
  groupBySubject?: boolean;
}

/**
 * k-fold cross-validation; fold names 'fold-1' … 'fold-k'. Every clip is
 * tested exactly once.
 *
 * - stratified, not grouped: each class's clips are shuffled and dealt
 *   round-robin, continuing the deal across classes, so every fold holds
 *   ⌊n_c/k⌋ or ⌈n_c/k⌉ clips of class c and fold sizes differ by ≤ 1.
 * - not stratified, not grouped: shuffled and dealt round-robin.
 * - grouped by subject: subjects (shuffled, then largest first) are placed
 *   greedily in the fold where they add the least squared class load
 *   Σ_c ((F_c + g_c)² − F_c²) / N_c² (stratified) or in the smallest fold
 *   (not stratified); ties go to the smaller fold, then the lower index.
 *
 * Throws MerError BAD_OPTION when k < 2 or k > number of clips (subjects when grouped).
 */
export function kfoldFolds(clips: readonly FoldItem[], k: number, opts: KFoldOptions): Fold[] {
  requireClips(clips, `kfold:${k}`);
  const stratified = opts.stratified ?? true;
  const grouped = opts.groupBySubject ?? false;
  const rng = opts.rng;
  const n = clips.length;
  const groups = grouped ? [...groupBySubjectKey(clips).values()] : clips.map((_, i) => [i]);
  if (!Number.isInteger(k) || k < 2 || k > groups.length) {
    throw new MerError('BAD_OPTION', `kfold: k = ${k} is invalid for ${groups.length} ${grouped ? 'subjects' : 'clips'}`, {
      expected: `an integer k with 2 ≤ k ≤ ${groups.length}`,
    });
  }
  const tests: number[][] = Array.from({ length: k }, () => []);

  if (!grouped) {
    let order: number[];
    if (stratified) {
      const byClass: number[][] = Array.from({ length: nClassesOf(clips) }, () => []);
      clips.forEach((c, i) => byClass[c.y].push(i));
      order = byClass.flatMap((idx) => rng.shuffle(idx));
    } else {
      order = rng.shuffle(clips.map((_, i) => i));
    }
    order.forEach((idx, j) => tests[j % k].push(idx));
  } else {
    const nc = nClassesOf(clips);
    const total = new Array<number>(nc).fill(0);
    for (const c of clips) total[c.y]++;
    const counts = groups.map((idx) => {
      const g = new Array<number>(nc).fill(0);
      for (const i of idx) g[clips[i].y]++;
      return g;
    });
    // shuffle, then a stable sort by size (largest first): ties keep the random order
    const order = rng.shuffle(groups.map((_, gi) => gi)).sort((a, b) => groups[b].length - groups[a].length);
    const load: number[][] = Array.from({ length: k }, () => new Array<number>(nc).fill(0));
    const size = new Array<number>(k).fill(0);
    for (const gi of order) {
      const g = counts[gi];
      let best = 0;
      let bestCost = Infinity;
      for (let f = 0; f < k; f++) {
        let cost = 0;
        if (stratified) {
          for (let c = 0; c < nc; c++) {
            if (g[c] === 0) continue;
            cost += (2 * load[f][c] * g[c] + g[c] * g[c]) / (total[c] * total[c]);
          }
        }
        if (cost < bestCost || (cost === bestCost && size[f] < size[best])) {
          best = f;
          bestCost = cost;
        }
      }
      for (let c = 0; c < nc; c++) load[best][c] += g[c];
      size[best] += groups[gi].length;
      tests[best].push(...groups[gi]);
    }
  }
  return tests.map((t, f) => foldFromTest(`fold-${f + 1}`, t, n));
}

/**
 * Cross-dataset (CDMER) evaluation: ONE fold named 'cross', train = every
 * clip of `trainClips`, test = every clip of `testClips`. Indices refer to the
 * concatenation [...trainClips, ...testClips]: train = 0 … nTrain−1,
 * test = nTrain … nTrain+nTest−1. Pass that concatenation to checkFolds.
 */
export function crossFolds(trainClips: readonly FoldItem[], testClips: readonly FoldItem[]): Fold[] {
  requireClips(trainClips, 'cross (training dataset)');
  requireClips(testClips, 'cross (test dataset)');
  const nTrain = trainClips.length;
  return [
    {
      name: 'cross',
      train: trainClips.map((_, i) => i),
      test: testClips.map((_, i) => nTrain + i),
    },
  ];
}

export interface HoldoutOptions {
  rng: Rng;
  /** share of clips in the test set, in (0, 1); default 0.2 */
  testFraction?: number;
  /** split whole subjects (default true) instead of single clips */
  bySubject?: boolean;
}

/**
 * One random train/test split named 'holdout'. The target test size is
 * round(testFraction · n), clamped to [1, n−1].
 * - by clip: exactly the target number of clips, drawn at random;
 * - by subject: subjects in random order join the test set while it is
 *   below the target (so it may overshoot by less than one subject), always
 *   leaving at least one subject for training.
 */
export function holdoutFolds(clips: readonly FoldItem[], opts: HoldoutOptions): Fold[] {
  const frac = opts.testFraction ?? DEFAULT_TEST_FRACTION;
  const bySubject = opts.bySubject ?? true;
  requireClips(clips, 'holdout');
  if (!(frac > 0 && frac < 1)) {
    throw new MerError('BAD_OPTION', `holdout: test fraction ${frac} is outside (0, 1)`, { expected: 'e.g. holdout:0.2' });
  }
  const n = clips.length;
  if (n < 2) throw new MerError('BAD_INPUT', 'protocol holdout needs at least 2 clips', { expected: 'two or more clips' });
  const target = Math.min(n - 1, Math.max(1, Math.round(frac * n)));
  if (!bySubject) {
    const order = opts.rng.shuffle(clips.map((_, i) => i));
    return [foldFromTest('holdout', order.slice(0, target), n)];
  }
  const groups = [...groupBySubjectKey(clips).values()];
  if (groups.length < 2) {
    throw new MerError('BAD_INPUT', `protocol holdout by subject needs at least 2 subjects, the dataset has ${groups.length}`, {
      expected: 'clips from two or more subjects, or holdout:F:clip',
    });
  }
  const order = opts.rng.shuffle(groups.map((_, g) => g));
  const test: number[] = [];
  for (let j = 0; j < order.length - 1 && test.length < target; j++) test.push(...groups[order[j]]);
  return [foldFromTest('holdout', test, n)];
}

// ---------------------------------------------------------------- CLI specs

function badProtocol(spec: string, why: string): MerError {
  return new MerError('BAD_OPTION', `unknown protocol '${spec}': ${why}`, {
    expected: `one of: ${PROTOCOL_FORMS.join('; ')}`,
  });
}

/** Parses a CLI protocol string: loso, kfold:5, kfold:5:subject, cde, cross, holdout, holdout:0.3, holdout:0.3:clip. */
export function parseProtocol(spec: string): ProtocolSpec {
  const parts = spec.trim().toLowerCase().split(':');
  const [kind, ...args] = parts;
  switch (kind) {
    case 'loso':
    case 'cde':
    case 'cross':
      if (args.length) throw badProtocol(spec, `${kind} takes no arguments`);
      return kind === 'cross' ? { kind, subjectDisjoint: true, exhaustive: false } : { kind, subjectDisjoint: true, exhaustive: true };
    case 'kfold': {
      if (args.length < 1 || args.length > 2) throw badProtocol(spec, 'kfold needs K, e.g. kfold:5');
      if (!/^\d+$/.test(args[0])) throw badProtocol(spec, `K = '${args[0]}' is not a whole number`);
      const k = Number(args[0]);
      if (k < 2) throw badProtocol(spec, 'K must be at least 2');
      if (args.length === 2 && args[1] !== 'subject') throw badProtocol(spec, `'${args[1]}' is not 'subject'`);
      const groupBySubject = args.length === 2;
      return { kind: 'kfold', k, groupBySubject, subjectDisjoint: groupBySubject, exhaustive: true };
    }
    case 'holdout': {
      if (args.length > 2) throw badProtocol(spec, 'too many parts');
      let testFraction = DEFAULT_TEST_FRACTION;
      if (args.length >= 1) {
        testFraction = /^(0?\.\d+|0|1)$/.test(args[0]) ? Number(args[0]) : NaN;
        if (!(testFraction > 0 && testFraction < 1)) throw badProtocol(spec, `test fraction '${args[0]}' is not a number in (0, 1)`);
      }
      if (args.length === 2 && args[1] !== 'clip' && args[1] !== 'subject') {
        throw badProtocol(spec, `'${args[1]}' is not 'clip' or 'subject'`);
      }
      const bySubject = args[1] !== 'clip';
      return { kind: 'holdout', testFraction, bySubject, subjectDisjoint: bySubject, exhaustive: false };
    }
    default:
      throw badProtocol(spec, `'${kind}' is not a protocol`);
  }
}

/** The canonical CLI string of a spec (parseProtocol(formatProtocol(s)) deep-equals s). */
export function formatProtocol(spec: ProtocolSpec): string {
  switch (spec.kind) {
    case 'kfold':
      return `kfold:${spec.k}${spec.groupBySubject ? ':subject' : ''}`;
    case 'holdout':
      return `holdout:${spec.testFraction}${spec.bySubject ? '' : ':clip'}`;
    default:
      return spec.kind;
  }
}

/**
 * Folds of a protocol. `spec` is a CLI string or a parsed spec; a number
 * seeds a fresh Rng (same seed → same folds). For 'cross',
 * `testClips` (the --test-dataset) is required and the fold indices refer to
 * [...clips, ...testClips]; any other protocol refuses a test dataset.
 */
export function makeFolds(
  spec: string | ProtocolSpec,
  clips: readonly FoldItem[],
  rngOrSeed: Rng | number,
  testClips?: readonly FoldItem[],
): Fold[] {
  const p = typeof spec === 'string' ? parseProtocol(spec) : spec;
  const rng = typeof rngOrSeed === 'number' ? new Rng(rngOrSeed) : rngOrSeed;
  if (p.kind === 'cross') {
    if (!testClips) {
      throw new MerError('BAD_OPTION', 'protocol cross needs a test dataset', { expected: '--test-dataset <kind>:<path>' });
    }
    return crossFolds(clips, testClips);
  }
  if (testClips) {
    throw new MerError('BAD_OPTION', `a test dataset is only used by protocol cross, not ${formatProtocol(p)}`, {
      expected: '--protocol cross, or no --test-dataset',
    });
  }
  switch (p.kind) {
    case 'loso':
      return losoFolds(clips);
    case 'cde':
      return cdeFolds(clips);
    case 'kfold':
      return kfoldFolds(clips, p.k, { rng, stratified: true, groupBySubject: p.groupBySubject });
    case 'holdout':
      return holdoutFolds(clips, { rng, testFraction: p.testFraction, bySubject: p.bySubject });
  }
}

// ---------------------------------------------------------------- leakage guard

export interface CheckFoldsOptions {
  /** no subject key may appear on both sides of a fold */
  subjectDisjoint: boolean;
  /** every clip is tested in exactly one fold (loso, kfold, cde); default false */
  exhaustive?: boolean;
}

function leak(message: string): MerError {
  return new MerError('INTERNAL', `fold check failed: ${message}`, {
    expected: 'disjoint train/test sets (a protocol bug: please report it)',
  });
}

/**
 * Throws MerError INTERNAL when a fold list could leak: an index out of range
 * or repeated, an empty train or test set, train ∩ test ≠ ∅, (subjectDisjoint)
 * a subject on both sides of a fold, a clip tested in two folds, or
 * (exhaustive) a clip never tested.
 */
export function checkFolds(folds: readonly Fold[], clips: readonly FoldItem[], opts: CheckFoldsOptions): void {
  const n = clips.length;
  if (folds.length === 0) throw leak('no folds');
  const testedIn = new Array<string | undefined>(n);
  const name = (i: number) => `${clips[i].dataset}/${clips[i].subject}/${clips[i].clip}`;
  for (const fold of folds) {
    if (fold.train.length === 0) throw leak(`fold ${fold.name} has no training clips`);
    if (fold.test.length === 0) throw leak(`fold ${fold.name} has no test clips`);
    const side = new Int8Array(n); // 0 unused, 1 train, 2 test
    for (const [list, mark, what] of [
      [fold.train, 1, 'train'],
      [fold.test, 2, 'test'],
    ] as const) {
      for (const i of list) {
        if (!Number.isInteger(i) || i < 0 || i >= n) throw leak(`fold ${fold.name}: ${what} index ${i} outside 0..${n - 1}`);
        if (side[i] === mark) throw leak(`fold ${fold.name}: clip ${name(i)} appears twice in ${what}`);
        if (side[i] !== 0) throw leak(`fold ${fold.name}: clip ${name(i)} is in both train and test`);
        side[i] = mark;
      }
    }
    if (opts.subjectDisjoint) {
      const trainSubjects = new Set(fold.train.map((i) => subjectKey(clips[i])));
      for (const i of fold.test) {
        const s = subjectKey(clips[i]);
        if (trainSubjects.has(s)) throw leak(`fold ${fold.name}: subject ${s} is in both train and test`);
      }
    }
    for (const i of fold.test) {
      const prev = testedIn[i];
      if (prev !== undefined) throw leak(`clip ${name(i)} is tested in folds ${prev} and ${fold.name}`);
      testedIn[i] = fold.name;
    }
  }
  if (opts.exhaustive) {
    const missing = testedIn.findIndex((f) => f === undefined);
    if (missing >= 0) throw leak(`clip ${name(missing)} is never tested`);
  }
}
