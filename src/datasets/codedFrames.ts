/**
 * The sheet-driven frame-folder reader behind casme2, casme, samm, synthetic:
 * a frame root with <subject>/<clip>/<numbered frames> and one or more coding
 * sheets with a row per clip (subject, clip, onset/apex/offset, AUs, emotion).
 */
import { dirname, join, relative, sep } from 'node:path';
import type { Dataset } from '../core/clip.ts';
import { MerError, problemFromError, type Problem } from '../core/errors.ts';
import { findColumn, readSheet, type SheetTable } from '../io/xlsx.ts';
import {
  buildFrameClips,
  cellInt,
  cellText,
  clipFolders,
  findFrameRoot,
  findSheets,
  naturalCompare,
  reportUnlistedFolders,
  requirePath,
  sortClips,
  type SheetClip,
} from './common.ts';

export interface CodedColumns {
  readonly subject: readonly string[];
  readonly clip: readonly string[];
  readonly emotion: readonly string[];
  readonly onset: readonly string[];
  readonly apex: readonly string[];
  readonly offset: readonly string[];
  readonly actionUnits: readonly string[];
}

export interface CodedFramesConfig {
  /** adapter kind ('casme2') */
  readonly kind: string;
  /** dataset part written into every clip */
  readonly dataset: string;
  /** database name for the known-emotion check */
  readonly database: string;
  readonly fps: number;
  /** subject folder names, e.g. /^sub\d+$/i */
  readonly subjectDir: RegExp;
  /** sheet cell → subject folder name (1 → 'sub01') */
  readonly subjectName: (cell: string) => string;
  /** coding sheets in the root: file-name pattern */
  readonly sheetPattern: RegExp;
  /** read every matching sheet (CASME I ships two) or only the last in natural order (newest date) */
  readonly sheets: 'all' | 'newest';
  readonly columns: CodedColumns;
  /** the header row is the first row containing these (default: first non-empty row) */
  readonly headerIncludes?: readonly string[];
  /** what the user should have given, for the error message */
  readonly layout: string;
}

export interface CodedFramesOptions {
  /** coding sheet path (default: found in the root by the config's pattern) */
  readonly sheet?: string;
}

/** Sheets named by opts or found in root, in the frame root, and in the folders between. */
function locateSheets(root: string, frameRoot: string, cfg: CodedFramesConfig, opts: CodedFramesOptions): string[] {
  if (opts.sheet) {
    requirePath(opts.sheet, 'coding sheet', 'an .xlsx coding sheet');
    return [opts.sheet];
  }
  const dirs = [root];
  const rel = relative(root, frameRoot);
  if (rel) {
    let d = root;
    for (const part of rel.split(sep)) {
      d = join(d, part);
      dirs.push(d);
    }
  }
  dirs.push(dirname(root));
  for (const d of dirs) {
    const found = findSheets(d, cfg.sheetPattern).sort(naturalCompare);
    if (found.length > 0) return cfg.sheets === 'all' ? found : [found[found.length - 1]];
  }
  throw new MerError('NOT_FOUND', `no coding sheet matching ${cfg.sheetPattern} in ${root}`, {
    file: root,
    expected: `${cfg.layout} (or give the sheet with the sheet option)`,
  });
}

