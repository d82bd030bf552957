/**
 * Reports of a run: results.json, report.md and a self-contained report.html
 * (inline CSS, inline SVG, no script, no external request), plus the
 * one-screen terminal summary the CLI prints.
 *
 * The two plots are Vega-Lite specs compiled and rendered to SVG headless in
 * Node (`new vega.View(vega.parse(vl.compile(spec).spec), {renderer: 'none'}).toSVG()`,
 * no canvas needed); their data is inlined, so nothing is loaded.
 * - confusion matrix: one rect per (true, predicted) cell, coloured by the
 *   row-normalised rate (share of the true class), labelled with the count;
 * - per-subject accuracy: one bar per subject key, coloured by dataset part.
 *
 * vega and vega-lite are optional dependencies, loaded with the first plot:
 * without them report.html keeps every table, each plot is replaced by a line
 * naming the packages, and writeReport returns that line in `notes`.
 *
 * Numbers are printed with 4 decimals everywhere (json keeps full precision).
 * Every file is written atomically (temp file in the same folder + rename).
 */
import { writeFileAtomic } from '../io/atomic.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type * as vl from 'vega-lite';
import { isMerError } from '../core/errors.ts';
import { importOptionalGroup } from '../core/optional.ts';
import type { ResultMetrics, Results, SummaryMetrics } from './results.ts';
import type { AuditBlock } from './audit.ts';

/**
 * A Vega-Lite specification (vega-lite's TopLevelSpec). Typed loosely in the
 * public signatures so that merkit's declarations do not need vega-lite, an
 * optional dependency, to type-check.
 */
export type VegaLiteSpec = Record<string, unknown>;

/** what the report files say instead of a plot when vega is not installed */
const PLOT_PACKAGES = 'vega vega-lite';

/** Decimals of every printed metric. */
export const DECIMALS = 4;

/** A metric as printed: 4 decimals, 'n/a' for a non-finite value. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(DECIMALS) : 'n/a';
}

// ------------------------------------------------------------------ files

/**
 * Writes results.json, report.md and report.html into `outDir` (created if
 * needed) and returns their paths, plus `notes`: what the files lack and why
 * (the plots, when the optional vega packages are not installed).
 */
export async function writeReport(outDir: string, results: Results): Promise<{ json: string; md: string; html: string; auditSvg?: string; notes: string[] }> {
  await mkdir(outDir, { recursive: true });
  const paths: { json: string; md: string; html: string; auditSvg?: string } = { json: join(outDir, 'results.json'), md: join(outDir, 'report.md'), html: join(outDir, 'report.html') };
  const notes: string[] = [];
  const html = await renderHtml(results, notes);
  if (results.audit) {
    // report.md shows the audit curve as this file (markdown has no inline SVG); without vega the tables carry it
    const svg = await plotOrNote(auditCurveSpec(results.audit), notes);
    if (svg.startsWith('<svg')) {
      paths.auditSvg = join(outDir, AUDIT_SVG);
      await writeFileAtomic(paths.auditSvg, svg);
    }
  }
  await writeFileAtomic(paths.json, JSON.stringify(results, null, 2) + '\n');
  await writeFileAtomic(paths.md, renderMarkdown(results));
  await writeFileAtomic(paths.html, html);
  return { ...paths, notes };
}

/** File name of the audit curve beside report.md. */
export const AUDIT_SVG = 'audit-test-uf1.svg';

// ------------------------------------------------------------------ terminal

