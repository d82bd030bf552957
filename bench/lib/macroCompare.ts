/**
 * `bench:emr-macro`'s stored results: one JSON line per (fold, setting), so a
 * full-width comparison that does not fit in one sitting continues where it
 * stopped, and two processes can share the work (`--shard k/n`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { computeMetrics } from '../../src/eval/metrics.ts';

export type MacroSetting = 'on' | 'off';
export const MACRO_SETTINGS: readonly MacroSetting[] = ['on', 'off'];

/** one (fold, setting) training, scored on the fold's held-out training subjects */
export interface MacroRecord {
  fold: string;
  setting: MacroSetting;
  /** the shortening settings (`--set`) and seed it ran at: records of other settings are never pooled together */
  sets: Record<string, unknown>;
  seed: number;
  /** held-out training subjects and their clips' labels / predictions */
  valSubjects: string[];
  ids: string[];
  y: number[];
  pred: number[];
  seconds: number;
}

/** The records in `file` (none when it does not exist). */
export function readMacroRecords(file: string): MacroRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as MacroRecord);
}

/** the key that says two records ran at the same settings */
export const settingsKey = (r: Pick<MacroRecord, 'sets' | 'seed'>): string => JSON.stringify([Object.entries(r.sets).sort(([a], [b]) => a.localeCompare(b)), r.seed]);

/**
 * Which shard runs a (fold, setting) job: on and off of one fold go to
 * different shards and alternate from fold to fold, so with 2 shards each
 * gets half of the slower "on" trainings.
 */
export const shardOf = (foldIndex: number, setting: MacroSetting, shards: number): number => (foldIndex + MACRO_SETTINGS.indexOf(setting)) % shards;

export interface MacroComparison {
  /** folds with both settings done (only these are compared) */
  folds: string[];
  on: { uf1: number; uar: number };
  off: { uf1: number; uar: number };
  /** folds where "on" has the higher validation UF1 */
  onWins: number;
  better: MacroSetting;
}

/**
 * Pooled validation UF1 / UAR of each setting over the folds where both ran
 * (at the settings of `key`); undefined when no fold has both.
 */
export function compareMacro(records: readonly MacroRecord[], classes: readonly string[], key: string): MacroComparison | undefined {
  const mine = records.filter((r) => settingsKey(r) === key);
  const byFold = new Map<string, Partial<Record<MacroSetting, MacroRecord>>>();
  for (const r of mine) byFold.set(r.fold, { ...byFold.get(r.fold), [r.setting]: r });
  const both = [...byFold].filter(([, s]) => s.on && s.off);
  if (both.length === 0) return undefined;
  const pool = (s: MacroSetting) => {
    const y = both.flatMap(([, r]) => r[s]!.y);
    const pred = both.flatMap(([, r]) => r[s]!.pred);
    const m = computeMetrics(y, pred, classes);
    return { uf1: m.uf1, uar: m.uar };
  };
  const one = (r: MacroRecord) => computeMetrics(r.y, r.pred, classes).uf1;
  const on = pool('on');
  const off = pool('off');
  return {
    folds: both.map(([f]) => f),
    on,
    off,
    onWins: both.filter(([, r]) => one(r.on!) > one(r.off!)).length,
    better: on.uf1 >= off.uf1 ? 'on' : 'off',
  };
}
