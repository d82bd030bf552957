import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildResults } from '../../src/eval/results.ts';
import { fmt, formatSummaryTable, renderMarkdown, writeReport } from '../../src/eval/report.ts';
import { sampleInput } from './sample.ts';

/** the inner HTML of <figure id="…"> */
function figure(html: string, id: string): string {
  const m = html.match(new RegExp(`<figure id="${id}">([\\s\\S]*?)</figure>`));
  assert.ok(m, `figure ${id} present`);
  return m[1];
}

/** Vega's SVG renderer draws each rect mark as a <path aria-roledescription="rect mark"> (a bar mark: "bar"). */
const rectMarks = (svg: string) => (svg.match(/aria-roledescription="rect mark"/g) ?? []).length;
const barMarks = (svg: string) => (svg.match(/aria-roledescription="bar"/g) ?? []).length;

test('fmt prints 4 decimals', () => {
  assert.equal(fmt(0.5), '0.5000');
  assert.equal(fmt(2 / 3), '0.6667');
  assert.equal(fmt(NaN), 'n/a');
});

test('writeReport writes results.json (round-trips), report.md and a self-contained report.html', async () => {
  const results = buildResults(sampleInput());
  const dir = join(mkdtempSync(join(tmpdir(), 'merkit-report-')), 'nested', 'out');
  const paths = await writeReport(dir, results);
  assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'report.md', 'results.json']); // no temp files left
  assert.deepEqual(JSON.parse(readFileSync(paths.json, 'utf8')), results);

  const md = readFileSync(paths.md, 'utf8');
  for (const s of ['flow-svm', 'Someone et al., A method, 2019', 'loso', 'flowdir:/data/megc', 'megc3', '**seed**: 7']) assert.ok(md.includes(s), s);
  assert.ok(md.includes('| all | 8 | 0.7500 |'), 'overall row with 4 decimals');
  assert.ok(md.includes('| casme2 | 5 | 0.6000 |'), 'per-part row');
  assert.ok(md.includes('| negative | 3 | 1 | 0 | 4 |'), 'confusion row');
  assert.ok(md.includes('| casme2/sub01 | 3 | 0.6667 |'), 'per-subject row');
  assert.ok(md.includes('missing-folder') && md.includes('/data/coding.xlsx'), 'skipped clips');
  assert.ok(md.includes('fear 2'), 'dropped emotions');

  const html = readFileSync(paths.html, 'utf8');
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  const conf = figure(html, 'confusion-matrix');
  assert.equal((conf.match(/<svg/g) ?? []).length, 1);
  assert.equal(rectMarks(conf), 9, 'one rect per confusion cell (3×3)');
  for (const c of ['negative', 'positive', 'surprise', 'true class', 'predicted class']) assert.ok(conf.includes(`>${c}<`), `axis label ${c}`);
  const bars = figure(html, 'subject-accuracy');
  assert.equal(barMarks(bars), 4, 'one bar per subject');
  for (const s of ['casme2/sub01', 'samm/006', 'accuracy']) assert.ok(bars.includes(`>${s}<`), `bar label ${s}`);
  // self-contained: nothing to load, not even a namespace URL
  assert.ok(!/https?:/i.test(html), 'no URL in the html');
  assert.ok(!/<script|<link|<img|<iframe|src=|@import|url\((?!#)/i.test(html), "no external resource (url(#id) references stay inside the page)");
  assert.ok(html.includes('<style>'));
});

test('a paper URL is only a link, never a loaded resource', async () => {
  const results = buildResults({ ...sampleInput(), paper: { citation: 'X et al. <2019>', url: 'https://example.org/paper' } });
  const { html } = await writeReport(mkdtempSync(join(tmpdir(), 'merkit-report-')), results);
  const text = readFileSync(html, 'utf8');
  const urls = text.match(/https?:[^"<\s]*/g) ?? [];
  assert.ok(urls.length > 0);
  assert.ok(text.includes('<a href="https://example.org/paper">'));
  assert.equal(text.match(/(?:src|href)="https?:/g)?.length, 1);
  assert.ok(text.includes('X et al. &lt;2019&gt;'), 'citation escaped');
});

test('the confusion figure grows with the classes', async () => {
  const inp = sampleInput();
  const classes = ['a', 'b', 'c', 'd', 'e'];
  const results = buildResults({ ...inp, classes, predictions: inp.predictions.map((p) => ({ ...p, scores: [1, 0, 0, 0, 0] })) });
  const { html } = await writeReport(mkdtempSync(join(tmpdir(), 'merkit-report-')), results);
  assert.equal(rectMarks(figure(readFileSync(html, 'utf8'), 'confusion-matrix')), 25);
});

test('markdown escapes pipes in messages', () => {
  const inp = sampleInput();
  const md = renderMarkdown(buildResults({ ...inp, skipped: [{ kind: 'bad', message: 'a|b' }] }));
  assert.ok(md.includes('a\\|b'));
});

test('summary table: overall, per part, per class, n', () => {
  const t = formatSummaryTable(buildResults(sampleInput()));
  const lines = t.split('\n');
  assert.ok(lines.length < 25, 'fits one screen');
  assert.match(t, /^overall\s+8\s+0\.7500\s+0\.7389\s+0\.7500$/m);
  assert.match(t, /^ {2}casme2\s+5\s+0\.6000/m);
  assert.match(t, /^ {2}samm\s+3\s+1\.0000\s+1\.0000\s+1\.0000$/m);
  assert.match(t, /^surprise\s+2\s+0\.6667\s+0\.5000$/m);
  assert.match(t, /2 fold\(s\) · 8 predictions · 2 skipped/);
});
