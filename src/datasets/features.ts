/**
 * A CSV feature table: meta columns `subject, clip, dataset, label, emotion,
 * onset, apex, offset` (whichever exist; subject and clip are required;
 * emotion falls back to label), every other column a numeric feature —
 * exactly casme2-lbptop-5x5/features.csv. A row with an empty, non-numeric or
 * NaN/Inf feature cell, an empty or unknown emotion, or a duplicate clip is a
 * Problem naming the file line (and column); that clip is skipped.
 *
 * Dataset part of each clip: the `dataset` column when present, else
 * opts.dataset, else inferred from the path — the first database name
 * (casme2, casme3, casme, samm, smic) appearing in it as a word, e.g.
 * '.../casme2-lbptop-5x5/features.csv' → 'casme2' — else 'features'.
 */
import { basename, dirname } from 'node:path';
import { clipKey, type ClipRef, type Dataset } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import { readCsvRecords } from '../io/csv.ts';
import { normaliseColumn } from '../io/xlsx.ts';
import { requirePath, sortClips } from './common.ts';
import { isKnownEmotion } from './labelSchemes.ts';

export const FEATURE_META_COLUMNS: readonly string[] = ['subject', 'clip', 'dataset', 'label', 'emotion', 'onset', 'apex', 'offset'];
/** databases recognised in a feature table's path, longest first so 'casme2' wins over 'casme' */
const PATH_DATASETS = ['casme2', 'casme3', 'casme', 'samm', 'smic'];

export interface FeaturesOptions {
  /** dataset part for tables without a dataset column */
  readonly dataset?: string;
}

/** 'casme2' for '/x/casme2-lbptop-5x5/features.csv'; undefined when no database name appears. */
export function datasetFromPath(path: string): string | undefined {
  const words = `${basename(dirname(path))} ${basename(path)}`.toLowerCase().split(/[^a-z0-9]+/);
  for (const d of PATH_DATASETS) if (words.includes(d)) return d;
  return undefined;
}

export async function openFeatures(path: string, opts: FeaturesOptions = {}): Promise<Dataset> {
  requirePath(path, 'feature table', 'a CSV with subject, clip, emotion/label and numeric feature columns');
  const t = await readCsvRecords(path);
  const meta = new Map<string, string>();
  for (const h of t.header) if (FEATURE_META_COLUMNS.includes(normaliseColumn(h))) meta.set(normaliseColumn(h), h);
  const emotionCol = meta.get('emotion') ?? meta.get('label');
  const missing = [meta.has('subject') ? '' : 'subject', meta.has('clip') ? '' : 'clip', emotionCol ? '' : 'emotion or label'].filter(Boolean);
  if (missing.length > 0) {
    throw new MerError('BAD_INPUT', `feature table lacks column(s) ${missing.join(', ')}; it has: ${t.header.slice(0, 12).join(', ')}${t.header.length > 12 ? ', …' : ''}`, {
      file: path,
      row: 1,
      expected: 'columns subject, clip, emotion (or label), then numeric features',
    });
  }
  const columns = t.header.filter((h) => !FEATURE_META_COLUMNS.includes(normaliseColumn(h)));
  if (columns.length === 0) throw new MerError('BAD_INPUT', 'feature table has no feature column', { file: path, row: 1 });
  const fallbackDataset = opts.dataset ?? datasetFromPath(path) ?? 'features';
  const problems: Problem[] = [];
  const clips: ClipRef[] = [];
  const seen = new Map<string, number>();
  const frameNo = (r: Record<string, string>, k: string): number | undefined => {
    const c = meta.get(k);
    const v = c ? r[c].trim() : '';
    const n = v === '' ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  t.rows.forEach((r, i) => {
    const row = t.lines[i];
    const dataset = (meta.has('dataset') ? r[meta.get('dataset') as string].trim() : '') || fallbackDataset;
    const subject = r[meta.get('subject') as string].trim();
    const clip = r[meta.get('clip') as string].trim();
    const emotion = r[emotionCol as string].trim().toLowerCase();
    const key = clipKey({ dataset, subject, clip });
    const where = { file: path, row, clip: key };
    if (!subject || !clip) return void problems.push({ kind: 'bad-row', message: 'row lacks a subject or clip', ...where });
    if (!emotion) return void problems.push({ kind: 'missing-label', message: 'row has no emotion', ...where });
    if (!isKnownEmotion(emotion, '*')) return void problems.push({ kind: 'unknown-label', message: `unknown emotion "${emotion}"`, ...where });
    if (seen.has(key)) return void problems.push({ kind: 'duplicate-clip', message: `clip ${key} already given on line ${seen.get(key)}`, ...where });
    const values = new Float32Array(columns.length);
    for (let j = 0; j < columns.length; j++) {
      const s = r[columns[j]].trim();
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) {
        problems.push({ kind: 'bad-feature', message: `feature column "${columns[j]}" holds ${JSON.stringify(s)}, not a finite number`, ...where });
        return;
      }
      values[j] = v;
    }
    seen.set(key, row);
    clips.push({
      dataset,
      subject,
      clip,
      emotion,
      onset: frameNo(r, 'onset'),
      apex: frameNo(r, 'apex'),
      offset: frameNo(r, 'offset'),
      source: { kind: 'features', values, columns },
    });
  });
  return { kind: 'features', root: path, clips: sortClips(clips), problems };
}
