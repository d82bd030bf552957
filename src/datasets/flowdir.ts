/**
 * A folder of precomputed onset→apex flow images with `labels.csv`
 * (columns dataset, subject, clip, label, flow[, apex]; paths relative to the
 * folder) — exactly the layout of megc2019-cde-dev (HTNet's
 * STSNet_whole_norm_u_v_os). The `label` column is the clip's emotion (there
 * already megc3 names). A missing flow file, a missing apex file, an empty or
 * unknown label, or a duplicate clip id is a Problem; the clip is skipped.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { clipKey, type ClipRef, type Dataset } from '../core/clip.ts';
import { MerError, type Problem } from '../core/errors.ts';
import { readCsvRecords } from '../io/csv.ts';
import { findColumn } from '../io/xlsx.ts';
import { requirePath, sortClips } from './common.ts';
import { isKnownEmotion } from './labelSchemes.ts';

export const FLOWDIR_LABELS = 'labels.csv';

export async function openFlowdir(path: string): Promise<Dataset> {
  requirePath(path, 'flow folder', `a folder with ${FLOWDIR_LABELS} and flow images`);
  const file = join(path, FLOWDIR_LABELS);
  requirePath(file, FLOWDIR_LABELS, 'columns dataset, subject, clip, label, flow[, apex]');
  const t = await readCsvRecords(file);
  const col = {
    dataset: findColumn(t.header, 'dataset'),
    subject: findColumn(t.header, 'subject'),
    clip: findColumn(t.header, 'clip'),
    label: findColumn(t.header, 'label', 'emotion'),
    flow: findColumn(t.header, 'flow'),
    apex: findColumn(t.header, 'apex'),
  };
  const missing = (['subject', 'clip', 'label', 'flow'] as const).filter((k) => col[k] === undefined);
  if (missing.length > 0) {
    throw new MerError('BAD_INPUT', `${FLOWDIR_LABELS} lacks column(s) ${missing.join(', ')}; it has: ${t.header.join(', ')}`, {
      file,
      row: 1,
      expected: 'columns dataset, subject, clip, label, flow[, apex]',
    });
  }
  const problems: Problem[] = [];
  const clips: ClipRef[] = [];
  const seen = new Map<string, number>();
  const resolve = (p: string) => (isAbsolute(p) ? p : join(path, p));
  t.rows.forEach((r, i) => {
    const row = t.lines[i];
    const dataset = col.dataset ? r[col.dataset].trim() || 'flowdir' : 'flowdir';
    const subject = r[col.subject as string].trim();
    const clip = r[col.clip as string].trim();
    const emotion = r[col.label as string].trim().toLowerCase();
    const key = clipKey({ dataset, subject, clip });
    const where = { file, row, clip: key };
    if (!subject || !clip) return void problems.push({ kind: 'bad-row', message: 'row lacks a subject or clip', ...where });
    if (!emotion) return void problems.push({ kind: 'missing-label', message: 'row has no label', ...where });
    if (!isKnownEmotion(emotion, '*')) return void problems.push({ kind: 'unknown-label', message: `unknown label "${emotion}"`, ...where });
    if (seen.has(key)) return void problems.push({ kind: 'duplicate-clip', message: `clip ${key} already given on line ${seen.get(key)}`, ...where });
    seen.set(key, row);
    const flowRel = r[col.flow as string].trim();
    const flow = resolve(flowRel);
    if (!flowRel || !existsSync(flow)) return void problems.push({ kind: 'missing-file', message: `flow image ${flowRel || '(empty)'} not found`, ...where });
    let apexFile: string | undefined;
    const apexRel = col.apex ? r[col.apex].trim() : '';
    if (apexRel) {
      apexFile = resolve(apexRel);
      if (!existsSync(apexFile)) return void problems.push({ kind: 'missing-file', message: `apex image ${apexRel} not found`, ...where });
    }
    clips.push({ dataset, subject, clip, emotion, source: apexFile ? { kind: 'flow', file: flow, apexFile } : { kind: 'flow', file: flow } });
  });
  return { kind: 'flowdir', root: path, clips: sortClips(clips), problems };
}
