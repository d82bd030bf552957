/**
 * MDMO — main directional mean optical flow (Liu, Zhang, Yan, Wang, Zhao,
 * Fu, "A main directional mean optical-flow feature for spontaneous
 * micro-expression recognition", IEEE T-AFFC 2016).
 *
 * For each of 36 facial ROIs: the flow vectors inside it are binned by
 * direction into 8 sectors (HOOF 'full' binning, sector 0 centred on +x);
 * the main direction is the sector holding the most vectors; the ROI's
 * feature is the mean vector of that sector in polar form (ρ = mean
 * magnitude, θ = circular mean angle, radians, counter-clockwise from +x with
 * image y down). Feature = [ρ₁, θ₁, …, ρ₃₆, θ₃₆] with every ρ divided by the
 * largest ρ (Liu et al.'s normalisation; all-zero stays zero). 72 values.
 *
 * ROIs: Liu et al. draw 36 polygons on 66 landmarks; their vertex table is
 * not reproduced here. merkit places 36 square ROIs of side
 * `roiScale`·(inter-ocular distance) centred on landmark-defined points of
 * the iBUG 68-point scheme covering the same regions (eyebrows, glabella,
 * eye corners and lower lids, nose, cheeks, mouth, chin) — see MDMO_ROI_CENTRES.
 * Landmarks: Float32Array of 68 (x, y) pairs in flow pixel coordinates.
 */
import { MerError } from '../core/errors.ts';
import type { FlowField } from '../core/image.ts';
import { orientationBin } from './hoof.ts';

export interface MdmoOptions {
  /** ROI side as a fraction of the inter-ocular distance (default 0.2) */
  roiScale?: number;
  /** direction sectors (default 8, as in the paper) */
  bins?: number;
}

export const MDMO_ROIS = 36;
const LANDMARKS = 68;

/** Each ROI centre is the mean of these 0-based iBUG-68 landmarks. */
export const MDMO_ROI_CENTRES: readonly (readonly number[])[] = [
  // eyebrows (10)
  [17], [18], [19], [20], [21], [22], [23], [24], [25], [26],
  // glabella (1)
  [21, 22],
  // eye corners and lower lids (6)
  [36], [39], [42], [45], [40, 41], [46, 47],
  // nose: root, bridge, alae (4)
  [27], [29], [31], [35],
  // cheeks (4)
  [2, 31], [14, 35], [3, 48], [13, 54],
  // mouth: corners, lips (8)
  [48], [54], [50], [51], [52], [56], [57], [58],
  // chin (3)
  [8], [7, 57], [9, 57],
];

export function mdmo(flow: FlowField, landmarks: Float32Array, opts: MdmoOptions = {}): Float32Array {
  if (landmarks.length !== LANDMARKS * 2) {
    throw new MerError('BAD_INPUT', `MDMO needs 68 landmarks, got ${landmarks.length / 2}`, { expected: 'a Float32Array of 68 (x, y) pairs' });
  }
  const bins = opts.bins ?? 8;
  const roiScale = opts.roiScale ?? 0.2;
  const { width: w, height: h, u, v } = flow;
  const eye = (a: number) => {
    let x = 0, y = 0;
    for (let k = a; k < a + 6; k++) { x += landmarks[2 * k]; y += landmarks[2 * k + 1]; }
    return [x / 6, y / 6];
  };
  const [lx, ly] = eye(36), [rx, ry] = eye(42);
  const iod = Math.hypot(rx - lx, ry - ly);
  if (!(iod > 0)) throw new MerError('BAD_INPUT', 'MDMO landmarks have coincident eye centres', { expected: 'landmarks of a face' });
  const half = Math.max(1, (roiScale * iod) / 2);
  const out = new Float32Array(2 * MDMO_ROIS);
  const count = new Int32Array(bins), su = new Float64Array(bins), sv = new Float64Array(bins), sm = new Float64Array(bins);
  let maxRho = 0;
  MDMO_ROI_CENTRES.forEach((ids, r) => {
    let cx = 0, cy = 0;
    for (const k of ids) { cx += landmarks[2 * k]; cy += landmarks[2 * k + 1]; }
    cx /= ids.length; cy /= ids.length;
    count.fill(0); su.fill(0); sv.fill(0); sm.fill(0);
    const x0 = Math.max(0, Math.round(cx - half)), x1 = Math.min(w - 1, Math.round(cx + half));
    const y0 = Math.max(0, Math.round(cy - half)), y1 = Math.min(h - 1, Math.round(cy + half));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const i = y * w + x;
      const m = Math.hypot(u[i], v[i]);
      if (m === 0) continue;
      const b = orientationBin(u[i], v[i], bins, 'full');
      count[b]++; sm[b] += m; su[b] += u[i] / m; sv[b] += -v[i] / m;
    }
    let best = -1;
    for (let b = 0; b < bins; b++) if (count[b] > 0 && (best < 0 || count[b] > count[best])) best = b;
    if (best >= 0) {
      const rho = sm[best] / count[best];
      out[2 * r] = rho;
      out[2 * r + 1] = Math.atan2(sv[best], su[best]);
      if (rho > maxRho) maxRho = rho;
    }
  });
  if (maxRho > 0) for (let r = 0; r < MDMO_ROIS; r++) out[2 * r] /= maxRho;
  return out;
}