function sheetRows(file: string, table: SheetTable, frameRoot: string, cfg: CodedFramesConfig, problems: Problem[]): SheetClip[] {
  const c = cfg.columns;
  const col = {
    subject: findColumn(table.header, ...c.subject),
    clip: findColumn(table.header, ...c.clip),
    emotion: findColumn(table.header, ...c.emotion),
    onset: findColumn(table.header, ...c.onset),
    apex: findColumn(table.header, ...c.apex),
    offset: findColumn(table.header, ...c.offset),
    aus: findColumn(table.header, ...c.actionUnits),
  };
  const missing = (['subject', 'clip', 'emotion'] as const).filter((k) => col[k] === undefined);
  if (missing.length > 0) {
    throw new MerError(
      'BAD_INPUT',
      `coding sheet [${table.sheetName}] lacks column(s) ${missing.map((k) => c[k][0]).join(', ')}; it has: ${table.header.join(', ')}`,
      { file, row: table.headerRow, expected: `columns ${c.subject[0]}, ${c.clip[0]}, ${c.emotion[0]}` },
    );
  }
  for (const k of ['onset', 'offset'] as const) {
    if (col[k] === undefined) {
      problems.push({
        kind: 'missing-column',
        message: `coding sheet [${table.sheetName}] has no ${c[k][0]} column: whole folders are used; it has: ${table.header.join(', ')}`,
        file,
        row: table.headerRow,
      });
    }
  }
  const out: SheetClip[] = [];
  table.rows.forEach((r, i) => {
    const subjectCell = cellText(r[col.subject as string]);
    const clip = cellText(r[col.clip as string]);
    const row = table.rowNumbers[i];
    if (subjectCell === '' || clip === '') {
      problems.push({ kind: 'bad-row', message: `row lacks ${subjectCell === '' ? 'a subject' : 'a clip name'}`, file, row });
      return;
    }
    const subject = cfg.subjectName(subjectCell);
    out.push({
      dataset: cfg.dataset,
      subject,
      clip,
      emotion: cellText(r[col.emotion as string]).toLowerCase(),
      onset: col.onset ? cellInt(r[col.onset]) : undefined,
      apex: col.apex ? cellInt(r[col.apex]) : undefined,
      offset: col.offset ? cellInt(r[col.offset]) : undefined,
      actionUnits: col.aus ? cellText(r[col.aus]) || undefined : undefined,
      folder: join(frameRoot, subject, clip),
      file,
      row,
      fps: cfg.fps,
    });
  });
  return out;
}

/** Open a sheet-driven frame-folder dataset. Only an unusable root (missing, no sheet, unreadable sheet) throws. */
export async function openCodedFrames(path: string, cfg: CodedFramesConfig, opts: CodedFramesOptions = {}): Promise<Dataset> {
  requirePath(path, `${cfg.kind} root`, cfg.layout);
  const problems: Problem[] = [];
  const frameRoot = findFrameRoot(path, cfg.subjectDir) ?? path;
  const sheets = locateSheets(path, frameRoot, cfg, opts);
  const rows: SheetClip[] = [];
  let usable = 0;
  for (const file of sheets) {
    try {
      const table = await readSheet(file, { headerIncludes: cfg.headerIncludes });
      rows.push(...sheetRows(file, table, frameRoot, cfg, problems));
      usable++;
    } catch (e) {
      if (sheets.length === 1) throw e;
      problems.push(problemFromError(e, { kind: 'bad-sheet', file }));
    }
  }
  if (usable === 0) throw new MerError('BAD_INPUT', 'no coding sheet could be read', { file: path, expected: cfg.layout });
  const clips = buildFrameClips(rows, { database: cfg.database }, problems);
  reportUnlistedFolders(clipFolders(frameRoot, cfg.subjectDir), new Set(rows.map((r) => r.folder)), frameRoot, problems);
  return { kind: cfg.kind, root: path, clips: sortClips(clips), problems };
}

/** '1' / '01' / 'sub01' → 'sub01' (CASME, CASME II, synthetic subjects). */
export function casmeSubject(cell: string): string {
  const t = cell.trim();
  if (/^sub/i.test(t)) return 'sub' + t.slice(3).padStart(2, '0');
  return /^\d+$/.test(t) ? `sub${String(Number(t)).padStart(2, '0')}` : t;
}

/**
 * A CASME-family release (CASME I, CASME II): subNN folders, `*coding*.xlsx`
 * sheets in the root with CASME_COLUMNS. The releases differ in their name,
 * camera rate, which sheets count and the layout the error message names.
 */
export function casmeFamilyConfig(name: string, fps: number, sheets: CodedFramesConfig['sheets'], layout: string): CodedFramesConfig {
  return {
    kind: name,
    dataset: name,
    database: name,
    fps,
    subjectDir: /^sub\d+$/i,
    subjectName: casmeSubject,
    sheetPattern: /coding.*\.xlsx$/i,
    sheets,
    columns: CASME_COLUMNS,
    layout,
  };
}

/** the CASME / CASME II coding-sheet columns, with spellings seen in the releases */
export const CASME_COLUMNS: CodedColumns = {
  subject: ['Subject'],
  clip: ['Filename', 'File name', 'Clip'],
  emotion: ['Estimated Emotion', 'Emotion'],
  onset: ['OnsetFrame', 'Onset'],
  apex: ['ApexFrame', 'Apex'],
  offset: ['OffsetFrame', 'Offset'],
  actionUnits: ['Action Units', 'AU', 'AUs'],
};
