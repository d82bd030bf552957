/**
 * merkit as a user gets it from npm, not as this clone runs it: `npm pack`
 * (whose prepack builds dist/ and the page), the tarball installed into a
 * fresh "type": "module" project offline from npm's cache (see
 * scripts/consumer-project.mjs), and then, from that project only:
 * - plain `node` (no tsx) imports a pure function and calls it, and loading
 *   it pulls in none of tfjs, vega, exceljs, bullmq, sharp or face-api;
 * - `tsc --strict` type-checks a consumer file against the shipped .d.ts;
 * - the `merkit` bin: --version, recipes --json, evaluate --json with worker
 *   threads (the compiled worker entry), serve (the prebuilt page and its wasm);
 * - the optional binaries an install brings: sharp loads, the bundled ffmpeg runs.
 * The clone's own runs from source are what the rest of the suite tests.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { Rng } from '../../src/core/rng.ts';
import { installConsumer, packTarball, writeConsumerProject } from '../../scripts/consumer-project.mjs';

/** what must stay unloaded by `import { tvl1Flow } from 'merkit'` (loaded on first use only) */
const HEAVY = ['@tensorflow/', 'vega', 'vega-lite', 'exceljs', 'bullmq', 'ioredis', 'sharp', '@vladmandic/face-api', 'piscina'];

const npmOk = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = npmOk ? false : 'npm is not on PATH: cannot pack and install merkit';
if (skip) console.log(`# skipped: ${skip}`);

let work = '';
let app = '';
let packed: { tarball: string; files: string[] } = { tarball: '', files: [] };

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'merkit-consumer-'));
  app = join(work, 'app');
  packed = packTarball(PROJECT_ROOT, work);
  writeConsumerProject(app, { repoRoot: PROJECT_ROOT, tarball: packed.tarball, devPackages: ['@types/node'] });
  installConsumer(app);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** run a command in the consumer project */
function inApp(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const merkitBin = () => join(app, 'node_modules', '.bin', 'merkit');

test('the tarball ships dist (JS, .d.ts, source maps), the prebuilt page, bin, assets and LICENSE, not the sources', { skip }, () => {
  const f = new Set(packed.files);
  for (const p of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cli/main.js', 'dist/run/worker.js', 'dist/run/bullmqProcessor.js', 'dist/page/index.html', 'bin/merkit.js', 'assets/synthetic-faces.json', 'LICENSE', 'package.json']) {
    assert.ok(f.has(p), `${p} is in the tarball`);
  }
  const leaked = packed.files.filter((p) => /^(src|test|bench|web|scripts)\//.test(p) || p.endsWith('.ts') && !p.endsWith('.d.ts'));
  assert.deepEqual(leaked, [], 'no source files');
  // a declaration map sends an editor's go-to-definition into src/, which is not shipped
  assert.deepEqual(packed.files.filter((p) => p.endsWith('.d.ts.map')), [], 'no declaration maps');
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'merkit', 'package.json'), 'utf8'));
  assert.equal(pkg.exports['.'].import, './dist/index.js');
  assert.ok(!('./*' in pkg.exports), 'no catch-all subpath');
  assert.ok(!('tsx' in (pkg.dependencies ?? {})) && !('vite' in (pkg.dependencies ?? {})), 'tsx and vite are dev dependencies');
});

test('plain node imports a pure function from merkit and calls it, without loading tfjs, vega, exceljs or bullmq', { skip }, () => {
  writeFileSync(join(app, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.LOAD_LOG, r.url + '\\n'); return r; }\n");
  writeFileSync(join(app, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  writeFileSync(
    join(app, 'flow.mjs'),
    `import { tvl1Flow, makeImage, MERKIT_VERSION } from 'merkit';
const W = 48, H = 40;
const pattern = (x, y) => 0.5 + 0.25 * Math.sin(x * 0.45) * Math.cos(y * 0.35);
const a = makeImage(W, H), b = makeImage(W, H);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { a.data[y * W + x] = pattern(x, y); b.data[y * W + x] = pattern(x - 1, y); }
const f = tvl1Flow(a, b);
let u = 0, v = 0, n = 0;
for (let y = 8; y < H - 8; y++) for (let x = 8; x < W - 8; x++) { u += f.u[y * W + x]; v += f.v[y * W + x]; n++; }
console.log(JSON.stringify({ version: MERKIT_VERSION, u: u / n, v: v / n }));
`,
  );
  const log = join(app, 'loaded.txt');
  const r = inApp(process.execPath, ['--import', './register.mjs', 'flow.mjs'], { LOAD_LOG: log });
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.version, JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  assert.ok(Math.abs(j.u - 1) < 0.1 && Math.abs(j.v) < 0.1, `a 1 px shift to the right: mean flow (${j.u}, ${j.v})`);
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const ours = urls.filter((u) => u.includes('/node_modules/merkit/'));
  assert.ok(ours.length > 0 && ours.every((u) => u.includes('/node_modules/merkit/dist/') && u.endsWith('.js')), 'merkit runs from its compiled dist/');
  const heavy = urls.filter((u) => HEAVY.some((h) => u.includes(`/node_modules/${h}`)));
  assert.deepEqual(heavy, [], 'nothing heavy is loaded by the import');
});

test('require(\'merkit\') works where Node can require ES modules', { skip: skip || (!(process.features as { require_module?: boolean }).require_module && 'this Node cannot require ES modules') }, () => {
  const r = inApp(process.execPath, ['--no-warnings', '-e', "const m = require('merkit'); console.log(typeof m.tvl1Flow, typeof m.evaluate)"]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), 'function function');
});

test('tsc --strict type-checks a consumer against the shipped declarations', { skip }, () => {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: ['node'], noEmit: true, skipLibCheck: false }, files: ['consumer.ts'] }),
  );
  writeFileSync(
    join(app, 'consumer.ts'),
    `import { evaluate, getRecipe, makeImage, recipeNames, tvl1Flow, writeReport, MerError, type EvaluateOptions, type FlowField, type Recipe } from 'merkit';

const opts: EvaluateOptions = { dataset: 'features:table.csv', labels: 'casme2-5', recipe: 'svm-linear', protocol: 'loso', seed: 1, workers: 1 };
const img = makeImage(16, 16);
const flow: FlowField = tvl1Flow(img, img, { lambda: 0.15, nscales: 3 });
const u: Float32Array = flow.u;
const names: string[] = recipeNames();

export async function run(): Promise<number> {
  const recipe: Recipe = await getRecipe(names[0]);
  const results = await evaluate(opts);
  const files = await writeReport('out', results);
  const notes: string[] = files.notes;
  return results.metrics.uf1 + u.length + recipe.accepts.length + notes.length;
}

export function isUserError(e: unknown): boolean {
  return e instanceof MerError && typeof e.describe() === 'string';
}

// @ts-expect-error: the declarations are real types, not any: lambda is a number
tvl1Flow(img, img, { lambda: 'high' });
`,
  );
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = inApp(process.execPath, [tsc, '-p', 'tsconfig.json']);
  assert.equal(r.code, 0, `tsc found errors:\n${r.out}${r.err}`);
});

