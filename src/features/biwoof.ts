/**
 * Bi-WOOF — bi-weighted oriented optical flow (Liong, See, Wong, Phan,
 * "Less is more: micro-expression recognition from video using apex frame",
 * Signal Processing: Image Communication 2018).
 *
 * From the onset→apex flow only: per block of a grid×grid partition, a
 * histogram of flow orientations (`bins` sectors, HOOF 'full' binning) in
 * which every vector votes with its magnitude (local weight), multiplied by
 * the block's mean optical strain (global weight). The paper uses 8 bins and
 * 5×5 blocks on CASME II / 8×8 on SMIC. Output: grid·grid·bins values,
 * block-major; optionally L2-normalised as a whole (default off).
 */
import { MerError } from '../core/errors.ts';
import type { FlowField } from '../core/image.ts';
import { opticalStrain } from '../motion/strain.ts';
import { blockRange, hoof } from './hoof.ts';

export interface BiWoofOptions {
  /** grid side (default 5) */
  grid?: number;
  /** orientation bins (default 8) */
  bins?: number;
  /** precomputed optical strain (default: computed from the flow) */
  strain?: Float32Array;
  /** L2-normalise the whole feature (default false) */
  l2?: boolean;
}

export function biwoof(flow: FlowField, opts: BiWoofOptions = {}): Float32Array {
  const g = opts.grid ?? 5;
  const bins = opts.bins ?? 8;
  const { width: w, height: h } = flow;
  const strain = opts.strain ?? opticalStrain(flow);
  if (strain.length !== w * h) throw new MerError('BAD_INPUT', 'Bi-WOOF strain does not match the flow size', { expected: `${w * h} values` });
  const local = hoof(flow, { bins, grid: [g, g], normalize: 'none' });
  for (let r = 0; r < g; r++) {
    const [y0, y1] = blockRange(r, g, h);
    for (let c = 0; c < g; c++) {
      const [x0, x1] = blockRange(c, g, w);
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += strain[y * w + x];
      const mean = s / Math.max(1, (y1 - y0) * (x1 - x0));
      const o = (r * g + c) * bins;
      for (let k = 0; k < bins; k++) local[o + k] *= mean;
    }
  }
  if (opts.l2) {
    let n = 0;
    for (const x of local) n += x * x;
    n = Math.sqrt(n);
    if (n > 0) for (let i = 0; i < local.length; i++) local[i] /= n;
  }
  return local;
}