function table(header: readonly string[], rows: readonly (readonly string[])[], rightAlignFrom = 1): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: readonly string[]) =>
    r.map((cell, j) => (j < rightAlignFrom ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** One-screen summary: overall Acc/UF1/UAR, per part, per class F1/recall, n. */
export function formatSummaryTable(results: Results): string {
  const m = results.metrics;
  const head =
    `${results.recipe} · ${results.protocol} · ${results.dataset}` +
    (results.testDataset ? ` → ${results.testDataset}` : '') +
    ` · labels ${results.labels} · seed ${results.seed}`;
  const row = (name: string, s: SummaryMetrics) => [name, String(s.n), fmt(s.acc), fmt(s.uf1), fmt(s.uar)];
  const rows = [row('overall', m)];
  const parts = Object.entries(m.perPart);
  if (parts.length > 1) for (const [p, s] of parts) rows.push(row(`  ${p}`, s));
  const overall = table(['', 'n', 'Acc', 'UF1', 'UAR'], rows);
  const cls = table(
    ['class', 'n', 'F1', 'recall'],
    m.classes.map((c) => [c, String(m.perClass[c].support), fmt(m.perClass[c].f1), fmt(m.perClass[c].recall)]),
  );
  const tail = `${results.folds.length} fold(s) · ${results.predictions.length} predictions · ${results.skipped.length} skipped`;
  const a = results.audit;
  const audit = a
    ? [`selection audit (UF1, for auditing only): honest ${fmt(a.honest.uf1)} · best epoch per test subject ${fmt(a.oracleSubjectBest.uf1)} · best single epoch ${fmt(a.oracleGlobalBest.uf1)} (epoch ${a.oracleGlobalBest.epoch})`]
    : [];
  return [head, '', overall, '', cls, '', tail, ...audit].join('\n');
}

/** What `merkit evaluate --json` prints: results.json without the per-clip and per-subject detail. */
export interface ResultsSummary {
  recipe: string;
  protocol: string;
  dataset: string;
  testDataset?: string;
  labels: string;
  seed: number;
  metrics: Pick<ResultMetrics, 'n' | 'acc' | 'uf1' | 'uar' | 'classes' | 'averagedOver' | 'perClass' | 'perPart' | 'confusion'>;
  /** test predictions (clips evaluated) */
  predictions: number;
  folds: number;
  /** clips skipped as unreadable, with the reason of each in results.json */
  skipped: number;
  dropped?: Readonly<Record<string, number>>;
  seconds: number;
  merkitVersion: string;
}

/** The machine-readable summary of a run (see ResultsSummary); plain JSON data. */
export function summarizeResults(r: Results): ResultsSummary {
  const m = r.metrics;
  return {
    recipe: r.recipe,
    protocol: r.protocol,
    dataset: r.dataset,
    ...(r.testDataset ? { testDataset: r.testDataset } : {}),
    labels: r.labels,
    seed: r.seed,
    metrics: { n: m.n, acc: m.acc, uf1: m.uf1, uar: m.uar, classes: m.classes, averagedOver: m.averagedOver, perClass: m.perClass, perPart: m.perPart, confusion: m.confusion },
    predictions: r.predictions.length,
    folds: r.folds.length,
    skipped: r.skipped.length,
    ...(r.dropped ? { dropped: r.dropped } : {}),
    seconds: r.timing.totalSeconds,
    merkitVersion: r.merkitVersion,
  };
}

// ------------------------------------------------------------------ markdown

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, j) => (j === 0 ? '---' : '---:'));
  const line = (r: readonly string[]) => `| ${r.map(mdCell).join(' | ')} |`;
  return [line(header), `|${align.join('|')}|`, ...rows.map(line)].join('\n');
}

function summaryRows(rec: Record<string, SummaryMetrics>): string[][] {
  return Object.entries(rec).map(([k, s]) => [k, String(s.n), fmt(s.acc), fmt(s.uf1), fmt(s.uar)]);
}

function paperLine(r: Results): string | undefined {
  if (!r.paper) return undefined;
  return r.paper.citation + (r.paper.url ? ` (${r.paper.url})` : '');
}

