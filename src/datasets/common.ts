/**
 * Shared pieces of the frame-folder adapters (casme2, casme, samm, casme3,
 * smic, synthetic): listing numbered frames, finding coding sheets, reading
 * sheet cells, and turning sheet rows + folders into ClipRefs with Problems.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { clipKey, type ClipRef } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import type { CellValue } from '../io/xlsx.ts';
import { isKnownEmotion } from './labelSchemes.ts';

/** frame image extensions the image decoders read */
export const FRAME_EXT = /\.(jpe?g|png|bmp)$/i;
/** the frame number is the last run of digits before the extension (img46.jpg, reg_img46.jpg, 006_05562.jpg, image17581039.bmp) */
const FRAME_NUMBER = /(\d+)\.(jpe?g|png|bmp)$/i;

export interface NumberedFrame {
  readonly file: string;
  readonly n: number;
}

/** Directory entries (names), or [] when the path is not a readable directory. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.')).sort(naturalCompare);
  } catch {
    return [];
  }
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Natural order: digit runs compare as numbers (img46 < img100, sub2 < sub10). */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' });
}

/**
 * The numbered frame images of a folder sorted by frame number (numerically).
 * Files without a number are ignored. When two naming schemes share a folder
 * (img46.jpg and reg_img46.jpg), the prefix with most files wins, so a frame
 * number never appears twice.
 */
export function listFrames(dir: string): NumberedFrame[] {
  const byPrefix = new Map<string, NumberedFrame[]>();
  for (const name of listDir(dir)) {
    const m = FRAME_NUMBER.exec(name);
    if (!m) continue;
    const prefix = name.slice(0, m.index) + '.' + m[2].toLowerCase();
    const list = byPrefix.get(prefix) ?? [];
    list.push({ file: join(dir, name), n: Number(m[1]) });
    byPrefix.set(prefix, list);
  }
  let best: NumberedFrame[] = [];
  for (const list of byPrefix.values()) if (list.length > best.length) best = list;
  return best.sort((a, b) => a.n - b.n);
}

/**
 * Frames within [onset, offset] (inclusive). When the offset is missing or 0
 * (a few CASME II and SMIC rows) every frame of the folder is kept: the
 * clip's extent is then unknown, and the folder is the clip as released.
 */
export function restrictFrames(frames: readonly NumberedFrame[], onset?: number, offset?: number): NumberedFrame[] {
  if (offset === undefined || !(offset > 0)) return [...frames];
  const lo = onset ?? -Infinity;
  return frames.filter((f) => f.n >= lo && f.n <= offset);
}

/** .xlsx files directly inside `dir` whose name matches `pattern` (lock files ~$… ignored). */
export function findSheets(dir: string, pattern: RegExp): string[] {
  return listDir(dir)
    .filter((n) => /\.xlsx$/i.test(n) && !n.startsWith('~$') && pattern.test(n))
    .map((n) => join(dir, n));
}

/**
 * The first folder at or below `root` (breadth-first, up to `maxDepth`
 * levels) that contains a child directory matching `child`. Used to accept
 * a database root given at, above or below the release folder
 * (e.g. CASME2/ → CASME2-RAW/ → sub01/).
 */
export function findFrameRoot(root: string, child: RegExp, maxDepth = 3): string | undefined {
  let level = [root];
  for (let d = 0; d <= maxDepth && level.length > 0; d++) {
    const next: string[] = [];
    for (const dir of level) {
      const kids = listDir(dir).filter((n) => isDir(join(dir, n)));
      if (kids.some((k) => child.test(k))) return dir;
      for (const k of kids) next.push(join(dir, k));
    }
    level = next;
  }
  return undefined;
}

/** A cell as trimmed text ('' when empty). Integral numbers print without decimals. */
export function cellText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? String(v) : v.trim();
}

