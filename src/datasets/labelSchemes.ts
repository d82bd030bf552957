/**
 * Label schemes: explicit tables from a database's original emotion (as the
 * adapters store it: lower-cased, trimmed) to the class of a regrouped scheme.
 * A clip whose emotion has no entry is outside the scheme: `applyLabels`
 * drops it and counts it per original emotion.
 *
 * Tables are keyed by dataset part ('casme2', 'samm', 'smic', …) with a
 * '*' entry used for every other part (synthetic, casme, casme3, feature
 * tables). Sources of each regrouping are given on its table.
 */
import type { ClipRef, Dataset, LabelledClip, LabelledDataset } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import type { LabelScheme } from '../core/labels.ts';

/** emotion → class, for one dataset part */
export type EmotionTable = Readonly<Record<string, string>>;
/** dataset part → table; '*' applies to parts without their own entry */
export type SchemeTables = Readonly<Record<string, EmotionTable>>;

/** the classes of an already regrouped 3-class set pass through unchanged (SMIC, flow folders) */
const PASS_THROUGH_3: EmotionTable = { negative: 'negative', positive: 'positive', surprise: 'surprise' };

/**
 * megc3 — the MEGC 2019 composite (CDE) 3-class regrouping.
 * Source: See et al., "MEGC 2019 – The Second Facial Micro-Expressions Grand
 * Challenge", FG 2019, Table 1: negative = CASME II {disgust, repression} and
 * SAMM {anger, contempt, disgust, fear, sadness}; positive = happiness;
 * surprise = surprise; SMIC's own negative/positive/surprise as they are.
 * CASME II fear/sadness and every 'others'/'other' clip are outside the composite.
 * Parts other than casme2/samm/smic use the union table ('*'); 'happy' and
 * 'sad' are CAS(ME)^3's spellings of happiness and sadness.
 */
export const MEGC3_TABLES: SchemeTables = {
  casme2: { ...PASS_THROUGH_3, disgust: 'negative', repression: 'negative', happiness: 'positive' },
  samm: {
    ...PASS_THROUGH_3,
    anger: 'negative',
    contempt: 'negative',
    disgust: 'negative',
    fear: 'negative',
    sadness: 'negative',
    happiness: 'positive',
  },
  smic: PASS_THROUGH_3,
  '*': {
    ...PASS_THROUGH_3,
    repression: 'negative',
    anger: 'negative',
    contempt: 'negative',
    disgust: 'negative',
    fear: 'negative',
    sadness: 'negative',
    sad: 'negative',
    happiness: 'positive',
    happy: 'positive',
  },
};

/**
 * casme2-5 — the CASME II 5-class setting (Yan et al., PLoS ONE 2014; the
 * LBP-TOP baseline): happiness, surprise, disgust, repression, others.
 * Fear (2) and sadness (7) are dropped: 255 → 246 clips.
 */
export const CASME2_5_TABLES: SchemeTables = {
  '*': { happiness: 'happiness', surprise: 'surprise', disgust: 'disgust', repression: 'repression', others: 'others' },
};

/**
 * 4class — negative / positive / surprise / others, the CAS(ME)^3 4-class
 * convention (Li et al., "CAS(ME)^3", TPAMI 2022): negative = anger, disgust,
 * fear, sadness (CAS(ME)^3 'sad'), plus contempt (SAMM) and repression
 * (CASME II); positive = happiness/happy; surprise; others = others/other.
 * CASME I's 'tense' is not assigned (outside the scheme).
 */
export const FOUR_CLASS_TABLES: SchemeTables = {
  '*': {
    ...PASS_THROUGH_3,
    anger: 'negative',
    disgust: 'negative',
    fear: 'negative',
    sadness: 'negative',
    sad: 'negative',
    contempt: 'negative',
    repression: 'negative',
    happiness: 'positive',
    happy: 'positive',
    surprise: 'surprise',
    others: 'others',
    other: 'others',
  },
};

/** smic3 — SMIC's own three classes (Li et al., FG 2013): negative, positive, surprise. */
export const SMIC3_TABLES: SchemeTables = { '*': PASS_THROUGH_3 };

/**
 * samm5 — the standard SAMM 5-class setting (Davison et al. 2018; used by
 * MEGC 2018 and most SAMM papers): anger, contempt, happiness, surprise,
 * other; disgust, fear and sadness are dropped (159 → 136 clips).
 */
export const SAMM5_TABLES: SchemeTables = {
  '*': { anger: 'anger', contempt: 'contempt', happiness: 'happiness', surprise: 'surprise', other: 'other', others: 'other' },
};

/** Build a scheme from per-part tables; classes in the given order. */
export function schemeFromTables(name: string, classes: readonly string[], tables: SchemeTables, description: string): LabelScheme {
  for (const [part, t] of Object.entries(tables)) {
    for (const [emo, cls] of Object.entries(t)) {
      if (!classes.includes(cls)) throw new MerError('INTERNAL', `scheme ${name}: ${part}/${emo} maps to unknown class ${cls}`);
    }
  }
  return {
    name,
    classes,
    description,
    map(emotion: string, dataset: string): string | undefined {
      const e = emotion.trim().toLowerCase();
      const t = tables[dataset] ?? tables['*'];
      return t && Object.prototype.hasOwnProperty.call(t, e) ? t[e] : undefined;
    },
  };
}

