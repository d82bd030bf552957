/**
 * The page's webcam mode in a real browser: Chromium's fake camera plays a
 * synthetic long video (one micro-expression, one macro-expression, one
 * blink at known frames) in a loop, as a camera would show a face. The page
 * is started and stopped by its button, as a user does, and the analysis it
 * exports must hold every frame it took, with the events where the video
 * has them:
 * - the same micro-expression is found again one loop (the video's length)
 *   later, and the macro-expression follows it by the video's own gap: no
 *   frames went missing while a window was being analysed (analysed on the
 *   page's thread, a 20-s window took seconds and its frames were never
 *   taken, so a loop came out 14 frames short);
 * - the frames taken on time are counted, the late ones reported.
 *
 * Skips with a reason when /usr/bin/chromium is absent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeLongVideo } from '../../src/datasets/synthetic/longVideo.ts';
import { buildWebPage } from '../../src/web/build.ts';
import { ffmpegPath } from '../../src/io/video.ts';
import type { Analysis } from '../../src/run/analyze.ts';
import { chromiumSkip, openPage, type PageSession } from '../helpers/pageRun.ts';
import { writeFixtureModel, FIXTURE_CLASSES } from './fixtures.ts';

const skip = chromiumSkip();
if (skip) console.log(`# skipped: ${skip}`);
/** the looped video: 8 s at 25 fps */
const FPS = 25;
const LOOP_FRAMES = 8 * FPS;
/** the page keeps the last 20 s (web/main.ts WEBCAM_WINDOW_SECONDS) */
const WINDOW_FRAMES = 20 * FPS;
/** record this long after the face is found: one loop and the micro-expression of the next */
const RECORD_MS = 12500;
/** frames an interval's onset may move between two spottings of the same event (spotting's own jitter) */
const ONSET_SLACK = 3;

let dir = '';
let session: PageSession | undefined;
let truth: { onset: number; offset: number; kind: string }[] = [];

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'merkit-webcam-'));
  await writeFixtureModel(join(dir, 'model'));
  const v = await writeLongVideo(join(dir, 'face.mp4'), { seed: 3, seconds: LOOP_FRAMES / FPS, fps: FPS, micro: 1, macro: 1, size: 192, gapSeconds: 1, blinks: 1 });
  truth = v.truth.intervals;
  // Chromium's fake camera reads Y4M
  const y4m = join(dir, 'face.y4m');
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-i', join(dir, 'face.mp4'), '-pix_fmt', 'yuv420p', y4m], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ffmpeg could not write the Y4M: ${r.stderr}`);
  await buildWebPage({ outDir: join(dir, 'dist'), quiet: true });
  session = await openPage({
    dist: join(dir, 'dist'),
    model: join(dir, 'model'),
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
});

after(async () => {
  await session?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('webcam: the page records without gaps while it analyses, and the exported analysis has the video\'s events where they are', { skip, timeout: 180000 }, async () => {
  const { page } = session!;
  await page.click('#webcam');
  await page.waitForFunction(() => /Face found/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60000 });
  // the timeline fills while recording: the first window's analysis arrives
  await page.waitForFunction(() => document.querySelectorAll('#intervals button').length > 0, null, { timeout: 60000 });
  await page.waitForTimeout(RECORD_MS);
  await page.click('#webcam');
  await page.waitForFunction(() => document.body.dataset.state === 'webcam-stopped', null, { timeout: 120000 });
  const err = await page.textContent('#error');
  assert.ok(await page.isHidden('#error'), `the page reported an error: ${err}`);
  const taken = Number(await page.evaluate(() => document.body.dataset.webcamTaken));
  const dropped = Number(await page.evaluate(() => document.body.dataset.webcamDropped));
  assert.match((await page.textContent('#status'))!, new RegExp(`Webcam stopped after ${taken} frames`));
  assert.ok(dropped <= 0.1 * (taken + dropped), `${dropped} of ${taken + dropped} frames were not taken on time`);

  const download = page.waitForEvent('download');
  await page.click('#export');
  const file = join(dir, 'analysis.json');
  await (await download).saveAs(file);
  const a = JSON.parse(await readFile(file, 'utf8')) as Analysis;
  assert.equal(a.video.file, 'webcam');
  assert.equal(a.video.fps, FPS);
  assert.equal(a.video.frames, Math.min(taken, WINDOW_FRAMES), 'the analysis after stopping holds every frame taken (up to the 20-s window)');

  const show = JSON.stringify(a.intervals.map((i) => [i.kind, i.onset, i.offset, i.class?.label]));
  const tMicro = truth.find((t) => t.kind === 'micro')!;
  const tMacro = truth.find((t) => t.kind === 'macro')!;
  const micros = a.intervals.filter((i) => i.kind === 'micro').map((i) => i.onset);
  const macros = a.intervals.filter((i) => i.kind === 'macro').map((i) => i.onset);
  // the micro-expression one loop apart: every frame of the loop in between was taken
  const loop = micros.flatMap((m1) => micros.filter((m2) => Math.abs(m2 - m1 - LOOP_FRAMES) <= ONSET_SLACK + dropped).map((m2) => [m1, m2]));
  assert.ok(loop.length > 0, `a micro-expression and its repeat ${LOOP_FRAMES} frames later (±${ONSET_SLACK + dropped}): ${show}`);
  const [m1] = loop[0];
  const gap = tMacro.onset - tMicro.onset;
  assert.ok(macros.some((m) => Math.abs(m - m1 - gap) <= 2 * ONSET_SLACK), `the macro-expression ${gap} frames after the micro-expression at ${m1}: ${show}`);
  assert.ok(a.intervals.some((i) => i.kind !== 'blink' && FIXTURE_CLASSES.includes(i.class?.label ?? '')), `the intervals are classified: ${show}`);
  assert.ok(a.intervals.some((i) => i.kind === 'blink'), `the blink is reported as a blink: ${show}`);
});
