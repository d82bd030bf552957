/**
 * SMIC (Li et al., FG 2013): clip folders `s<N>_<ne|po|sur>_<NN>` holding
 * numbered frames (`image106108.bmp`/`.jpg`), found anywhere below the root
 * (up to MAX_DEPTH levels), e.g.
 *   HS/s1/micro/negative/s1_ne_01/image*.bmp            (SMIC release)
 *   SMIC_all_cropped/HS/s01/micro/negative/s01_ne_01/…   (cropped release)
 *   HS_long/SMIC_HS_E/s20/s20_ne_01/…                    (SMIC-E)
 * Folders below a `non_micro` folder are ignored. The modality (HS, VIS, NIR)
 * is the first ancestor folder naming it; opts.modality picks one, default HS
 * when present, else the first of VIS, NIR found.
 * Label = the ancestor `negative|positive|surprise` folder, else the clip
 * name's infix (ne/po/sur). Subject 's01' and clip 's01_ne_01' are written
 * with two-digit numbers (as the MEGC 2019 lists do) whatever the folder says.
 * The apex sheet (`smic*.xlsx` in the root, or opts.sheet: columns subject,
 * clip, label 0/1/2, onset_frame, apex_frame, offset_frame) gives HS onset /
 * apex / offset; without it whole folders are used. fps: HS 100, VIS/NIR 25.
 */
import { dirname, join, relative, sep } from 'node:path';
import { clipKey, type ClipRef, type Dataset } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import { findColumn, readSheet } from '../io/xlsx.ts';
import { cellInt, cellText, findSheets, isDir, listDir, listFrames, naturalCompare, requirePath, restrictFrames, sortClips } from './common.ts';

export type SmicModality = 'HS' | 'VIS' | 'NIR';

/** HS: PixeLINK PL-B774U at 100 fps; VIS and NIR: 25 fps (Li et al. 2013) */
export const SMIC_FPS: Readonly<Record<SmicModality, number>> = { HS: 100, VIS: 25, NIR: 25 };

/** deepest folder level searched for clip folders */
const MAX_DEPTH = 8;
const CLIP_DIR = /^s(\d+)_(ne|po|sur)_(\d+)$/i;
const MODALITY_DIR = /(?:^|[_\-\s])(HS|VIS|NIR)(?:[_\-\s]|$)/i;
const INFIX_LABEL: Readonly<Record<string, string>> = { ne: 'negative', po: 'positive', sur: 'surprise' };
/** the apex sheet's numeric label column */
export const SMIC_SHEET_LABELS: readonly string[] = ['negative', 'positive', 'surprise'];

export interface SmicOptions {
  readonly modality?: SmicModality;
  /** apex sheet (default: smic*.xlsx in the root or its parent, if any) */
  readonly sheet?: string;
}

/** 's1_ne_01' → { subject: 's01', clip: 's01_ne_01', infix: 'ne' } */
export function smicIds(name: string): { subject: string; clip: string; infix: string } | undefined {
  const m = CLIP_DIR.exec(name.trim());
  if (!m) return undefined;
  const subject = 's' + String(Number(m[1])).padStart(2, '0');
  const infix = m[2].toLowerCase();
  return { subject, clip: `${subject}_${infix}_${m[3].padStart(2, '0')}`, infix };
}

interface FoundClip {
  readonly folder: string;
  readonly modality?: SmicModality;
  readonly folderLabel?: string;
}