/** A cell as a frame number: undefined when empty; NaN when present but not a number. */
export function cellInt(v: CellValue | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const t = v.trim();
  if (t === '' || t === '/' || t === '-') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

/** One clip as a coding sheet describes it, before its folder is checked. */
export interface SheetClip {
  readonly dataset: string;
  readonly subject: string;
  readonly clip: string;
  readonly emotion: string;
  readonly onset?: number;
  readonly apex?: number;
  readonly offset?: number;
  readonly actionUnits?: string;
  /** the folder that should hold its frames */
  readonly folder: string;
  /** the sheet and 1-based row it came from */
  readonly file: string;
  readonly row: number;
  readonly fps?: number;
}

export interface BuildOptions {
  /** database name for KNOWN_EMOTIONS ('*' = any emotion a scheme knows) */
  readonly database: string;
}

/**
 * Turn sheet rows into frame clips: checks the emotion, duplicates, the
 * folder and its frames; restricts frames to onset…offset. Every failure
 * becomes a Problem and the clip is skipped.
 */
export function buildFrameClips(rows: readonly SheetClip[], opts: BuildOptions, problems: Problem[]): ClipRef[] {
  const clips: ClipRef[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const where = { file: r.file, row: r.row, clip: clipKey(r) };
    if (r.emotion === '') {
      problems.push({ kind: 'missing-label', message: 'row has no emotion', ...where });
      continue;
    }
    if (!isKnownEmotion(r.emotion, opts.database)) {
      problems.push({ kind: 'unknown-label', message: `unknown emotion "${r.emotion}" for ${opts.database}`, ...where });
      continue;
    }
    for (const [name, v] of [['onset', r.onset], ['apex', r.apex], ['offset', r.offset]] as const) {
      if (v !== undefined && Number.isNaN(v)) {
        problems.push({ kind: 'bad-frame-number', message: `${name} frame is not a number`, ...where });
      }
    }
    if ([r.onset, r.apex, r.offset].some((v) => v !== undefined && Number.isNaN(v))) continue;
    const key = clipKey(r);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ kind: 'duplicate-clip', message: `clip ${key} already given in row ${first}; this row is skipped`, ...where });
      continue;
    }
    seen.set(key, r.row);
    if (!isDir(r.folder)) {
      problems.push({ kind: 'missing-folder', message: `no folder ${r.folder} for this sheet row`, ...where });
      continue;
    }
    const all = listFrames(r.folder);
    if (all.length === 0) {
      problems.push({ kind: 'empty-folder', message: `folder ${r.folder} has no numbered frame images`, ...where });
      continue;
    }
    const frames = restrictFrames(all, r.onset, r.offset);
    if (frames.length === 0) {
      problems.push({
        kind: 'frames-out-of-range',
        message: `no frame of ${r.folder} (numbers ${all[0].n}…${all[all.length - 1].n}) lies in onset…offset ${r.onset}…${r.offset}`,
        ...where,
      });
      continue;
    }
    clips.push({
      dataset: r.dataset,
      subject: r.subject,
      clip: r.clip,
      fps: r.fps,
      onset: r.onset,
      apex: r.apex,
      offset: r.offset !== undefined && r.offset > 0 ? r.offset : undefined,
      emotion: r.emotion,
      actionUnits: r.actionUnits,
      source: { kind: 'frames', files: frames.map((f) => f.file) },
    });
  }
  return clips;
}

/**
 * Folders with frames that no sheet row names: one 'no-sheet-row' problem each.
 * `folders` are absolute clip folders found on disk; `named` the folders the sheet names.
 */
export function reportUnlistedFolders(folders: readonly string[], named: ReadonlySet<string>, root: string, problems: Problem[]): void {
  for (const f of folders) {
    if (named.has(f)) continue;
    if (listFrames(f).length === 0) continue;
    problems.push({ kind: 'no-sheet-row', message: `folder ${relative(root, f) || basename(f)} has frames but no coding-sheet row; skipped`, file: f });
  }
}

/** Clip folders two levels below a frame root: root/<subject>/<clip>, subjects matching `subjectDir`. */
export function clipFolders(frameRoot: string, subjectDir: RegExp): string[] {
  const out: string[] = [];
  for (const s of listDir(frameRoot)) {
    if (!subjectDir.test(s) || !isDir(join(frameRoot, s))) continue;
    for (const c of listDir(join(frameRoot, s))) if (isDir(join(frameRoot, s, c))) out.push(join(frameRoot, s, c));
  }
  return out;
}

/** Throw MerError NOT_FOUND unless `path` exists. */
export function requirePath(path: string, what: string, expected: string): void {
  if (!existsSync(path)) throw new MerError('NOT_FOUND', `${what} not found`, { file: path, expected });
}

/** Sort clips by dataset, subject, clip (natural order) so every adapter's output is deterministic. */
export function sortClips<T extends { dataset: string; subject: string; clip: string }>(clips: T[]): T[] {
  return clips.sort((a, b) => naturalCompare(a.dataset, b.dataset) || naturalCompare(a.subject, b.subject) || naturalCompare(a.clip, b.clip));
}
