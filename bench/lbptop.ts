/**
 * `npm run bench:lbptop` — LBP-TOP speed: one 30×150×120 clip, 5×4 blocks, radii (3, 3, 3), P = 8 in
 * every plane, u2 mapping, bilinear (the MMFL paper's CASME II setting).
 * Target: ≤ 30 ms per clip per core. Prints CPU ms per clip: the median of
 * `runs` timed calls, repeated `repeats` times, with the 1-minute load
 * average before and after (the bench machine is shared: a load above the
 * core count inflates CPU time through cache and hyper-thread contention).
 *
 *   npm run bench:lbptop [-- runs repeats]
 */
import { cpus, loadavg } from 'node:os';
import { lbpTop } from '../src/features/lbpTop.ts';
import { makeVolume } from '../src/core/image.ts';
import { Rng } from '../src/core/rng.ts';

const T = 30, H = 150, W = 120;
const runs = Number(process.argv[2] ?? 15);
const repeats = Number(process.argv[3] ?? 3);
const rng = new Rng(1);
// a smooth-ish random texture quantised to 8-bit levels, like a face crop
const data = new Float32Array(T * H * W);
for (let i = 0; i < data.length; i++) data[i] = Math.round(255 * (0.5 + 0.2 * Math.sin(i * 0.013) + 0.1 * rng.normal())) / 255;
const vol = makeVolume(T, H, W, data);
const opts = { radii: [3, 3, 3] as const, points: [8, 8, 8] as const, mapping: 'u2' as const, grid: [5, 4] as const };
for (let i = 0; i < 5; i++) lbpTop(vol, opts); // warm-up (JIT)
const medians: number[] = [];
const load0 = loadavg()[0];
for (let r = 0; r < repeats; r++) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    lbpTop(vol, opts);
    const d = process.cpuUsage(t0);
    times.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)];
  medians.push(med);
  console.log(`repeat ${r + 1}: median ${med.toFixed(1)} ms CPU per clip (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}, ${runs} runs)`);
}
const load1 = loadavg()[0];
medians.sort((a, b) => a - b);
console.log(
  `lbpTop 30×150×120, 5×4 blocks, R=(3,3,3), P=8 u2, bilinear: median of repeats ${medians[Math.floor(medians.length / 2)].toFixed(1)} ms CPU per clip; ` +
    `target ≤ 30 ms; load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${cpus().length} cores`,
);