test('the merkit bin: --version and recipes --json', { skip }, () => {
  const v = inApp(merkitBin(), ['--version']);
  assert.equal(v.code, 0, v.err);
  assert.equal(v.out.trim(), JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  const r = inApp(merkitBin(), ['recipes', '--json']);
  assert.equal(r.code, 0, r.err);
  const names = (JSON.parse(r.out) as { name: string }[]).map((x) => x.name);
  for (const n of ['flow-svm', 'svm-linear', 'ststnet', 'lbptop-svm']) assert.ok(names.includes(n), n);
});

test('evaluate --json from the installed package, in-process and on 2 worker threads (the compiled worker entry): same numbers', { skip }, () => {
  const rng = new Rng(3);
  const lines = ['subject,clip,emotion,' + Array.from({ length: 6 }, (_, j) => `f${j}`).join(',')];
  const classes = ['happiness', 'surprise', 'disgust'];
  for (let s = 1; s <= 4; s++) for (let k = 0; k < 6; k++) lines.push(`sub${s},EP${k},${classes[k % 3]},${Array.from({ length: 6 }, (_, j) => (rng.normal() + (j === k % 3 ? 2.5 : 0)).toFixed(5)).join(',')}`);
  writeFileSync(join(app, 'table.csv'), lines.join('\n') + '\n');
  const run = (workers: string) => {
    const r = inApp(merkitBin(), ['evaluate', '--dataset', 'features:table.csv', '--labels', 'casme2-5', '--recipe', 'svm-linear', '--protocol', 'loso', '--workers', workers, '--no-cache', '--out', `out-${workers}`, '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as { predictions: number; folds: number; metrics: { acc: number; uf1: number; perClass: unknown } };
  };
  const one = run('1');
  const two = run('2');
  assert.equal(one.predictions, 24);
  assert.equal(one.folds, 4);
  assert.ok(one.metrics.acc > 0.6, `learns the table: acc ${one.metrics.acc}`);
  assert.deepEqual(two.metrics, one.metrics);
});

test('merkit serve from the installed package: the prebuilt page and the tfjs wasm', { skip }, async () => {
  const child = spawn(merkitBin(), ['serve', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}${err}`)), 120_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
    });
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script[^>]+src="\.?\/?assets\/[^"]+\.js"/);
    const js = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)![1];
    assert.equal((await fetch(`${url}/${js}`)).status, 200, js);
    const wasm = await fetch(`${url}/wasm/tfjs-backend-wasm-simd.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a WebAssembly binary');
  } finally {
    child.kill('SIGTERM');
  }
});

test('an install brings working optional binaries: sharp loads, the bundled ffmpeg runs (no install scripts needed)', { skip }, () => {
  writeFileSync(
    join(app, 'binaries.mjs'),
    `import sharp from 'sharp';
import { encodeVideo, probeVideo, makeImage } from 'merkit';
const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
const frames = [0, 1, 2, 3].map((t) => { const f = makeImage(32, 32); f.data.fill(0.2 + 0.1 * t); return f; });
await encodeVideo('clip.mp4', frames, { fps: 10 });
const info = await probeVideo('clip.mp4');
console.log(JSON.stringify({ png: png.length > 0, width: info.width, height: info.height }));
`,
  );
  // PATH holds node alone: the video is encoded and probed by the bundled binary or not at all
  const r = inApp(process.execPath, ['binaries.mjs'], { MERKIT_FFMPEG: '', PATH: dirname(process.execPath) });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { png: true, width: 32, height: 32 });
  assert.ok(existsSync(join(app, 'clip.mp4')));
});
