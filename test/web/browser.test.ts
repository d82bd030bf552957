/**
 * The page in a real browser: Debian chromium driven by playwright-core.
 * `merkit serve` (the CLI, as a user runs it) on a free loopback port with a
 * model folder and a reports folder built by the library; the page analyses
 * a synthetic long video (one micro- and one macro-expression and a blink at
 * known frames); we wait for the analysis and check an interval and a class
 * are shown, that the reports view opens a report, and that the page
 * requested nothing outside the server. Screenshots go to test-output/web/.
 *
 * One analysis, two front ends: `merkit analyze` (a new process, as a user
 * runs it) analyses the same file; the page's decoded frames must equal the
 * CLI's bit for bit (both convert the decoder's 4:2:0 planes with
 * src/io/yuv.ts), and the two analysis.json must list the same intervals
 * (onset, apex, offset within ±1 frame), kinds and classes. The same on a
 * real posed video of ../shared/data/videos (skipped, saying why, without).
 *
 * Skips with a reason when /usr/bin/chromium is absent
 * (CI: `apt-get install -y --no-install-recommends chromium`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT, skipUnlessShared, SHARED_DATA } from '../helpers/shared.ts';
import { writeFixtureModel, writeFixtureReports, FIXTURE_CLASSES } from './fixtures.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from '../helpers/pageRun.ts';
import { writeLongVideo } from '../../src/datasets/synthetic/longVideo.ts';
import { buildWebPage } from '../../src/web/build.ts';
import { decodeVideoYuv, encodeVideo, probeVideo } from '../../src/io/video.ts';
import { yuv420ToRgb } from '../../src/io/yuv.ts';
import { analysisSize, type Analysis } from '../../src/run/analyze.ts';
import { intervalIoU } from '../../src/temporal/spotEval.ts';
import type { Page } from 'playwright-core';

const skip = chromiumSkip();
if (skip) console.log(`# skipped: ${skip}`);
const SHOTS = join(PROJECT_ROOT, 'test-output', 'web');
/** the page must finish a 6 s video well within this (a hang fails instead of blocking the suite) */
const ANALYSIS_TIMEOUT_MS = 120000;
/** a real 2880×2160 video: decoding 4K in the page is most of its time */
const REAL_TIMEOUT_MS = 600000;
/** the real video compared (the shortest, with two blinks) */
const REAL_VIDEO = 'metv-sad-2.mp4';
const realSkip = skipUnlessShared(`videos/${REAL_VIDEO}`);
/**
 * detection scores of the same key frames in the page (tfjs wasm in
 * Chromium) and the CLI (tfjs wasm in node) from identical pixels: the same
 * wasm binary, so equal up to float printing (analysis.json keeps 3 decimals)
 */
const SCORE_TOLERANCE = 0.002;

let dir = '';
let server: ChildProcess | undefined;
let url = '';
let truth: { onset: number; apex: number; offset: number; kind: string }[] = [];
let blinks: { onset: number; apex: number; offset: number }[] = [];

/** `merkit analyze` as a user runs it (a new process); its analysis.json */
async function cliAnalysis(video: string, out: string): Promise<Analysis> {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'merkit.js'), 'analyze', video, '--model', join(dir, 'model'), '--out', out], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `merkit analyze failed: ${r.stderr}`);
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(join(out, 'analysis.json'), 'utf8')) as Analysis;
}

/** the same intervals: count, kinds, classes, onset/apex/offset within ±1 frame */
function assertSameIntervals(page: Analysis, cli: Analysis): void {
  const show = (a: Analysis) => JSON.stringify(a.intervals.map((i) => [i.kind, i.onset, i.apex, i.offset, i.class?.label]));
  assert.equal(page.intervals.length, cli.intervals.length, `page ${show(page)} vs CLI ${show(cli)}`);
  page.intervals.forEach((p, i) => {
    const c = cli.intervals[i];
    assert.equal(p.kind, c.kind, `interval ${i}: page ${show(page)} vs CLI ${show(cli)}`);
    for (const k of ['onset', 'apex', 'offset'] as const) assert.ok(Math.abs(p[k] - c[k]) <= 1, `interval ${i} ${k}: page ${show(page)} vs CLI ${show(cli)}`);
    assert.equal(p.class?.label, c.class?.label, `interval ${i} class: page ${show(page)} vs CLI ${show(cli)}`);
  });
}