function headerFields(r: Results): [string, string][] {
  const f: [string, string][] = [['recipe', r.recipe]];
  const paper = paperLine(r);
  if (paper) f.push(['paper', paper]);
  if (r.paper?.settings) f.push(['paper settings', r.paper.settings]);
  f.push(['protocol', r.protocol], ['dataset', r.dataset]);
  if (r.testDataset) f.push(['test dataset', r.testDataset]);
  f.push(['labels', `${r.labels} (${r.metrics.classes.join(', ')})`], ['seed', String(r.seed)]);
  f.push(['folds', String(r.folds.length)], ['merkit', r.merkitVersion]);
  f.push(['time', `${r.timing.totalSeconds.toFixed(1)} s`]);
  return f;
}

/** 'fear 2, sadness 7' or undefined when nothing was dropped */
function droppedLine(r: Results): string | undefined {
  const e = Object.entries(r.dropped ?? {}).filter(([, n]) => n > 0);
  return e.length ? e.map(([k, n]) => `${k} ${n}`).join(', ') : undefined;
}

const AVERAGING_NOTE =
  'UF1 and UAR are means of per-class F1 and recall over the classes present in the ground truth (MEGC), ' +
  'from the predictions of all folds pooled.';

/** report.md: header, overall, per part, per class, confusion matrix, per subject, skipped clips. */
export function renderMarkdown(r: Results): string {
  const m = r.metrics;
  const out: string[] = [`# merkit report: ${r.recipe} · ${r.protocol}`, ''];
  for (const [k, v] of headerFields(r)) out.push(`- **${k}**: ${v}`);
  out.push('', '## Overall', '', mdTable(['', 'n', 'Acc', 'UF1', 'UAR'], [['all', String(m.n), fmt(m.acc), fmt(m.uf1), fmt(m.uar)]]));
  out.push('', AVERAGING_NOTE);
  out.push('', '## Per dataset part', '', mdTable(['part', 'n', 'Acc', 'UF1', 'UAR'], summaryRows(m.perPart)));
  out.push(
    '',
    '## Per class',
    '',
    mdTable(
      ['class', 'support', 'precision', 'recall', 'F1'],
      m.classes.map((c) => {
        const k = m.perClass[c];
        return [c, String(k.support), fmt(k.precision), fmt(k.recall), fmt(k.f1)];
      }),
    ),
  );
  out.push(
    '',
    '## Confusion matrix',
    '',
    'Rows: true class; columns: predicted class (counts).',
    '',
    mdTable(
      ['true ↓ · predicted →', ...m.classes, 'total'],
      m.confusion.map((row, i) => [m.classes[i], ...row.map(String), String(row.reduce((a, b) => a + b, 0))]),
    ),
  );
  out.push('', '## Per subject', '', mdTable(['subject', 'n', 'Acc', 'UF1', 'UAR'], summaryRows(m.perSubject)));
  if (r.audit) {
    out.push('', '## Selection audit (for auditing only)', '', auditIntro(r.audit), '');
    out.push(mdTable(['', 'UF1', 'UAR', 'epoch', 'what it is'], auditRows(r.audit).map((x) => [x.name, fmt(x.uf1), fmt(x.uar), x.epoch, x.meaning])));
    out.push('', `![${AUDIT_CURVE_TITLE}](${AUDIT_SVG})`, '', `${AUDIT_CURVE_TITLE}: the dashed line is the honest UF1. Per-epoch predictions are in results.json (audit.perEpoch).`);
  }
  const dropped = droppedLine(r);
  if (dropped) out.push('', `Clips outside the label scheme (dropped): ${dropped}.`);
  out.push('', `## Skipped clips (${r.skipped.length})`, '');
  if (r.skipped.length === 0) out.push('None.');
  else {
    out.push(
      mdTable(
        ['kind', 'clip', 'file', 'row', 'message'],
        r.skipped.map((s) => [s.kind, s.clip ?? '', s.file ?? '', s.row !== undefined ? String(s.row) : '', s.message]),
      ),
    );
  }
  out.push('');
  return out.join('\n');
}

// ------------------------------------------------------------------ selection audit

