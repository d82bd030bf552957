/**
 * Building the page with Vite (offline: everything comes from node_modules).
 * `npm run build:web`, `npm run build` (and so `npm pack`) and, in a clone,
 * `merkit serve` (when dist/page is missing or older than its sources) call
 * this. An installed package runs from dist/ and ships the page prebuilt: it
 * never builds (vite is a dev dependency).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MerError } from '../core/errors.ts';
import { runningFromSource } from '../core/runtime.ts';

/** the package root: src/web/ and dist/web/ are both two levels below it */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** where the built page goes (dist/ is gitignored; the npm package ships it) */
export const WEB_DIST = join(PROJECT_ROOT, 'dist', 'page');
export const WEB_CONFIG = join(PROJECT_ROOT, 'web', 'vite.config.ts');

export function webBuilt(distDir = WEB_DIST): boolean {
  return existsSync(join(distDir, 'index.html'));
}

/** Build web/ into `outDir` (default dist/page); returns outDir. */
export async function buildWebPage(opts: { outDir?: string; quiet?: boolean } = {}): Promise<string> {
  const outDir = resolve(opts.outDir ?? WEB_DIST);
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (e) {
    throw new MerError('NOT_FOUND', 'cannot load vite to build the web page', { expected: 'the dev dependency vite installed (npm ci)', cause: e });
  }
  await vite.build({ configFile: WEB_CONFIG, logLevel: opts.quiet ? 'error' : 'info', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** newest modification time (ms) of the files under `dir` (0 when absent) */
function newestMtime(dir: string): number {
  let newest = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/** Whether the built page is older than the sources it is built from (web/ and src/). */
export function webStale(distDir = WEB_DIST): boolean {
  const built = statSync(join(distDir, 'index.html'), { throwIfNoEntry: false });
  if (!built) return true;
  return Math.max(newestMtime(join(PROJECT_ROOT, 'web')), newestMtime(join(PROJECT_ROOT, 'src'))) > built.mtimeMs;
}

/**
 * From source: build when the page is missing or older than its sources.
 * From dist/ (installed): the prebuilt page, never a build. Returns the folder to serve.
 */
export async function ensureWebBuild(opts: { distDir?: string; rebuild?: boolean; quiet?: boolean } = {}): Promise<string> {
  const dist = resolve(opts.distDir ?? WEB_DIST);
  if (!runningFromSource(import.meta.url)) {
    if (opts.rebuild) throw new MerError('BAD_OPTION', '--rebuild needs the merkit source (a clone after npm ci); an installed merkit ships the page prebuilt');
    if (!webBuilt(dist)) throw new MerError('NOT_FOUND', `the prebuilt web page is missing: ${join(dist, 'index.html')}`, { file: dist, expected: 'the page shipped in the npm package (reinstall merkit), or --dist DIR' });
    return dist;
  }
  if (opts.rebuild || !webBuilt(dist) || webStale(dist)) await buildWebPage({ outDir: dist, quiet: opts.quiet });
  return dist;
}
