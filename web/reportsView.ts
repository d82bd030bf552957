/** The reports view: the listing from /api/reports and one report rendered from its results.json. */
import type { ReportEntry } from '../src/web/reports.ts';
import { escapeHtml } from './draw.ts';

interface Summary { n: number; acc: number; uf1: number; uar: number }
interface ResultsLike {
  recipe: string;
  dataset: string;
  protocol: string;
  labels: string;
  metrics: Summary & { classes: string[]; confusion: number[][]; perPart?: Record<string, Summary>; perSubject?: Record<string, Summary> };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
const reportUrl = (id: string, file: string) => `/reports/${id ? id.split('/').map(encodeURIComponent).join('/') + '/' : ''}${file}`;

export async function loadReports(status: HTMLElement, table: HTMLTableElement, detail: HTMLElement): Promise<void> {
  let data: { reports: ReportEntry[]; problems: { message: string; file?: string }[] };
  try {
    const r = await fetch('/api/reports');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    data = await r.json();
  } catch (e) {
    status.textContent = `Cannot list reports: ${(e as Error).message}`;
    return;
  }
  const bad = data.problems.length ? ` ${data.problems.length} results.json could not be read (${data.problems.map((p) => `${p.file}: ${p.message}`).join('; ')}).` : '';
  if (data.reports.length === 0) {
    status.textContent = `No reports found. Start \`merkit serve --reports DIR\` with a folder of \`merkit evaluate --out\` results.${bad}`;
    table.hidden = true;
    return;
  }
  status.textContent = `${data.reports.length} report(s).${bad}`;
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const r of data.reports) {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td class="text">${escapeHtml(r.id || '(root)')}</td><td class="text">${escapeHtml(r.recipe)}</td><td class="text">${escapeHtml(r.dataset)}</td><td class="text">${escapeHtml(r.protocol)}</td><td class="text">${escapeHtml(r.labels)}</td><td>${r.n}</td><td>${f3(r.uf1)}</td><td>${f3(r.uar)}</td><td>${f3(r.acc)}</td>`;
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'button';
    b.textContent = 'Open';
    b.setAttribute('aria-label', `Open report ${r.id || '(root)'}`);
    b.addEventListener('click', () => void openReport(r, detail));
    td.append(b);
    tr.append(td);
    body.append(tr);
  }
  table.hidden = false;
}

async function openReport(entry: ReportEntry, el: HTMLElement): Promise<void> {
  el.hidden = false;
  el.textContent = 'Loading…';
  let res: ResultsLike;
  try {
    const r = await fetch(reportUrl(entry.id, 'results.json'));
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    res = await r.json();
  } catch (e) {
    el.textContent = `Cannot read this report: ${(e as Error).message}`;
    return;
  }
  const m = res.metrics;
  const cls = m.classes;
  const maxCell = Math.max(1, ...m.confusion.flat());
  const conf = `<table class="table"><caption>Confusion matrix (rows: true, columns: predicted)</caption><thead><tr><th scope="col">true \\ pred</th>${cls.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${m.confusion
    .map((row, i) => `<tr><th scope="row">${escapeHtml(cls[i])}</th>${row.map((v) => `<td style="background:rgba(11,92,173,${(0.75 * v) / maxCell})${v / maxCell > 0.55 ? ';color:#fff' : ''}">${v}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const parts = Object.entries(m.perPart ?? {});
  const partTable = parts.length
    ? `<table class="table"><caption>Per dataset part</caption><thead><tr><th scope="col">Part</th><th scope="col">n</th><th scope="col">UF1</th><th scope="col">UAR</th><th scope="col">Acc</th></tr></thead><tbody>${parts
        .map(([k, s]) => `<tr><td>${escapeHtml(k)}</td><td>${s.n}</td><td>${f3(s.uf1)}</td><td>${f3(s.uar)}</td><td>${f3(s.acc)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const subjects = Object.entries(m.perSubject ?? {});
  const subj = subjects.length
    ? `<div class="subjects"><h4>Accuracy per subject</h4>${subjects
        .map(([k, s]) => `<div class="row"><span>${escapeHtml(k)} (n=${s.n})</span><span class="bar" role="img" aria-label="${escapeHtml(k)} accuracy ${f3(s.acc)}"><span style="width:${(100 * (s.acc || 0)).toFixed(1)}%"></span></span><span>${f3(s.acc)}</span></div>`)
        .join('')}</div>`
    : '';
  const html = entry.hasHtml ? `<p><a href="${reportUrl(entry.id, 'report.html')}" target="_blank" rel="noopener">Open the full report.html</a></p>` : '';
  el.innerHTML = `<h3>${escapeHtml(res.recipe)} on ${escapeHtml(res.dataset)} (${escapeHtml(res.protocol)}, ${escapeHtml(res.labels)})</h3>
<p>n = ${m.n} · <strong>UF1 ${f3(m.uf1)}</strong> · UAR ${f3(m.uar)} · Acc ${f3(m.acc)}</p>${html}<div class="cols"><div>${conf}${partTable}</div>${subj}</div>`;
  el.setAttribute('tabindex', '-1');
  el.focus();
}
