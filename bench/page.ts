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
 * flow-svm (test/web/fixtures.ts), so classifying costs what it costs, or a
 * model folder of your own (--model DIR: e.g. a flow-svm trained on
 * ../shared/data/megc2019-cde-dev, the issue's setting).
 *
 *   node --import tsx bench/page.ts [--seconds 20] [--repeats 2] [--no-cli] [--real-all] [--model DIR]
 *
 * Reported: real-time factor (seconds of video per second of wall time) of
 * each run (the first includes loading the worker, wasm and the nets), the
 * CPU seconds Chromium's processes used for it (on a shared machine wall
 * time measures the other jobs too: CPU time and the load average say how
 * much), the page's stages (decode = waiting for WebCodecs + copy + YUV
 * conversion; track = decode + detection + landmarks + alignment; spot =
 * spotting + blinks' landmarks; classify; overlays), the same for `merkit
 * analyze`, and whether both found the same intervals. Target: ≥ 1× on an
 * otherwise idle machine.
 *
 * --real-all: instead, every video of ../shared/data/videos through the page
 * and through `merkit analyze` (in process, same model): the same intervals
 * (onset, apex, offset within ±1 frame), kinds and classes?
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath, probeVideo } from '../src/io/video.ts';
import type { Analysis } from '../src/run/analyze.ts';
import { analyzeVideo } from '../src/run/analyzeVideo.ts';
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
const realAll = args.includes('--real-all');
const modelArg = args.includes('--model') ? resolve(args[args.indexOf('--model') + 1]) : undefined;

const tmp = mkdtempSync(join(tmpdir(), 'merkit-bench-page-'));
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');
const stages = (a: Analysis) => Object.entries(a.timing.stages ?? {}).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
const same = (a: Analysis, b: Analysis) =>
  a.intervals.length === b.intervals.length &&
  a.intervals.every((x, i) => {
    const y = b.intervals[i];
    return x.kind === y.kind && Math.abs(x.onset - y.onset) <= 1 && Math.abs(x.apex - y.apex) <= 1 && Math.abs(x.offset - y.offset) <= 1 && x.class?.label === y.class?.label;
  });

/**
 * CPU seconds (user + system) used so far by this process's descendants:
 * those alive (Chromium's browser, renderer, GPU and utility processes) and
 * those that ended and were waited for (ffmpeg: this process's cutime +
 * cstime), from /proc; undefined where /proc is absent
 */
function childrenCpuSeconds(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      // fields after the command name "(…)": state ppid … utime(14) stime(15)
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended while we read
    }
  }
  const self = readFileSync('/proc/self/stat', 'utf8');
  const own = self.slice(self.lastIndexOf(')') + 2).split(' ');
  let sum = Number(own[13]) + Number(own[14]);
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        sum += t;
        break;
      }
    }
  }
  return sum / CLOCK_TICKS;
}
/** USER_HZ: the unit of /proc/<pid>/stat's CPU times on Linux */
const CLOCK_TICKS = 100;
const cpuText = (c0: number | undefined, wall: number) => {
  const c1 = childrenCpuSeconds();
  return c0 === undefined || c1 === undefined ? 'CPU n/a' : `Chromium CPU ${(c1 - c0).toFixed(1)} s (${((c1 - c0) / wall).toFixed(2)} cores)`;
};

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
  const model = modelArg ?? join(tmp, 'model');
  if (!modelArg) await writeFixtureModel(model);
  console.log(`model: ${modelArg ?? 'the test fixture flow-svm (test/web/fixtures.ts)'}`);
  if (realAll) return compareReal(model);
  const { file, source } = await makeVideo();
  const info = await probeVideo(file);
  console.log(`video: ${info.width}×${info.height} @ ${info.fps} fps, ${info.frames} frames (${info.duration.toFixed(1)} s): ${source}`);
  const dist = await buildWebPage({ outDir: join(tmp, 'dist'), quiet: true });
  const s = await openPage({ dist, model });
  let pageA: Analysis | undefined;
  try {
    for (let r = 0; r < REPEATS; r++) {
      const c0 = childrenCpuSeconds();
      const { analysis, wall } = await analyseInPage(s, file, 30 * 60 * 1000);
      pageA = analysis;
      console.log(
        `page run ${r + 1}${r === 0 ? ' (cold: worker, wasm, nets)' : ''}: wall ${wall.toFixed(1)} s → ${(analysis.video.duration / wall).toFixed(2)}× real time, ${cpuText(c0, wall)}; ` +
          `analysis ${analysis.timing.seconds.toFixed(1)} s (${analysis.timing.realtimeFactor.toFixed(2)}×): ${stages(analysis)}; load ${load()}`,
      );
    }
  } finally {
    await s.close();
  }
  if (withCli) {
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    const c0 = childrenCpuSeconds();
    const { analysis } = await analyzeVideo(file, { model });
    const wall = (performance.now() - t0) / 1000;
    const u = process.cpuUsage(u0);
    const c1 = childrenCpuSeconds();
    const cpu = (u.user + u.system) / 1e6;
    console.log(
      `merkit analyze (in process): wall ${wall.toFixed(1)} s → ${(analysis.video.duration / wall).toFixed(2)}× real time, node CPU ${cpu.toFixed(1)} s` +
        `${c0 !== undefined && c1 !== undefined ? ` + ffmpeg ${(c1 - c0).toFixed(1)} s` : ''}: ${stages(analysis)}; load ${load()}`,
    );
    if (pageA) console.log(`page and CLI intervals ${same(pageA, analysis) ? 'agree' : 'DIFFER'}: page ${pageA.intervals.length}, CLI ${analysis.intervals.length}`);
  }
  rmSync(tmp, { recursive: true, force: true });
}

/** --real-all: every real video through the page and through analyzeVideo, interval for interval */
async function compareReal(model: string): Promise<void> {
  const videos = existsSync(VIDEOS) ? readdirSync(VIDEOS).filter((f) => f.endsWith('.mp4')).sort() : [];
  if (!videos.length) {
    console.log(`--real-all skipped: no videos in ${VIDEOS}`);
    return;
  }
  const dist = await buildWebPage({ outDir: join(tmp, 'dist'), quiet: true });
  const s = await openPage({ dist, model });
  const show = (a: Analysis) => a.intervals.map((i) => `${i.kind} ${i.onset}/${i.apex}/${i.offset}${i.class ? ' ' + i.class.label : ''}`).join(', ');
  let agree = 0;
  try {
    for (const v of videos) {
      const file = join(VIDEOS, v);
      const c0 = childrenCpuSeconds();
      const { analysis: page, wall } = await analyseInPage(s, file, 30 * 60 * 1000);
      const pageCpu = cpuText(c0, wall);
      const t0 = performance.now();
      const { analysis: cli } = await analyzeVideo(file, { model });
      const cliWall = (performance.now() - t0) / 1000;
      const ok = same(page, cli);
      if (ok) agree++;
      console.log(`${v}: ${ok ? 'agree' : 'DIFFER'} — page ${wall.toFixed(1)} s (${pageCpu}), CLI ${cliWall.toFixed(1)} s; load ${load()}`);
      console.log(`   page: ${show(page)}`);
      if (!ok) console.log(`   CLI:  ${show(cli)}`);
    }
  } finally {
    await s.close();
  }
  console.log(`page and CLI agree on ${agree} of ${videos.length} real videos`);
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = 1;
});
