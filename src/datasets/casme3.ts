/**
 * CAS(ME)^3 part A (Li et al., TPAMI 2022): long recordings
 * `spNO.<N>/<letter>/[color/]<N>.jpg` (the subject folders found at or below
 * the root) and the table `casme3_table.xlsx` (any `*casme3*.xlsx` in the root,
 * or opts.sheet) with columns Subject ('spNO.1'), Filename ('a'), Onset,
 * Apex, Offset (frame numbers within the recording, stored as text),
 * AU, Objective class, emotion. One recording holds several micro-expressions,
 * so the clip id is `<Filename>_<Onset>` (e.g. 'e_62') and a clip's frames
 * are the recording's frames onset…offset. Emotions are lower-cased
 * ('Others' → 'others'). Recorded at 30 fps.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import { findColumn, readSheet } from '../io/xlsx.ts';
import {
  buildFrameClips,
  cellInt,
  cellText,
  clipFolders,
  findFrameRoot,
  findSheets,
  isDir,
  listFrames,
  requirePath,
  sortClips,
  type SheetClip,
} from './common.ts';

/** CAS(ME)^3 part A camera rate */
export const CASME3_FPS = 30;
const SUBJECT_DIR = /^spNO\.\d+$/i;
/** the colour frames of a recording sit in this sub-folder in the release (depth maps beside them) */
const COLOUR_DIR = 'color';

export interface Casme3Options {
  readonly sheet?: string;
}

/** A recording's frame folder: `<subject>/<file>/color` when it exists and has frames, else `<subject>/<file>`. */
function recordingFolder(frameRoot: string, subject: string, file: string): string {
  const base = join(frameRoot, subject, file);
  const colour = join(base, COLOUR_DIR);
  return isDir(colour) && listFrames(colour).length > 0 ? colour : base;
}

export async function openCasme3(path: string, opts: Casme3Options = {}): Promise<Dataset> {
  const layout = 'a CAS(ME)^3 part A root: spNO.N/<letter>/color/<N>.jpg and casme3_table.xlsx';
  requirePath(path, 'CAS(ME)^3 root', layout);
  const problems: Problem[] = [];
  const frameRoot = findFrameRoot(path, SUBJECT_DIR) ?? path;
  const sheet = opts.sheet ?? [...findSheets(path, /casme.?3.*\.xlsx$/i), ...findSheets(frameRoot, /casme.?3.*\.xlsx$/i)][0];
  if (!sheet) throw new MerError('NOT_FOUND', 'no CAS(ME)^3 table (*casme3*.xlsx) in the root', { file: path, expected: layout });
  requirePath(sheet, 'CAS(ME)^3 table', layout);
  const t = await readSheet(sheet, { headerIncludes: ['Subject', 'Filename'] });
  const col = {
    subject: findColumn(t.header, 'Subject'),
    file: findColumn(t.header, 'Filename'),
    onset: findColumn(t.header, 'Onset', 'OnsetFrame'),
    apex: findColumn(t.header, 'Apex', 'ApexFrame'),
    offset: findColumn(t.header, 'Offset', 'OffsetFrame'),
    aus: findColumn(t.header, 'AU', 'Action Units'),
    emotion: findColumn(t.header, 'emotion', 'Estimated Emotion'),
  };
  const missing = Object.entries(col)
    .filter(([k, v]) => v === undefined && k !== 'aus' && k !== 'apex')
    .map(([k]) => k);
  if (missing.length > 0) {
    throw new MerError('BAD_INPUT', `CAS(ME)^3 table [${t.sheetName}] lacks column(s) ${missing.join(', ')}; it has: ${t.header.join(', ')}`, {
      file: sheet,
      row: t.headerRow,
      expected: 'columns Subject, Filename, Onset, Apex, Offset, AU, emotion',
    });
  }
  const rows: SheetClip[] = [];
  t.rows.forEach((r, i) => {
    const row = t.rowNumbers[i];
    const subject = cellText(r[col.subject as string]);
    const file = cellText(r[col.file as string]);
    const onset = cellInt(r[col.onset as string]);
    if (!subject || !file || onset === undefined) {
      problems.push({ kind: 'bad-row', message: 'row lacks a subject, filename or onset', file: sheet, row });
      return;
    }
    rows.push({
      dataset: 'casme3',
      subject,
      clip: `${file}_${onset}`,
      emotion: cellText(r[col.emotion as string]).toLowerCase(),
      onset,
      apex: col.apex ? cellInt(r[col.apex]) : undefined,
      offset: cellInt(r[col.offset as string]),
      actionUnits: col.aus ? cellText(r[col.aus]) || undefined : undefined,
      folder: recordingFolder(frameRoot, subject, file),
      file: sheet,
      row,
      fps: CASME3_FPS,
    });
  });
  // a recording without an offset would otherwise keep every frame of a long video
  for (const r of rows) {
    if (r.offset === undefined || r.offset <= 0) {
      problems.push({ kind: 'bad-frame-number', message: 'row has no offset frame: the clip would span the whole recording', file: sheet, row: r.row, clip: `casme3/${r.subject}/${r.clip}` });
    }
  }
  const usable = rows.filter((r) => r.offset !== undefined && r.offset > 0);
  const clips = buildFrameClips(usable, { database: 'casme3' }, problems);
  const named = new Set(rows.map((r) => join(frameRoot, r.subject, r.clip.slice(0, r.clip.lastIndexOf('_')))));
  for (const f of clipFolders(frameRoot, SUBJECT_DIR)) {
    if (named.has(f)) continue;
    const hasFrames = listFrames(f).length > 0 || (existsSync(join(f, COLOUR_DIR)) && listFrames(join(f, COLOUR_DIR)).length > 0);
    if (hasFrames) problems.push({ kind: 'no-sheet-row', message: `recording ${f} has frames but no table row; skipped`, file: f });
  }
  return { kind: 'casme3', root: path, clips: sortClips(clips), problems };
}