/** Title of the audit curve: it must never be read as a training curve to pick from. */
export const AUDIT_CURVE_TITLE = 'Pooled test UF1 per epoch — for auditing only';

/** The three audit numbers, each with the sentence that says what it is. */
export function auditRows(a: AuditBlock): { name: string; uf1: number; uar: number; epoch: string; meaning: string }[] {
  const subjectEpochs = Object.values(a.oracleSubjectBest.epochs);
  const lo = Math.min(...subjectEpochs);
  const hi = Math.max(...subjectEpochs);
  return [
    {
      name: 'honest',
      uf1: a.honest.uf1,
      uar: a.honest.uar,
      epoch: 'reported',
      meaning: 'What merkit reports: no test clip influenced which network made these predictions.',
    },
    {
      name: 'oracle, best epoch per test subject',
      uf1: a.oracleSubjectBest.uf1,
      uar: a.oracleSubjectBest.uar,
      epoch: lo === hi ? String(lo) : `${lo}–${hi}`,
      meaning: "For each test subject, the epoch most accurate on that subject's own test clips (ties: earliest), pooled: what keeping \"the best epoch\" per LOSO fold reports. It looked at the test labels, so it is not a result.",
    },
    {
      name: 'oracle, best single epoch',
      uf1: a.oracleGlobalBest.uf1,
      uar: a.oracleGlobalBest.uar,
      epoch: String(a.oracleGlobalBest.epoch),
      meaning: 'The one epoch whose pooled test UF1 is highest (ties: earliest): what choosing the epoch on the test set reports. Also not a result.',
    },
  ];
}

/** oracle − honest in UF1 points (×100), signed, one decimal: '+2.2', '−0.4' */
export function auditGap(oracle: number, honest: number): string {
  const d = (oracle - honest) * 100;
  return `${d < 0 ? '−' : '+'}${Math.abs(d).toFixed(1)}`;
}

function auditIntro(a: AuditBlock): string {
  return (
    `Test predictions were stored at ${a.epochs.length} epochs (${a.epochs[0]}…${a.epochs.at(-1)}) while training and used for nothing else. ` +
    `Choosing epochs on the test fold would change the honest UF1 by ${auditGap(a.oracleSubjectBest.uf1, a.honest.uf1)} points (best epoch per subject) ` +
    `or ${auditGap(a.oracleGlobalBest.uf1, a.honest.uf1)} points (best single epoch).`
  );
}

