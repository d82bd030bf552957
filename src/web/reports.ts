/**
 * The evaluation reports a `merkit serve --reports DIR` page lists: every
 * results.json (written by `merkit evaluate` / writeReport) found under DIR,
 * summarised for the list, with the report.html beside it when present.
 * Node-only (reads the file system); the page fetches the listing as JSON.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Problem } from '../core/errors.ts';

export interface ReportEntry {
  /** path of the report folder relative to the reports root, '/'-separated ('' = the root itself) */
  readonly id: string;
  readonly recipe: string;
  readonly protocol: string;
  readonly dataset: string;
  readonly labels: string;
  readonly n: number;
  readonly acc: number;
  readonly uf1: number;
  readonly uar: number;
  /** whether report.html sits beside results.json */
  readonly hasHtml: boolean;
  /** modification time of results.json, ISO-8601 */
  readonly modified: string;
}

export interface ReportListing {
  readonly reports: ReportEntry[];
  /** results.json files that could not be read, and why */
  readonly problems: Problem[];
}

/** folders never descended into: dependencies, VCS data and the feature cache can be huge */
const SKIP_DIRS = new Set(['node_modules', '.git', '.merkit-cache']);
/** how deep below the root results.json files are looked for (evaluate writes DIR/run/results.json) */
export const MAX_REPORT_DEPTH = 6;
export const RESULTS_JSON = 'results.json';
export const REPORT_HTML = 'report.html';

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

/** Summarise one parsed results.json, or say what is wrong with it. */
export function summariseResults(id: string, json: unknown, hasHtml: boolean, modified: string): ReportEntry | string {
  if (!json || typeof json !== 'object') return 'not a JSON object';
  const r = json as Record<string, unknown>;
  const m = r.metrics as Record<string, unknown> | undefined;
  if (typeof r.recipe !== 'string' || !m || typeof m !== 'object' || !Array.isArray(m.confusion)) {
    return 'lacks recipe/metrics.confusion (expected a results.json written by `merkit evaluate`)';
  }
  return {
    id,
    recipe: r.recipe,
    protocol: String(r.protocol ?? ''),
    dataset: String(r.dataset ?? ''),
    labels: String(r.labels ?? ''),
    n: num(m.n),
    acc: num(m.acc),
    uf1: num(m.uf1),
    uar: num(m.uar),
    hasHtml,
    modified,
  };
}

/** Find and summarise every results.json under `root` (sorted by id). A missing root gives an empty listing. */
export async function listReports(root: string): Promise<ReportListing> {
  const reports: ReportEntry[] = [];
  const problems: Problem[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    const files = new Set(names);
    if (files.has(RESULTS_JSON)) {
      const file = join(dir, RESULTS_JSON);
      const id = relative(root, dir).split(sep).join('/');
      try {
        const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
        const s = summariseResults(id, JSON.parse(text), files.has(REPORT_HTML), st.mtime.toISOString());
        if (typeof s === 'string') problems.push({ kind: 'bad-results', message: s, file });
        else reports.push(s);
      } catch (e) {
        problems.push({ kind: 'bad-results', message: `cannot read: ${e instanceof Error ? e.message : String(e)}`, file });
      }
    }
    if (depth >= MAX_REPORT_DEPTH) return;
    for (const name of names.sort()) {
      if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
      const p = join(dir, name);
      const st = await stat(p).catch(() => undefined);
      if (st?.isDirectory()) await walk(p, depth + 1);
    }
  };
  await walk(root, 0);
  reports.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { reports, problems };
}
