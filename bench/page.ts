/**
 * bench:page — how fast the page analyses a video in headless Chromium
 * (Debian /usr/bin/chromium through playwright-core), against real time and
 * against `merkit analyze` on the same file, and where the page's time goes.
 *
 * The video: 25 fps, 640×480 (the issue's target), made from a real posed
 * video of ../shared/data/videos (metv-sad-3, scaled to 640×480, looped to
 * --seconds), or, without it, a synthetic long video with blinks placed in a
 * 640×480 frame. The page gets the file as a user gives it (the file
 * chooser) and is timed from the choice to "done"; the model is a small
 * flow-svm (test/web/fixtures.ts), so classifying costs what it costs.
 *
 *   node --import tsx bench/page.ts [--seconds 20] [--repeats 2] [--no-cli]
 *
 * Reported: real-time factor (seconds of video per second of wall time) of
 * each run (the first includes loading the worker, wasm and the nets), the
 * page's stages (decode = WebCodecs + copy + YUV conversion; track = decode +
 * detection + landmarks + alignment; spot = spotting + blinks' landmarks;
 * classify; overlays), the same for `merkit analyze`, and whether both
 * found the same intervals. Target: ≥ 1× on an otherwise idle machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath, probeVideo } from '../src/io/video.ts';
import { analyzeVideo, type Analysis } from '../src/run/analyze.ts';
import { buildWebPage } from '../src/web/build.ts';
import { writeLongVideo } from '../src/datasets/synthetic/longVideo.ts';
import { writeFixtureModel } from '../test/web/fixtures.ts';
import { analyseInPage, chromiumSkip, openPage } from '../test/helpers/pageRun.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VIDEOS = join(process.env.MERKIT_SHARED_DATA ?? join(ROOT, '..', 'shared', 'data'), 'videos');
const args = process.argv.slice(2);
const num = (name: string, d: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const SECONDS = num('--seconds', 20);
const REPEATS = num('--repeats', 2);
const withCli = !args.includes('--no-cli');

const tmp = mkdtempSync(join(tmpdir(), 'merkit-bench-page-'));
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');
const stages = (a: Analysis) => Object.entries(a.timing.stages ?? {}).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
const same = (a: Analysis, b: Analysis) =>
  a.intervals.length === b.intervals.length &&
  a.intervals.every((x, i) => {
    const y = b.intervals[i];
    return x.kind === y.kind && Math.abs(x.onset - y.onset) <= 1 && Math.abs(x.apex - y.apex) <= 1 && Math.abs(x.offset - y.offset) <= 1 && x.class?.label === y.class?.label;
  });

function ffmpeg(a: string[]): void {
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...a], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

async function makeVideo(): Promise<{ file: string; source: string }> {
  const out = join(tmp, 'bench-640x480.mp4');
  const real = join(VIDEOS, 'metv-sad-3.mp4');
  if (existsSync(real)) {
    ffmpeg(['-stream_loop', '-1', '-i', real, '-t', String(SECONDS), '-vf', 'scale=640:480:flags=area,fps=25', '-c:v', 'libx264', '-crf', '20', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', out]);
    return { file: out, source: `${real} scaled to 640×480, looped to ${SECONDS} s` };
  }
  const lv = join(tmp, 'synthetic.mp4');
  await writeLongVideo(lv, { seed: 7, seconds: SECONDS, size: 320, blinks: Math.round(SECONDS / 5) });
  ffmpeg(['-i', lv, '-vf', 'pad=640:480:160:80', '-c:v', 'libx264', '-crf', '20', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', out]);
  return { file: out, source: `synthetic long video (320 px face, blinks) in a 640×480 frame (real videos absent: ${VIDEOS})` };
}

async function main(): Promise<void> {
  const skip = chromiumSkip();
  if (skip) {
    console.log(`bench:page skipped: ${skip}`);
    return;
  }
  console.log(`load average before: ${load()}`);
  const model = join(tmp, 'model');
  await writeFixtureModel(model);
  const { file, source } = await makeVideo();
  const info = await probeVideo(file);
  console.log(`video: ${info.width}×${info.height} @ ${info.fps} fps, ${info.frames} frames (${info.duration.toFixed(1)} s): ${source}`);
  const dist = await buildWebPage({ outDir: join(tmp, 'dist'), quiet: true });
  const s = await openPage({ dist, model });
  let pageA: Analysis | undefined;
  try {
    for (let r = 0; r < REPEATS; r++) {
      const { analysis, wall } = await analyseInPage(s, file, 30 * 60 * 1000);
      pageA = analysis;
      console.log(
        `page run ${r + 1}${r === 0 ? ' (cold: worker, wasm, nets)' : ''}: wall ${wall.toFixed(1)} s → ${(analysis.video.duration / wall).toFixed(2)}× real time; ` +
          `analysis ${analysis.timing.seconds.toFixed(1)} s (${analysis.timing.realtimeFactor.toFixed(2)}×): ${stages(analysis)}; load ${load()}`,
      );
    }
  } finally {
    await s.close();
  }
  if (withCli) {
    const t0 = performance.now();
    const { analysis } = await analyzeVideo(file, { model });
    const wall = (performance.now() - t0) / 1000;
    console.log(`merkit analyze (in process): wall ${wall.toFixed(1)} s → ${(analysis.video.duration / wall).toFixed(2)}× real time: ${stages(analysis)}; load ${load()}`);
    if (pageA) console.log(`page and CLI intervals ${same(pageA, analysis) ? 'agree' : 'DIFFER'}: page ${pageA.intervals.length}, CLI ${analysis.intervals.length}`);
  }
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = 1;
});