/** the page's first decoded frames (its worker's decode) against merkit's conversion of ffmpeg's planes: max |Δ| */
async function decodeDifference(page: Page, video: string, count: number): Promise<{ max: number; frames: number }> {
  const got = await page.evaluate((n) => (window as unknown as { merkitDebug: { decodeFirst(n: number): Promise<{ width: number; height: number; base64: string }[]> } }).merkitDebug.decodeFirst(n), count);
  const info = await probeVideo(video);
  const { width, height } = analysisSize(info.width, info.height);
  let max = 0;
  let k = 0;
  for await (const f of decodeVideoYuv(video, { end: count }, info)) {
    const mine = yuv420ToRgb(f, width, height, info.colour).data;
    const b = Buffer.from(got[k].base64, 'base64');
    const theirs = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    assert.equal(theirs.length, mine.length, `frame ${k}: page ${got[k].width}×${got[k].height}, CLI ${width}×${height}`);
    for (let i = 0; i < mine.length; i++) max = Math.max(max, Math.abs(mine[i] - theirs[i]));
    k++;
  }
  return { max, frames: k };
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'merkit-web-'));
  await writeFixtureModel(join(dir, 'model'));
  await writeFixtureReports(join(dir, 'reports'));
  const v = await writeLongVideo(join(dir, 'face.mp4'), { seed: 3, seconds: 6, micro: 1, macro: 1, size: 192, gapSeconds: 1, blinks: 1 });
  truth = v.truth.intervals;
  blinks = v.truth.blinks ?? [];
  // 1 s of flat gray: decodable, but no face
  const gray = { width: 64, height: 64, channels: 1 as const, data: new Float32Array(64 * 64).fill(0.5) };
  await encodeVideo(join(dir, 'blank.mp4'), Array.from({ length: 25 }, () => gray), { fps: 25 });
  // a private build: never a stale dist/web, never a race with another run
  await buildWebPage({ outDir: join(dir, 'dist'), quiet: true });
  server = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'merkit.js'), 'serve', '--port', '0', '--dist', join(dir, 'dist'), '--model', join(dir, 'model'), '--reports', join(dir, 'reports')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  server.stderr!.on('data', (d) => (err += d));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/\S+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    server!.once('exit', (code) => reject(new Error(`merkit serve exited ${code}: ${err}`)));
  });
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the page analyses a synthetic video: interval, class, apex and reports; no external request', { skip, timeout: 120000 }, async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const origin = new URL(url).origin;
    const foreign: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u);
    });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('model')!.textContent!.length > 0);
    assert.match((await page.textContent('#model'))!, /flow-svm/);

    // keyboard: the first Tab stops reach the views and the file chooser
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-analyse');

    await page.setInputFiles('#file', join(dir, 'face.mp4'));
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', null, { timeout: ANALYSIS_TIMEOUT_MS });
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'analyse.png') });
    const err = await page.textContent('#error');
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', `analysis failed: ${err}`);

    const buttons = await page.$$eval('#intervals button', (bs) => bs.map((b) => b.textContent ?? ''));
    assert.ok(buttons.length >= 1, 'at least one spotted interval is listed');
    assert.ok(buttons.some((t) => FIXTURE_CLASSES.some((c) => t.includes(c))), `a class is shown: ${buttons.join(' | ')}`);
    // the best expression is selected first: its class probabilities are shown
    const probs = await page.$$('#probs .row');
    assert.equal(probs.length, FIXTURE_CLASSES.length, 'one probability bar per class');

    // the analysis.json the page exports: the spotted intervals cover the macro-expression's apex
    const download = page.waitForEvent('download');
    await page.click('#export');
    const file = join(dir, 'analysis.json');
    await (await download).saveAs(file);
    const { readFile } = await import('node:fs/promises');
    const a = JSON.parse(await readFile(file, 'utf8'));
    // the same schema `merkit analyze` writes (run/analyze.ts Analysis)
    assert.equal(a.format, 'merkit-analysis/1');
    assert.equal(a.video.fps, 25);
    assert.equal(a.video.frames, 150);
    assert.equal(a.video.file, 'face.mp4');
    assert.equal(a.motion.micro.length, 150);
    assert.ok(a.face.track.length >= 2, `the face is tracked on the key frames: ${JSON.stringify(a.face)}`.slice(0, 2000));
    assert.equal(a.face.alignedSize, 128);
    // one analysis, two front ends: the same pixels, the same detections, the same intervals, kinds and classes
    const cli = await cliAnalysis(join(dir, 'face.mp4'), join(dir, 'cli-face'));
    const dd = await decodeDifference(page, join(dir, 'face.mp4'), 3);
    assert.deepEqual(dd, { max: 0, frames: 3 }, 'the page decodes exactly the frames merkit analyze decodes');
    assert.deepEqual(a.face.track.map((t: { frame: number }) => t.frame), cli.face.track.map((t) => t.frame));
    a.face.track.forEach((t: { frame: number; score: number }, i: number) => assert.ok(Math.abs(t.score - cli.face.track[i].score) <= SCORE_TOLERANCE, `key frame ${t.frame}: page score ${t.score}, CLI ${cli.face.track[i].score}`));
    assertSameIntervals(a, cli);
    // the blink is reported apart, not as an expression
    for (const b of blinks) {
      const asExpr = a.intervals.filter((iv: { kind: string; onset: number; offset: number }) => iv.kind !== 'blink' && intervalIoU(iv, b) >= 0.5);
      assert.deepEqual(asExpr, [], `the blink at frames ${b.onset}–${b.offset} is not an expression: ${JSON.stringify(a.intervals)}`);
      assert.ok(a.intervals.some((iv: { kind: string; apex: number }) => iv.kind === 'blink' && Math.abs(iv.apex - b.apex) <= 2), `the blink at frames ${b.onset}–${b.offset} is reported as a blink: ${JSON.stringify(a.intervals)}`);
    }
    assert.equal(await page.evaluate(() => document.body.dataset.decoder), 'webcodecs');
    assert.equal(a.model.recipe, 'flow-svm');
    const macro = truth.find((t) => t.kind === 'macro')!;
    assert.ok(
      a.intervals.some((iv: { onset: number; offset: number }) => iv.onset <= macro.apex && iv.offset >= macro.apex),
      `an interval covers the macro apex ${macro.apex}: ${JSON.stringify(a.intervals)}`,
    );
    for (const iv of a.intervals) {
      assert.equal(typeof iv.onsetTime, 'number');
      if (iv.class) assert.ok(FIXTURE_CLASSES.includes(iv.class.label), iv.class.label);
    }
    // blinks have their own lane and their own colour in the list
    const kinds = await page.$$eval('#intervals button', (bs) => bs.map((b) => (b as HTMLElement).dataset.kind));
    assert.deepEqual(kinds, a.intervals.map((iv: { kind: string }) => iv.kind));
    assert.ok(a.intervals.some((iv: { class?: unknown }) => iv.class), 'intervals are classified');
    assert.ok(a.intervals.every((iv: { kind: string; class?: unknown }) => (iv.kind === 'blink') === !iv.class), 'every expression is classified, no blink is');

    // reports view
    await page.click('#tab-reports');
    await page.waitForSelector('#reports-table:not([hidden]) tbody tr');
    assert.match((await page.textContent('#reports-status'))!, /1 report\(s\)\. 1 results\.json could not be read/);
    await page.click('#reports-table tbody tr button');
    await page.waitForSelector('#report h3');
    const report = (await page.textContent('#report'))!;
    assert.match(report, /Confusion matrix/);
    assert.match(report, /casme2\/sub01/);
    await page.screenshot({ path: join(SHOTS, 'reports.png'), fullPage: true });

    // clear messages: a file that is not a video, a video without a face
    await page.click('#tab-analyse');
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.waitForFunction(() => document.body.dataset.state === 'error');
    assert.match((await page.textContent('#error'))!, /not a video/);
    await page.setInputFiles('#file', join(dir, 'blank.mp4'));
    await page.waitForFunction(() => document.body.dataset.state === 'error' && /face/i.test(document.getElementById('error')!.textContent!), null, { timeout: ANALYSIS_TIMEOUT_MS });
    assert.match((await page.textContent('#error'))!, /No face found/);
    await page.screenshot({ path: join(SHOTS, 'noface.png') });

    assert.deepEqual(foreign, [], 'the page fetched nothing outside merkit serve');
    assert.deepEqual(consoleErrors.filter((e) => !/favicon/.test(e)), [], 'no console errors');
  } finally {
    await browser.close();
  }
});

