#!/usr/bin/env node
// `npm run bench:startup [-- --runs N] [-- --baseline <git ref>]`
//
// Start-up cost of merkit as a package runs it (the compiled dist/, plain
// node, like an install: MERKIT_FROM_DIST=1) and, for reference, as this clone
// runs it (src/ through tsx):
// - `merkit --version` and `merkit --help`: wall time (target ≤ 0.4 s from dist/),
//   CPU time (user + system: what the start-up costs whatever the load; on an
//   idle machine the wall time of this single-threaded start is close to it)
//   and peak memory (max RSS);
// - `import('merkit')` and one call of a pure function (tvl1Flow): wall time,
//   and which heavy packages it loaded (target: none of tfjs, vega, exceljs, bullmq).
// Each case runs N times interleaved with the others (default 7); the table
// gives the median and the fastest run, and a bare `node -e 0` for scale (on
// a loaded machine every row grows with it). --baseline REF also runs `--version`
// and `--help` of an older commit (its files from `git archive`, with this
// clone's node_modules) in the same interleaved loop.
// Builds dist/ first when it is stale (scripts/build.mjs).
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('--runs', 7));
const BASELINE = arg('--baseline');
const HEAVY = ['@tensorflow/', 'vega', 'exceljs', 'bullmq', 'ioredis', 'sharp', '@vladmandic/face-api'];

const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (built.status !== 0) process.exit(built.status ?? 1);

const tmp = mkdtempSync(join(tmpdir(), 'merkit-startup-'));
// a preload that reports the process's peak memory on exit, and a resolve hook that lists every module URL
const rss = join(tmp, 'rss.mjs');
writeFileSync(rss, "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`\\nMAXRSS ${u.maxRSS}\\nCPU_US ${u.userCPUTime + u.systemCPUTime}\\n`); });\n");
writeFileSync(join(tmp, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); if (process.env.LOAD_LOG) appendFileSync(process.env.LOAD_LOG, r.url + '\\n'); return r; }\n");
const hooks = join(tmp, 'register.mjs');
writeFileSync(hooks, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(tmp, 'hooks.mjs')).href)});\n`);
const importScript = join(tmp, 'import.mjs');
writeFileSync(
  importScript,
  `const t0 = performance.now();
const { tvl1Flow, makeImage } = await import(process.env.MERKIT_ENTRY);
const t1 = performance.now();
const a = makeImage(64, 64), b = makeImage(64, 64);
for (let i = 0; i < a.data.length; i++) { a.data[i] = 0.5 + 0.25 * Math.sin(i * 0.37); b.data[i] = 0.5 + 0.25 * Math.sin((i - 1) * 0.37); }
tvl1Flow(a, b);
process.stderr.write(\`\\nIMPORT_MS \${(t1 - t0).toFixed(1)}\\n\`);
`,
);

let baselineDir;
if (BASELINE) {
  baselineDir = join(tmp, 'baseline');
  execFileSync('sh', ['-c', `mkdir -p "${baselineDir}" && git -C "${ROOT}" archive "${BASELINE}" | tar -x -C "${baselineDir}"`]);
  symlinkSync(join(ROOT, 'node_modules'), join(baselineDir, 'node_modules'));
}

const dist = { MERKIT_FROM_DIST: '1' };
const cases = [
  { name: 'bare `node -e 0` (the floor on this machine)', args: ['-e', '0'], env: {} },
  { name: '`merkit --version`, dist/ (installed)', args: [join(ROOT, 'bin', 'merkit.js'), '--version'], env: dist },
  { name: '`merkit --help`, dist/ (installed)', args: [join(ROOT, 'bin', 'merkit.js'), '--help'], env: dist },
  { name: "`import('merkit')` + tvl1Flow 64×64, dist/", args: ['--import', hooks, importScript], env: { MERKIT_ENTRY: pathToFileURL(join(ROOT, 'dist', 'index.js')).href }, log: true },
  { name: '`merkit --version`, src/ via tsx (clone)', args: [join(ROOT, 'bin', 'merkit.js'), '--version'], env: {} },
  { name: '`merkit --help`, src/ via tsx (clone)', args: [join(ROOT, 'bin', 'merkit.js'), '--help'], env: {} },
];
if (baselineDir) {
  cases.push({ name: `\`merkit --version\`, ${BASELINE} (src/ via tsx)`, args: [join(baselineDir, 'bin', 'merkit.js'), '--version'], env: {} });
  cases.push({ name: `\`merkit --help\`, ${BASELINE} (src/ via tsx)`, args: [join(baselineDir, 'bin', 'merkit.js'), '--help'], env: {} });
}

const results = cases.map(() => ({ wall: [], cpu: [], rss: [], importMs: [], heavy: new Set() }));
const load0 = loadavg()[0];
// one untimed run of each first: tsx's transform cache and the OS file cache warm up
for (let rep = -1; rep < RUNS; rep++) {
  cases.forEach((c, i) => {
    const log = join(tmp, `load-${i}.txt`);
    rmSync(log, { force: true });
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', rss, ...c.args], { encoding: 'utf8', env: { ...process.env, ...c.env, ...(c.log ? { LOAD_LOG: log } : {}) } });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
    if (rep < 0) return;
    results[i].wall.push(wall);
    results[i].rss.push(Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024);
    results[i].cpu.push(Number(/CPU_US (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1000);
    const im = /IMPORT_MS ([\d.]+)/.exec(r.stderr);
    if (im) results[i].importMs.push(Number(im[1]));
    if (c.log) {
      for (const url of readFileSync(log, 'utf8').split('\n')) {
        const h = HEAVY.find((p) => url.includes(`/node_modules/${p}`));
        if (h) results[i].heavy.add(h.replace(/\/$/, ''));
      }
    }
  });
}
const load1 = loadavg()[0];
rmSync(tmp, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => (ms / 1000).toFixed(2);
const lines = [
  `merkit start-up, ${RUNS} runs each, interleaved; node ${process.version}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}`,
  '',
  '| what | wall s, median (fastest) | CPU s (user + sys), median | max RSS MB, median | heavy packages loaded |',
  '|---|---|---|---|---|',
];
cases.forEach((c, i) => {
  const r = results[i];
  const imp = r.importMs.length ? `; the import alone ${s(median(r.importMs))} s` : '';
  const heavy = c.log ? (r.heavy.size ? [...r.heavy].join(', ') : 'none') : '';
  lines.push(`| ${c.name} | ${s(median(r.wall))} (${s(Math.min(...r.wall))})${imp} | ${s(median(r.cpu))} | ${median(r.rss).toFixed(0)} | ${heavy} |`);
});
process.stdout.write(`${lines.join('\n')}\n`);
