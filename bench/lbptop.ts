/**
 * LBP-TOP speed: one 30×150×120 clip, 5×4 blocks, radii (3, 3, 3), P = 8 in
 * every plane, u2 mapping, bilinear (the MMFL paper's CASME II setting).
 * Target: ≤ 30 ms per clip per core. Prints CPU ms per clip (median of runs).
 *
 *   npx tsx bench/lbptop.ts [runs]
 */
import { lbpTop } from '../src/features/lbpTop.ts';
import { makeVolume } from '../src/core/image.ts';
import { Rng } from '../src/core/rng.ts';

const T = 30, H = 150, W = 120;
const runs = Number(process.argv[2] ?? 15);
const rng = new Rng(1);
// a smooth-ish random texture quantised to 8-bit levels, like a face crop
const data = new Float32Array(T * H * W);
for (let i = 0; i < data.length; i++) data[i] = Math.round(255 * (0.5 + 0.2 * Math.sin(i * 0.013) + 0.1 * rng.normal())) / 255;
const vol = makeVolume(T, H, W, data);
const opts = { radii: [3, 3, 3] as const, points: [8, 8, 8] as const, mapping: 'u2' as const, grid: [5, 4] as const };
for (let i = 0; i < 3; i++) lbpTop(vol, opts); // warm-up (JIT)
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.cpuUsage();
  lbpTop(vol, opts);
  const d = process.cpuUsage(t0);
  times.push((d.user + d.system) / 1000);
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)];
console.log(`lbpTop 30×150×120, 5×4 blocks, R=(3,3,3), P=8 u2, bilinear: median ${med.toFixed(1)} ms CPU per clip (min ${times[0].toFixed(1)}, ${runs} runs); target ≤ 30 ms`);
