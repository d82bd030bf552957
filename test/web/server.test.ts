/**
 * `merkit serve`'s server without a browser: routes, confinement to the
 * served roots, the report listing, and the model files the page fetches.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedPath, startServer, type RunningServer } from '../../src/web/server.ts';
import { listReports, summariseResults } from '../../src/web/reports.ts';
import { writeFixtureModel, writeFixtureReports } from './fixtures.ts';
import { isMerError } from '../../src/core/errors.ts';

let dir = '';
let srv: RunningServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merkit-serve-'));
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>page</title>');
  await writeFile(join(dir, 'dist', 'assets', 'a.js'), 'export {}');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  await writeFixtureModel(join(dir, 'model'));
  await writeFixtureReports(join(dir, 'reports'));
  await writeFile(join(dir, 'reports', 'runA', 'notes.txt'), 'private');
  srv = await startServer({ distDir: join(dir, 'dist'), port: 0, model: join(dir, 'model'), reports: join(dir, 'reports') });
});
after(async () => {
  await srv?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (p: string) => fetch(new URL(p, srv.url));

test('confinedPath keeps every request inside its root', () => {
  assert.equal(confinedPath('/srv/x', 'a/b.js'), '/srv/x/a/b.js');
  assert.equal(confinedPath('/srv/x', '../y'), undefined);
  assert.equal(confinedPath('/srv/x', 'a/../../y'), undefined);
  assert.equal(confinedPath('/srv/x', '%2e%2e/y'), undefined);
  assert.equal(confinedPath('/srv/x', 'a%5c..%5cy'), undefined);
  assert.equal(confinedPath('/srv/x', '%E0%A4%A'), undefined, 'malformed escapes are refused');
});

test('serves the page, its assets, model files, wasm binaries and face weights with the right types', async () => {
  let r = await get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /text\/html/);
  r = await get('/assets/a.js');
  assert.match(r.headers.get('content-type')!, /javascript/);
  r = await get('/model/merkit-model.json');
  assert.equal(r.status, 200);
  const meta = (await r.json()) as { recipe: string; classes: string[] };
  assert.equal(meta.recipe, 'flow-svm');
  r = await get('/wasm/tfjs-backend-wasm-simd.wasm');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/wasm');
  assert.deepEqual([...new Uint8Array(await r.arrayBuffer()).subarray(0, 4)], [0, 0x61, 0x73, 0x6d], 'wasm magic number');
  r = await get('/face-models/ssd_mobilenetv1_model-weights_manifest.json');
  assert.equal(r.status, 200);
  const cfg = (await (await get('/api/config')).json()) as { model: string };
  assert.equal(cfg.model, '/model/');
});

test('refuses paths outside the roots, other report files, and non-GET methods', async () => {
  for (const p of ['/%2e%2e/secret.txt', '/model/%2e%2e/secret.txt', '/reports/runA/notes.txt', '/reports/%2e%2e/secret.txt', '/nope.html']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(await r.text(), /do not serve|private/);
  }
  const r = await fetch(new URL('/', srv.url), { method: 'POST' });
  assert.equal(r.status, 405);
});

test('/api/reports lists the valid report with its metrics and names the broken one by relative path', async () => {
  const j = (await (await get('/api/reports')).json()) as { reports: { id: string; recipe: string; n: number; acc: number; hasHtml: boolean }[]; problems: { file: string }[] };
  assert.equal(j.reports.length, 1);
  const r = j.reports[0];
  assert.equal(r.id, 'runA');
  assert.equal(r.recipe, 'flow-svm');
  assert.equal(r.n, 8);
  // the eval sample: 6 of 8 predictions correct
  assert.equal(r.acc, 6 / 8);
  assert.equal(r.hasHtml, true);
  assert.deepEqual(j.problems.map((p) => p.file), ['bad/results.json']);
  const html = await get('/reports/runA/report.html');
  assert.equal(html.status, 200);
  const res = (await (await get('/reports/runA/results.json')).json()) as { metrics: { confusion: number[][] } };
  assert.equal(res.metrics.confusion.flat().reduce((a, b) => a + b, 0), 8);
});

test('listReports on a missing folder is empty; summariseResults explains a wrong file', async () => {
  assert.deepEqual(await listReports(join(dir, 'absent')), { reports: [], problems: [] });
  assert.match(String(summariseResults('x', { a: 1 }, false, '')), /lacks recipe/);
  assert.match(String(summariseResults('x', 3, false, '')), /not a JSON object/);
});

test('startServer says what is missing: an unbuilt page, a folder without a model', async () => {
  await assert.rejects(startServer({ distDir: join(dir, 'absent'), port: 0 }), (e) => isMerError(e) && /npm run build:web/.test(e.describe()));
  await assert.rejects(startServer({ distDir: join(dir, 'dist'), port: 0, model: join(dir, 'reports') }), (e) => isMerError(e) && /merkit-model\.json/.test(e.describe()));
  await assert.rejects(startServer({ distDir: join(dir, 'dist'), port: srv.port }), (e) => isMerError(e) && /already in use/.test(e.describe()));
});