/** Name of the identity scheme; its classes come from the dataset (see originalScheme). */
export const ORIGINAL = 'original';

const SCHEMES: readonly LabelScheme[] = [
  schemeFromTables('megc3', ['negative', 'positive', 'surprise'], MEGC3_TABLES, 'MEGC 2019 composite: negative/positive/surprise'),
  schemeFromTables(
    'casme2-5',
    ['happiness', 'surprise', 'disgust', 'repression', 'others'],
    CASME2_5_TABLES,
    'CASME II 5 classes: happiness/surprise/disgust/repression/others',
  ),
  schemeFromTables('4class', ['negative', 'positive', 'surprise', 'others'], FOUR_CLASS_TABLES, 'CAS(ME)^3 4 classes: negative/positive/surprise/others'),
  schemeFromTables('smic3', ['negative', 'positive', 'surprise'], SMIC3_TABLES, "SMIC's 3 classes: negative/positive/surprise"),
  schemeFromTables('samm5', ['anger', 'contempt', 'happiness', 'surprise', 'other'], SAMM5_TABLES, 'SAMM 5 classes: anger/contempt/happiness/surprise/other'),
  {
    name: ORIGINAL,
    classes: [],
    description: "the database's own emotions; classes = the emotions present (built per dataset by applyLabels)",
    map: (emotion: string) => emotion.trim().toLowerCase() || undefined,
  },
];

export function listLabelSchemes(): LabelScheme[] {
  return [...SCHEMES];
}

/** The named scheme; unknown → MerError BAD_OPTION listing the known names. */
export function getLabelScheme(name: string): LabelScheme {
  const s = SCHEMES.find((x) => x.name === name.trim().toLowerCase());
  if (!s) {
    throw new MerError('BAD_OPTION', `unknown label scheme "${name}"`, { expected: `one of ${SCHEMES.map((x) => x.name).join(', ')}` });
  }
  return s;
}

/** The identity scheme of a dataset: classes = its distinct emotions, sorted. */
export function originalScheme(ds: Pick<Dataset, 'clips'>): LabelScheme {
  const classes = [...new Set(ds.clips.map((c) => c.emotion.trim().toLowerCase()).filter((e) => e !== ''))].sort();
  return {
    name: ORIGINAL,
    classes,
    description: `original emotions: ${classes.join('/')}`,
    map: (emotion: string) => {
      const e = emotion.trim().toLowerCase();
      return classes.includes(e) ? e : undefined;
    },
  };
}

/**
 * Regroup a dataset's clips: y = index of the clip's class in scheme.classes;
 * clips outside the scheme are dropped and counted per original emotion.
 * The 'original' scheme (no classes of its own) is built from the dataset.
 */
export function applyLabels(ds: Dataset, scheme: LabelScheme): LabelledDataset {
  const sch = scheme.name === ORIGINAL && scheme.classes.length === 0 ? originalScheme(ds) : scheme;
  const clips: LabelledClip[] = [];
  const dropped: Record<string, number> = {};
  for (const c of ds.clips as ClipRef[]) {
    const label = sch.map(c.emotion, c.dataset);
    const y = label === undefined ? -1 : sch.classes.indexOf(label);
    if (y < 0) {
      const key = c.emotion || '(none)';
      dropped[key] = (dropped[key] ?? 0) + 1;
      continue;
    }
    clips.push({ ...c, label: label as string, y });
  }
  return { kind: ds.kind, root: ds.root, scheme: sch.name, classes: sch.classes, clips, problems: ds.problems, dropped };
}

/**
 * Emotions each database writes in its sheet (lower-cased). Adapters report
 * any other value as an 'unknown-label' problem and skip the clip.
 */
export const KNOWN_EMOTIONS: Readonly<Record<string, readonly string[]>> = {
  casme2: ['happiness', 'surprise', 'disgust', 'repression', 'others', 'fear', 'sadness'],
  samm: ['anger', 'contempt', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'other'],
  smic: ['negative', 'positive', 'surprise'],
  casme: ['amusement', 'happiness', 'sadness', 'disgust', 'surprise', 'contempt', 'fear', 'repression', 'tense'],
  casme3: ['happy', 'sad', 'disgust', 'surprise', 'fear', 'anger', 'others'],
  /** flow folders, feature tables, synthetic: any emotion any scheme knows */
  '*': [
    ...new Set([
      ...Object.values(MEGC3_TABLES).flatMap((t) => Object.keys(t)),
      ...Object.keys(CASME2_5_TABLES['*']),
      ...Object.keys(FOUR_CLASS_TABLES['*']),
      ...Object.keys(SAMM5_TABLES['*']),
      'amusement',
      'tense',
    ]),
  ],
};

export function isKnownEmotion(emotion: string, database: string): boolean {
  const list = KNOWN_EMOTIONS[database] ?? KNOWN_EMOTIONS['*'];
  return list.includes(emotion.trim().toLowerCase());
}