/** Vega-Lite spec of the pooled test UF1 per stored epoch, titled "for auditing only". */
export function auditCurveSpec(a: AuditBlock): VegaLiteSpec {
  return {
    title: AUDIT_CURVE_TITLE,
    data: { values: a.pooled.map((p) => ({ epoch: p.epoch, uf1: p.uf1 })) },
    width: AUDIT_PLOT_WIDTH_PX,
    height: BAR_HEIGHT_PX,
    layer: [
      { mark: { type: 'line', point: a.pooled.length <= AUDIT_POINTS_MARKED }, encoding: { x: { field: 'epoch', type: 'quantitative', title: 'epoch' }, y: { field: 'uf1', type: 'quantitative', title: 'pooled test UF1', scale: { zero: false } } } },
      { data: { values: [{ uf1: a.honest.uf1, what: 'honest' }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#555555' }, encoding: { y: { field: 'uf1', type: 'quantitative' } } },
    ],
  };
}

// ------------------------------------------------------------------ html + svg

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** pixel size of one confusion cell / one subject bar */
const CELL_PX = 56;
const BAR_STEP_PX = 14;
const BAR_HEIGHT_PX = 180;
const AUDIT_PLOT_WIDTH_PX = 480;
/** up to this many stored epochs, each is drawn as a point on the audit curve */
const AUDIT_POINTS_MARKED = 40;
/** row-normalised rate above which a cell's count is printed white (dark cell) */
const DARK_CELL_RATE = 0.5;

/** vega and vega-lite, loaded with the first plot (optional dependencies) */
async function loadVega(): Promise<{ vega: typeof import('vega'); vl: typeof import('vega-lite') }> {
  const [vega, vl] = await importOptionalGroup<[typeof import('vega'), typeof import('vega-lite')]>(PLOT_PACKAGES, 'plots in report.html', [
    () => import('vega'),
    () => import('vega-lite'),
  ]);
  return { vega, vl };
}

/**
 * Renders a Vega-Lite spec to an SVG string headless (no canvas, no loader
 * use: data must be inline). Needs the optional packages vega and vega-lite.
 */
export async function vegaLiteToSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vl } = await loadVega();
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    // namespace declarations are not needed inline in HTML5; dropping them keeps the page free of URLs
    return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}

/** Vega-Lite spec of the confusion matrix: rect per cell (row-normalised colour) + count text. */
export function confusionSpec(confusion: readonly (readonly number[])[], classes: readonly string[]): VegaLiteSpec {
  const values: { truth: string; predicted: string; count: number; rate: number }[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => values.push({ truth: classes[i], predicted: classes[j], count, rate: total ? count / total : 0 }));
  });
  const order = [...classes];
  const spec: vl.TopLevelSpec = {
    data: { values },
    width: CELL_PX * classes.length,
    height: CELL_PX * classes.length,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted class', axis: { labelAngle: -30 } },
      y: { field: 'truth', type: 'nominal', sort: order, title: 'true class' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff' },
        encoding: {
          color: {
            field: 'rate',
            type: 'quantitative',
            scale: { domain: [0, 1], scheme: 'blues' },
            title: 'share of true class',
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 13 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.rate > ${DARK_CELL_RATE}`, value: '#ffffff' }, value: '#000000' },
        },
      },
    ],
  };
  return spec as unknown as VegaLiteSpec;
}

/** Vega-Lite spec of per-subject accuracy bars (subjects in key order, coloured by part). */
export function subjectBarsSpec(perSubject: Record<string, SummaryMetrics>): VegaLiteSpec {
  const values = Object.entries(perSubject).map(([subject, s]) => ({
    subject,
    part: subject.includes('/') ? subject.slice(0, subject.indexOf('/')) : subject,
    acc: s.acc,
    n: s.n,
  }));
  const spec: vl.TopLevelSpec = {
    data: { values },
    width: { step: BAR_STEP_PX },
    height: BAR_HEIGHT_PX,
    mark: 'bar',
    encoding: {
      x: { field: 'subject', type: 'nominal', sort: values.map((v) => v.subject), title: 'subject', axis: { labelAngle: -90 } },
      y: { field: 'acc', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
      color: { field: 'part', type: 'nominal', title: 'part' },
      tooltip: [
        { field: 'subject', type: 'nominal' },
        { field: 'n', type: 'quantitative' },
        { field: 'acc', type: 'quantitative', format: '.4f' },
      ],
    },
  };
  return spec as unknown as VegaLiteSpec;
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c, j) => (j === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`);
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #eee}
td{text-align:right;font-variant-numeric:tabular-nums}thead th{text-align:right;border-bottom:2px solid #ccc}
thead th:first-child,tbody th{text-align:left;font-weight:normal}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}dd{margin:0}
figure{margin:1rem 0;overflow-x:auto}.note{color:#555;font-size:.9rem}td.meaning{text-align:left;font-variant-numeric:normal}
`;

/**
 * A plot as inline SVG; without the optional vega packages, a line saying so
 * (the tables carry the same numbers), which is also pushed to `notes` once.
 */
async function plotOrNote(spec: VegaLiteSpec, notes: string[]): Promise<string> {
  try {
    return await vegaLiteToSvg(spec);
  } catch (e) {
    if (!isMerError(e) || e.code !== 'UNSUPPORTED') throw e;
    const line = e.message;
    if (!notes.includes(line)) notes.push(line);
    return `<p class="note">Plot not drawn: ${esc(line)}.</p>`;
  }
}

async function auditHtml(a: AuditBlock, notes: string[]): Promise<string> {
  const rows = auditRows(a);
  const table = `<table><thead><tr><th></th><th>UF1</th><th>UAR</th><th>epoch</th><th>what it is</th></tr></thead><tbody>${rows
    .map((x) => `<tr><th scope="row">${esc(x.name)}</th><td>${fmt(x.uf1)}</td><td>${fmt(x.uar)}</td><td>${esc(x.epoch)}</td><td class="meaning">${esc(x.meaning)}</td></tr>`)
    .join('')}</tbody></table>`;
  return `<h2 id="selection-audit">Selection audit (for auditing only)</h2>
<p>${esc(auditIntro(a))}</p>
${table}
<figure id="audit-curve">${await plotOrNote(auditCurveSpec(a), notes)}<figcaption class="note">${esc(AUDIT_CURVE_TITLE)}: the dashed line is the honest UF1.</figcaption></figure>`;
}

/**
 * report.html: self-contained (inline CSS + inline SVG, no script, no external
 * resource). `notes` collects what the page lacks (plots without vega).
 */
export async function renderHtml(r: Results, notes: string[] = []): Promise<string> {
  const m = r.metrics;
  const confusionSvg = await plotOrNote(confusionSpec(m.confusion, m.classes), notes);
  const barsSvg = await plotOrNote(subjectBarsSpec(m.perSubject), notes);
  const header = headerFields(r)
    .map(([k, v]) => {
      const value = k === 'paper' && r.paper?.url ? `${esc(r.paper.citation)} (<a href="${esc(r.paper.url)}">${esc(r.paper.url)}</a>)` : esc(v);
      return `<dt>${esc(k)}</dt><dd>${value}</dd>`;
    })
    .join('');
  const skipped =
    r.skipped.length === 0
      ? '<p>None.</p>'
      : htmlTable(
          ['kind', 'clip', 'file', 'row', 'message'],
          r.skipped.map((s) => [s.kind, s.clip ?? '', s.file ?? '', s.row !== undefined ? String(s.row) : '', s.message]),
        );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>merkit report: ${esc(r.recipe)} · ${esc(r.protocol)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>merkit report: ${esc(r.recipe)} · ${esc(r.protocol)}</h1>
<dl>${header}</dl>
<h2>Overall</h2>
${htmlTable(['', 'n', 'Acc', 'UF1', 'UAR'], [['all', String(m.n), fmt(m.acc), fmt(m.uf1), fmt(m.uar)]])}
<p class="note">${esc(AVERAGING_NOTE)}</p>
<h2>Per dataset part</h2>
${htmlTable(['part', 'n', 'Acc', 'UF1', 'UAR'], summaryRows(m.perPart))}
<h2>Per class</h2>
${htmlTable(
  ['class', 'support', 'precision', 'recall', 'F1'],
  m.classes.map((c) => [c, String(m.perClass[c].support), fmt(m.perClass[c].precision), fmt(m.perClass[c].recall), fmt(m.perClass[c].f1)]),
)}
<h2>Confusion matrix</h2>
<p class="note">Rows: true class, columns: predicted class; colour = share of the true class, number = count.</p>
<figure id="confusion-matrix">${confusionSvg}</figure>
<h2>Per subject</h2>
<figure id="subject-accuracy">${barsSvg}</figure>
${htmlTable(['subject', 'n', 'Acc', 'UF1', 'UAR'], summaryRows(m.perSubject))}
${r.audit ? await auditHtml(r.audit, notes) : ''}
${droppedLine(r) ? `<p>Clips outside the label scheme (dropped): ${esc(droppedLine(r)!)}.</p>` : ''}
<h2>Skipped clips (${r.skipped.length})</h2>
${skipped}
</body>
</html>
`;
}