function walk(root: string): FoundClip[] {
  const out: FoundClip[] = [];
  const visit = (dir: string, depth: number) => {
    for (const name of listDir(dir)) {
      const p = join(dir, name);
      if (!isDir(p) || /^non[_\-\s]?micro$/i.test(name)) continue;
      if (CLIP_DIR.test(name)) {
        const segs = relative(root, dir).split(sep).filter(Boolean);
        let modality: SmicModality | undefined;
        let folderLabel: string | undefined;
        for (const s of segs) {
          const m = MODALITY_DIR.exec(s);
          if (m && !modality) modality = m[1].toUpperCase() as SmicModality;
          if (/^(negative|positive|surprise)$/i.test(s)) folderLabel = s.toLowerCase();
        }
        out.push({ folder: p, modality, folderLabel });
      } else if (depth < MAX_DEPTH) visit(p, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

interface ApexRow {
  onset?: number;
  apex?: number;
  offset?: number;
  label?: string;
  row: number;
}

async function readApexSheet(file: string, problems: Problem[]): Promise<Map<string, ApexRow>> {
  const t = await readSheet(file, { headerIncludes: ['clip'] });
  const col = {
    clip: findColumn(t.header, 'clip', 'filename'),
    label: findColumn(t.header, 'label', 'emotion'),
    onset: findColumn(t.header, 'onset_frame', 'onset', 'onsetframe'),
    apex: findColumn(t.header, 'apex_frame', 'apex', 'apexframe'),
    offset: findColumn(t.header, 'offset_frame', 'offset', 'offsetframe'),
  };
  if (!col.clip) {
    throw new MerError('BAD_INPUT', `SMIC apex sheet lacks a clip column; it has: ${t.header.join(', ')}`, { file, expected: 'columns clip, onset_frame, apex_frame, offset_frame' });
  }
  const map = new Map<string, ApexRow>();
  t.rows.forEach((r, i) => {
    const row = t.rowNumbers[i];
    const ids = smicIds(cellText(r[col.clip as string]));
    if (!ids) {
      problems.push({ kind: 'bad-row', message: `clip "${cellText(r[col.clip as string])}" is not an SMIC clip name (s<N>_<ne|po|sur>_<NN>)`, file, row });
      return;
    }
    if (map.has(ids.clip)) {
      problems.push({ kind: 'duplicate-clip', message: `clip ${ids.clip} already given in row ${map.get(ids.clip)!.row}`, file, row, clip: ids.clip });
      return;
    }
    let label: string | undefined;
    if (col.label) {
      const v = cellText(r[col.label]).toLowerCase();
      label = /^\d+$/.test(v) ? SMIC_SHEET_LABELS[Number(v)] : v || undefined;
    }
    const num = (c?: string) => {
      const v = c ? cellInt(r[c]) : undefined;
      return v === undefined || Number.isNaN(v) ? undefined : v;
    };
    map.set(ids.clip, { onset: num(col.onset), apex: num(col.apex), offset: num(col.offset), label, row });
  });
  return map;
}

export async function openSmic(path: string, opts: SmicOptions = {}): Promise<Dataset> {
  requirePath(path, 'SMIC root', 'a folder holding SMIC clip folders s<N>_<ne|po|sur>_<NN>');
  const problems: Problem[] = [];
  const found = walk(path);
  if (found.length === 0) {
    throw new MerError('NOT_FOUND', 'no SMIC clip folder (s<N>_<ne|po|sur>_<NN>) below the root', { file: path, expected: 'e.g. HS/s1/micro/negative/s1_ne_01/image*.bmp' });
  }
  const present = new Set(found.map((f) => f.modality ?? 'HS'));
  const modality: SmicModality = opts.modality ?? (['HS', 'VIS', 'NIR'] as const).find((m) => present.has(m)) ?? 'HS';
  const fps = SMIC_FPS[modality];

  let sheetFile = opts.sheet;
  if (sheetFile) requirePath(sheetFile, 'SMIC apex sheet', 'an .xlsx apex sheet');
  else sheetFile = [...findSheets(path, /smic.*\.xlsx$/i), ...findSheets(dirname(path), /smic.*\.xlsx$/i)][0];
  const apex = sheetFile && modality === 'HS' ? await readApexSheet(sheetFile, problems) : undefined;

  const clips: ClipRef[] = [];
  const seen = new Map<string, string>();
  const used = new Set<string>();
  for (const f of found.sort((a, b) => naturalCompare(a.folder, b.folder))) {
    if ((f.modality ?? 'HS') !== modality) continue;
    const ids = smicIds(f.folder.slice(f.folder.lastIndexOf(sep) + 1)) as NonNullable<ReturnType<typeof smicIds>>;
    const where = { file: f.folder, clip: clipKey({ dataset: 'smic', ...ids }) };
    const infixLabel = INFIX_LABEL[ids.infix];
    if (f.folderLabel && f.folderLabel !== infixLabel) {
      problems.push({ kind: 'label-conflict', message: `folder ${f.folderLabel} holds a clip named as ${infixLabel}`, ...where });
      continue;
    }
    if (seen.has(ids.clip)) {
      problems.push({ kind: 'duplicate-clip', message: `clip ${ids.clip} also in ${seen.get(ids.clip)}`, ...where });
      continue;
    }
    seen.set(ids.clip, f.folder);
    const all = listFrames(f.folder);
    if (all.length === 0) {
      problems.push({ kind: 'empty-folder', message: 'clip folder has no numbered frame images', ...where });
      continue;
    }
    let a: ApexRow | undefined;
    if (apex) {
      a = apex.get(ids.clip);
      if (!a) {
        problems.push({ kind: 'no-sheet-row', message: `clip folder has no row in the apex sheet ${sheetFile}; skipped`, ...where });
        continue;
      }
      used.add(ids.clip);
      if (a.label && a.label !== infixLabel) {
        problems.push({ kind: 'label-conflict', message: `apex sheet says ${a.label}, the folder says ${infixLabel}`, ...where, file: sheetFile, row: a.row });
        continue;
      }
    }
    const frames = restrictFrames(all, a?.onset, a?.offset);
    if (frames.length === 0) {
      problems.push({ kind: 'frames-out-of-range', message: `no frame lies in onset…offset ${a?.onset}…${a?.offset}`, ...where, file: sheetFile, row: a?.row });
      continue;
    }
    clips.push({
      dataset: 'smic',
      subject: ids.subject,
      clip: ids.clip,
      fps,
      onset: a?.onset,
      apex: a?.apex,
      offset: a?.offset,
      emotion: infixLabel,
      source: { kind: 'frames', files: frames.map((x) => x.file) },
    });
  }
  if (apex) {
    for (const [clip, a] of apex) {
      if (!used.has(clip) && !seen.has(clip)) {
        problems.push({ kind: 'missing-folder', message: `no ${modality} clip folder for sheet clip ${clip}`, file: sheetFile, row: a.row, clip: `smic/${smicIds(clip)!.subject}/${clip}` });
      }
    }
  }
  return { kind: 'smic', root: path, clips: sortClips(clips), problems };
}
