#!/usr/bin/env node
// `npm run build` (and `npm pack`'s prepack): what the npm package ships.
// 1. src/ → dist/ with tsc (tsconfig.build.json): JavaScript, .d.ts and
//    source maps (no declaration maps: they would point into src/, which
//    the package does not ship); relative '.ts' imports become '.js'.
// 2. web/ → dist/page/ with Vite: the prebuilt page `merkit serve` serves
//    from an installed package (which has no vite).
// Each step is skipped when its output is newer than every input, so a
// repeated `npm pack` (the consumer test packs on every run) costs seconds;
// a compile starts from an empty dist/ (the page kept), so no file of a
// deleted module is ever shipped. `--force` rebuilds both. Two builds at once
// (test files run in parallel both build) take turns through a lock folder.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const PAGE = join(DIST, 'page');
const force = process.argv.includes('--force');
const require = createRequire(import.meta.url);

function files(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}
const mtime = (p) => statSync(p).mtimeMs;
const newest = (ps) => Math.max(0, ...ps.map(mtime));

/** the outputs tsc writes for src/<rel>.ts */
function outputsOf(src) {
  const base = join(DIST, relative(join(ROOT, 'src'), src)).replace(/\.ts$/, '');
  return [`${base}.js`, `${base}.js.map`, `${base}.d.ts`];
}

function compileStale() {
  const sources = files(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const expected = new Set(sources.flatMap(outputsOf));
  const present = files(DIST).filter((f) => !f.startsWith(PAGE + '/'));
  if ([...expected].some((f) => !existsSync(f))) return 'outputs missing';
  if (present.some((f) => !expected.has(f))) return 'files of no source in dist/';
  const inputs = [...sources, join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json'), join(ROOT, 'package.json')];
  return newest(inputs) > Math.min(...[...expected].map(mtime)) ? 'sources changed' : undefined;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** a lock older than this was left by a killed build */
const STALE_LOCK_MS = 15 * 60_000;
const LOCK = join(ROOT, 'node_modules', '.cache', 'merkit-build.lock');
mkdirSync(dirname(LOCK), { recursive: true });
for (;;) {
  try {
    mkdirSync(LOCK);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 500));
  }
}
process.on('exit', () => rmSync(LOCK, { recursive: true, force: true }));

const t0 = performance.now();
const why = force ? '--force' : compileStale();
if (why) {
  process.stderr.write(`build: compiling src/ → dist/ (${why})\n`);
  for (const name of existsSync(DIST) ? readdirSync(DIST) : []) if (join(DIST, name) !== PAGE) rmSync(join(DIST, name), { recursive: true, force: true });
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
} else process.stderr.write('build: dist/ is up to date\n');

const pageIndex = join(PAGE, 'index.html');
const pageStale = force || !existsSync(pageIndex) || newest([...files(join(ROOT, 'web')), ...files(join(ROOT, 'src'))]) > mtime(pageIndex);
if (pageStale) {
  process.stderr.write('build: building the web page → dist/page/\n');
  const vite = await import('vite');
  await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'error', build: { outDir: PAGE, emptyOutDir: true } });
} else process.stderr.write('build: dist/page/ is up to date\n');
process.stderr.write(`build: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
