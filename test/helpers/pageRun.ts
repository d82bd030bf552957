/**
 * Driving the merkit page in a real browser (Debian chromium via
 * playwright-core) for the browser test and `npm run bench:page`: serve a
 * built page (and a model folder) on a loopback port, open it headless, give
 * it a video file, wait for the analysis and read the analysis.json the page
 * exports (the user's path: the Export button).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/web/server.ts';
import type { Analysis } from '../../src/run/analyze.ts';

export const CHROMIUM = process.env.MERKIT_CHROMIUM ?? '/usr/bin/chromium';
/** the flags the project runs chromium with (no sandbox in containers, nothing fetched in the background) */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking'];

export function chromiumSkip(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (install Debian's chromium to run the browser test)`;
}

export interface PageSession {
  url: string;
  server: RunningServer;
  // playwright types kept loose: playwright-core is a dev dependency loaded lazily
  browser: import('playwright-core').Browser;
  page: import('playwright-core').Page;
  close(): Promise<void>;
}

export async function openPage(opts: { dist: string; model?: string; reports?: string; /** more chromium flags (e.g. a fake camera) */ args?: string[] }): Promise<PageSession> {
  const server = await startServer({ distDir: opts.dist, port: 0, model: opts.model, reports: opts.reports });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...(opts.args ?? [])] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById('model')!.textContent!.length > 0);
  return {
    url: server.url,
    server,
    browser,
    page,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Analyse a video file in the page; resolves to the exported analysis.json and the wall seconds from file choice to done. */
export async function analyseInPage(s: PageSession, file: string, timeoutMs = 120000): Promise<{ analysis: Analysis; wall: number }> {
  const { page } = s;
  await page.evaluate(() => (document.body.dataset.state = 'idle'));
  const t0 = performance.now();
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', null, { timeout: timeoutMs });
  const wall = (performance.now() - t0) / 1000;
  if ((await page.evaluate(() => document.body.dataset.state)) !== 'done') throw new Error(`the page failed on ${file}: ${await page.textContent('#error')}`);
  const dir = await mkdtemp(join(tmpdir(), 'merkit-page-'));
  try {
    const download = page.waitForEvent('download');
    await page.click('#export');
    const out = join(dir, 'analysis.json');
    await (await download).saveAs(out);
    return { analysis: JSON.parse(await readFile(out, 'utf8')) as Analysis, wall };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
