/**
 * `merkit inspect`: what a dataset holds (counts per original emotion, per
 * class of a scheme, per subject, per dataset part; frames per clip) and
 * every problem found while reading it.
 */
import { subjectKey, type Dataset } from '../core/clip.ts';
import type { Problem } from '../core/errors.ts';
import type { LabelScheme } from '../core/labels.ts';
import { naturalCompare } from './common.ts';
import { applyLabels } from './labelSchemes.ts';

export interface FrameStats {
  /** clips whose source is a list of frames */
  readonly clips: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly median: number;
}

export interface InspectReport {
  readonly kind: string;
  readonly root: string;
  /** clips read (before regrouping) */
  readonly clips: number;
  readonly subjects: number;
  readonly perEmotion: Record<string, number>;
  readonly perSubject: Record<string, number>;
  readonly perPart: Record<string, number>;
  /** source kinds (frames, flow, features, …) */
  readonly perSource: Record<string, number>;
  /** frames per clip over frame-list clips; undefined when there are none */
  readonly frames?: FrameStats;
  /** with a scheme: its name, classes, counts per class, clips kept, and drops per original emotion */
  readonly scheme?: string;
  readonly classes?: readonly string[];
  readonly perClass?: Record<string, number>;
  readonly kept?: number;
  readonly dropped?: Record<string, number>;
  readonly problems: readonly Problem[];
}

function count(keys: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => naturalCompare(a, b)));
}

export function frameStats(lengths: readonly number[]): FrameStats | undefined {
  if (lengths.length === 0) return undefined;
  const s = [...lengths].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return {
    clips: s.length,
    min: s[0],
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2,
  };
}

export function inspectDataset(ds: Dataset, scheme?: LabelScheme): InspectReport {
  const lengths = ds.clips.flatMap((c) => (c.source.kind === 'frames' ? [c.source.files.length] : c.source.kind === 'memory' ? [c.source.count] : []));
  const perSubject = count(ds.clips.map(subjectKey));
  const base = {
    kind: ds.kind,
    root: ds.root,
    clips: ds.clips.length,
    subjects: Object.keys(perSubject).length,
    perEmotion: count(ds.clips.map((c) => c.emotion)),
    perSubject,
    perPart: count(ds.clips.map((c) => c.dataset)),
    perSource: count(ds.clips.map((c) => c.source.kind)),
    frames: frameStats(lengths),
    problems: ds.problems,
  };
  if (!scheme) return base;
  const l = applyLabels(ds, scheme);
  const perClass: Record<string, number> = Object.fromEntries(l.classes.map((c) => [c, 0]));
  for (const c of l.clips) perClass[c.label]++;
  return { ...base, scheme: l.scheme, classes: l.classes, perClass, kept: l.clips.length, dropped: l.dropped };
}

function table(title: string, rec: Record<string, number>, total?: number): string[] {
  const entries = Object.entries(rec);
  if (entries.length === 0) return [`${title}: none`];
  const w = Math.max(...entries.map(([k]) => k.length), 4);
  const lines = [`${title}:`];
  for (const [k, v] of entries) {
    const pct = total ? `  ${((100 * v) / total).toFixed(1).padStart(5)}%` : '';
    lines.push(`  ${k.padEnd(w)}  ${String(v).padStart(5)}${pct}`);
  }
  return lines;
}

/** subjects listed in rows of this many per line */
const SUBJECTS_PER_LINE = 6;

/** A plain-text report for the terminal. */
export function formatInspect(r: InspectReport): string {
  const out: string[] = [];
  out.push(`dataset ${r.kind}: ${r.root}`);
  out.push(`${r.clips} clips, ${r.subjects} subjects, ${r.problems.length} problem(s)`);
  out.push('');
  out.push(...table('per dataset part', r.perPart, r.clips));
  out.push(...table('per original emotion', r.perEmotion, r.clips));
  if (r.scheme !== undefined && r.perClass) {
    out.push(`scheme ${r.scheme} (${(r.classes ?? []).join('/')}): ${r.kept} kept, ${r.clips - (r.kept ?? 0)} dropped`);
    out.push(...table('per class', r.perClass, r.kept));
    if (r.dropped && Object.keys(r.dropped).length > 0) out.push(...table('dropped (outside the scheme), per original emotion', r.dropped));
  }
  out.push(...table('per source', r.perSource));
  if (r.frames) {
    const f = r.frames;
    out.push(`frames per clip (${f.clips} clips): min ${f.min}, median ${f.median}, mean ${f.mean.toFixed(1)}, max ${f.max}`);
  }
  const subj = Object.entries(r.perSubject).map(([k, v]) => `${k}:${v}`);
  out.push(`per subject (${subj.length}):`);
  for (let i = 0; i < subj.length; i += SUBJECTS_PER_LINE) out.push('  ' + subj.slice(i, i + SUBJECTS_PER_LINE).join('  '));
  out.push('');
  if (r.problems.length === 0) out.push('problems: none');
  else {
    out.push(`problems (${r.problems.length}; each clip named here was skipped or needs a look):`);
    for (const p of r.problems) {
      const where = [p.file, p.row !== undefined ? `row ${p.row}` : undefined, p.clip].filter(Boolean).join(', ');
      out.push(`  [${p.kind}] ${where ? where + ': ' : ''}${p.message}`);
    }
  }
  return out.join('\n') + '\n';
}