test(`a real posed video (${REAL_VIDEO}, 2880×2160): the page decodes the CLI's frames and finds its intervals, kinds and classes`, { skip: skip || realSkip, timeout: 2 * REAL_TIMEOUT_MS }, async () => {
  if (realSkip) console.log(`# skipped: ${realSkip}`);
  const video = join(SHARED_DATA, 'videos', REAL_VIDEO);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('model')!.textContent!.length > 0);
    await page.setInputFiles('#file', video);
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', null, { timeout: REAL_TIMEOUT_MS });
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', String(await page.textContent('#error')));
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'real-video.png') });
    const download = page.waitForEvent('download');
    await page.click('#export');
    const file = join(dir, 'real-analysis.json');
    await (await download).saveAs(file);
    const { readFile } = await import('node:fs/promises');
    const a = JSON.parse(await readFile(file, 'utf8')) as Analysis;
    const dd = await decodeDifference(page, video, 2);
    assert.deepEqual(dd, { max: 0, frames: 2 }, 'the page decodes exactly the frames merkit analyze decodes');
    const cli = await cliAnalysis(video, join(dir, 'cli-real'));
    assert.equal(a.video.frames, cli.video.frames);
    assert.equal(a.video.fps, cli.video.fps);
    assert.deepEqual([a.video.width, a.video.height], [cli.video.width, cli.video.height]);
    assertSameIntervals(a, cli);
    assert.ok(a.intervals.some((iv) => iv.kind === 'blink'), `the video's blinks are reported as blinks: ${JSON.stringify(a.intervals.map((i) => [i.kind, i.onset, i.offset]))}`);
  } finally {
    await browser.close();
  }
});
