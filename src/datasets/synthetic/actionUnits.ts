/**
 * Action units as smooth, landmark-anchored displacement fields.
 *
 * Each AU is a sum of Gaussian-windowed local displacements ("bumps") centred
 * on (means of) iBUG-68 landmarks:
 *
 *   D(x) = Σ_k w_k · dir_k · exp(−|x − c_k|² / (2 σ_k²))      (truncated at 3 σ_k)
 *
 * Directions are given in a face frame so they follow the head's roll:
 * `out` = away from the facial midline (toward the subject's right on the
 * subject's right side, image left), `up` = toward the forehead. Lengths
 * (σ, offsets) are in units of the inter-ocular distance (IOD, distance
 * between the two eye centres). The whole expression field is rescaled so
 * its maximum magnitude equals the clip's apex amplitude (pixels).
 *
 * iBUG 68 indices used: brows 17–21 (subject's right, 17 outer … 21 inner)
 * and 22–26 (22 inner … 26 outer); nose bridge 27–30, nostrils 31–35; eyes
 * 36–41 (36 outer, 39 inner, 37/38 upper lid, 40/41 lower lid) and 42–47
 * (42 inner, 45 outer, 43/44 upper, 46/47 lower); mouth 48–59 outer
 * (48/54 corners, 50–52 upper lip, 56–58 lower lip), 60–67 inner; chin 8.
 */
import { makeFlow, type FlowField } from '../../core/image.ts';
import { MerError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';

/** Which side of the face a bump acts on: subject's Right (image left), Left, or Centre. */
export type Side = 'R' | 'L' | 'C';

export interface BumpTemplate {
  /** landmark indices whose mean is the centre (subject's-right version for sided bumps) */
  at: readonly number[];
  side: Side;
  /** direction in the face frame: outward (away from the midline) and upward components */
  out: number;
  up: number;
  /** Gaussian window sd, in IOD */
  sigma: number;
  /** relative weight */
  w: number;
  /** optional centre offset in the face frame (IOD): outward, upward */
  offOut?: number;
  offUp?: number;
}

/** A bump placed on a particular face: centre, direction and sd in pixels. */
export interface Bump {
  cx: number;
  cy: number;
  /** displacement vector (pixels, before amplitude normalisation) */
  dx: number;
  dy: number;
  sigma: number;
}

/** Mirror of a landmark index across the facial midline (iBUG 68). */
const MIRROR: Record<number, number> = (() => {
  const pairs: Array<[number, number]> = [
    [17, 26], [18, 25], [19, 24], [20, 23], [21, 22],
    [36, 45], [37, 44], [38, 43], [39, 42], [40, 47], [41, 46],
    [31, 35], [32, 34],
    [48, 54], [49, 53], [50, 52], [59, 55], [58, 56], [60, 64], [61, 63], [67, 65],
  ];
  for (let i = 0; i < 8; i++) pairs.push([i, 16 - i]);
  const m: Record<number, number> = {};
  for (const [a, b] of pairs) {
    m[a] = b;
    m[b] = a;
  }
  return m;
})();

export function mirrorLandmark(i: number): number {
  return MIRROR[i] ?? i;
}

/** both sides of a bump given for the subject's right */
function pair(at: number[], out: number, up: number, sigma: number, w = 1, offOut = 0, offUp = 0): BumpTemplate[] {
  return [
    { at, side: 'R', out, up, sigma, w, offOut, offUp },
    { at, side: 'L', out, up, sigma, w, offOut, offUp },
  ];
}
function centre(at: number[], up: number, sigma: number, w = 1): BumpTemplate {
  return { at, side: 'C', out: 0, up, sigma, w };
}

/**
 * The AU table (FACS names; directions as the skin moves in the image).
 * Sided bumps are written for the subject's right and mirrored.
 */
export const ACTION_UNITS: Record<string, { name: string; bumps: BumpTemplate[] }> = {
  '1': { name: 'inner brow raiser', bumps: [...pair([21], -0.2, 1, 0.14), ...pair([20], 0, 0.6, 0.12, 0.6)] },
  '2': { name: 'outer brow raiser', bumps: [...pair([17], 0.1, 1, 0.13), ...pair([18], 0, 0.7, 0.12, 0.7)] },
  '4': { name: 'brow lowerer', bumps: [...pair([21], -0.7, -0.7, 0.14), ...pair([19], -0.3, -0.8, 0.13, 0.7)] },
  '5': { name: 'upper lid raiser', bumps: pair([37, 38], 0, 1, 0.08) },
  '6': {
    name: 'cheek raiser',
    bumps: [...pair([40, 41, 48, 1], 0.2, 1, 0.22), ...pair([40, 41], 0, 0.5, 0.08, 0.5), ...pair([36], -0.3, 0.3, 0.08, 0.4, 0.1, 0)],
  },
  '7': { name: 'lid tightener', bumps: [...pair([40, 41], 0, 1, 0.08), ...pair([37, 38], 0, -0.4, 0.07, 0.5)] },
  '9': {
    name: 'nose wrinkler',
    bumps: [...pair([31], 0.1, 1, 0.1), centre([28, 29], 0.8, 0.12), ...pair([21], -0.3, -0.4, 0.12, 0.4)],
  },
  '10': { name: 'upper lip raiser', bumps: [...pair([50], 0, 1, 0.1), centre([51], 0.8, 0.1), ...pair([31], 0, 0.4, 0.09, 0.4)] },
  '12': { name: 'lip corner puller', bumps: [...pair([48], 0.7, 0.7, 0.13), ...pair([48, 41], 0.2, 0.5, 0.15, 0.4)] },
  '14': { name: 'dimpler', bumps: [...pair([48], 1, 0.1, 0.09), ...pair([48], -0.6, 0, 0.08, 0.5, 0.2, 0)] },
  '15': { name: 'lip corner depressor', bumps: [...pair([48], 0.2, -1, 0.13), ...pair([59], 0, -0.4, 0.1, 0.4)] },
  '17': { name: 'chin raiser', bumps: [centre([57, 8], 1, 0.2), centre([57], 0.6, 0.1, 0.6)] },
  '20': { name: 'lip stretcher', bumps: pair([48], 1, -0.2, 0.12) },
  '24': { name: 'lip pressor', bumps: [centre([51, 62], -0.6, 0.1), centre([57, 66], 0.6, 0.1), ...pair([48], -0.4, 0, 0.09, 0.5)] },
};

/**
 * One AU as used in a clip: its FACS number, the side ('' = both, 'L'/'R' =
 * unilateral, written 'L12'/'R2' in the coding sheet) and its relative weight.
 */
export interface AuActivation {
  au: string;
  side?: '' | 'L' | 'R';
  weight: number;
}

/** Per-clip random variation of each bump (so classes are learnable but not trivial). */
export interface AuJitter {
  /** sd of the direction rotation, degrees; default 15 */
  directionDeg: number;
  /** weight multiplier range; default [0.75, 1.25] */
  weight: readonly [number, number];
  /** σ multiplier range (the extent); default [0.8, 1.25] */
  sigma: readonly [number, number];
  /** sd of the centre shift, IOD; default 0.04 */
  centreIod: number;
}

export const DEFAULT_JITTER: AuJitter = { directionDeg: 15, weight: [0.75, 1.25], sigma: [0.8, 1.25], centreIod: 0.04 };

/** The face frame from 68 landmarks: eye centres, unit axes and the inter-ocular distance. */
export interface FaceFrame {
  /** unit vector from the subject's right eye to the left eye (image → right for an upright face) */
  ex: [number, number];
  /** unit vector pointing down the face (chin-ward) */
  ey: [number, number];
  iod: number;
  /** midline point (between the eyes) */
  mid: [number, number];
}

export function faceFrame(landmarks: Float32Array): FaceFrame {
  if (landmarks.length !== 136) throw new MerError('BAD_INPUT', `expected 68 landmarks, got ${landmarks.length / 2}`);
  const mean = (a: number, b: number): [number, number] => {
    let x = 0;
    let y = 0;
    for (let i = a; i <= b; i++) {
      x += landmarks[2 * i];
      y += landmarks[2 * i + 1];
    }
    return [x / (b - a + 1), y / (b - a + 1)];
  };
  const r = mean(36, 41);
  const l = mean(42, 47);
  const dx = l[0] - r[0];
  const dy = l[1] - r[1];
  const iod = Math.hypot(dx, dy);
  if (!(iod > 0)) throw new MerError('BAD_INPUT', 'degenerate landmarks: both eyes at the same place');
  const ex: [number, number] = [dx / iod, dy / iod];
  return { ex, ey: [-ex[1], ex[0]], iod, mid: [(r[0] + l[0]) / 2, (r[1] + l[1]) / 2] };
}

/** Parse an AU code of the coding sheet ('12', 'L12', 'R2') into an activation. */
export function parseAu(code: string, weight = 1): AuActivation {
  const m = /^([LR]?)(\d+)$/.exec(code);
  if (!m || !ACTION_UNITS[m[2]]) {
    throw new MerError('BAD_OPTION', `unknown action unit '${code}'`, { expected: `one of ${Object.keys(ACTION_UNITS).join(', ')} (optionally L/R prefixed)` });
  }
  return { au: m[2], side: m[1] as '' | 'L' | 'R', weight };
}

/** Place an expression's bumps on a face, applying the per-clip jitter drawn from `rng`. */
export function placeBumps(landmarks: Float32Array, aus: readonly AuActivation[], rng: Rng, jitter: AuJitter = DEFAULT_JITTER): Bump[] {
  const fr = faceFrame(landmarks);
  const bumps: Bump[] = [];
  for (const a of aus) {
    const def = ACTION_UNITS[a.au];
    if (!def) throw new MerError('BAD_OPTION', `unknown action unit '${a.au}'`);
    for (const t of def.bumps) {
      if (a.side && t.side !== 'C' && t.side !== a.side) continue;
      const idx = t.side === 'L' ? t.at.map(mirrorLandmark) : t.at;
      let cx = 0;
      let cy = 0;
      for (const i of idx) {
        cx += landmarks[2 * i];
        cy += landmarks[2 * i + 1];
      }
      cx /= idx.length;
      cy /= idx.length;
      // outward unit vector of this side: subject's right = −ex
      const sgn = t.side === 'R' ? -1 : t.side === 'L' ? 1 : 0;
      const ox = sgn * fr.ex[0];
      const oy = sgn * fr.ex[1];
      const ux = -fr.ey[0];
      const uy = -fr.ey[1];
      cx += fr.iod * ((t.offOut ?? 0) * ox + (t.offUp ?? 0) * ux + rng.normal(0, jitter.centreIod));
      cy += fr.iod * ((t.offOut ?? 0) * oy + (t.offUp ?? 0) * uy + rng.normal(0, jitter.centreIod));
      let dx = t.out * ox + t.up * ux;
      let dy = t.out * oy + t.up * uy;
      const th = (rng.normal(0, jitter.directionDeg) * Math.PI) / 180;
      const c = Math.cos(th);
      const s = Math.sin(th);
      [dx, dy] = [c * dx - s * dy, s * dx + c * dy];
      const w = t.w * a.weight * rng.uniform(jitter.weight[0], jitter.weight[1]);
      const sigma = t.sigma * fr.iod * rng.uniform(jitter.sigma[0], jitter.sigma[1]);
      bumps.push({ cx, cy, dx: w * dx, dy: w * dy, sigma });
    }
  }
  return bumps;
}

/** Gaussian windows are cut at this many sd (exp(−4.5) ≈ 1.1 % of the peak): the field is exactly 0 beyond. */
const TRUNCATE_SD = 3;

/**
 * Evaluate bumps on a W×H pixel grid (pixel centres at integer coordinates).
 * `scale` > 1 evaluates on a finer grid of (W·scale)×(H·scale) whose pixel i
 * sits at (i + 0.5)/scale − 0.5 in base coordinates; displacements are then
 * returned in the fine grid's pixels (multiplied by `scale`).
 */
export function evalBumps(bumps: readonly Bump[], width: number, height: number, gain = 1, scale = 1): FlowField {
  const W = Math.round(width * scale);
  const H = Math.round(height * scale);
  const f = makeFlow(W, H);
  const { u, v } = f;
  for (const b of bumps) {
    const inv = 1 / (2 * b.sigma * b.sigma);
    const r = TRUNCATE_SD * b.sigma;
    const x0 = Math.max(0, Math.floor((b.cx - r + 0.5) * scale - 0.5));
    const x1 = Math.min(W - 1, Math.ceil((b.cx + r + 0.5) * scale - 0.5));
    const y0 = Math.max(0, Math.floor((b.cy - r + 0.5) * scale - 0.5));
    const y1 = Math.min(H - 1, Math.ceil((b.cy + r + 0.5) * scale - 0.5));
    const ax = b.dx * gain * scale;
    const ay = b.dy * gain * scale;
    for (let j = y0; j <= y1; j++) {
      const y = (j + 0.5) / scale - 0.5 - b.cy;
      for (let i = x0; i <= x1; i++) {
        const x = (i + 0.5) / scale - 0.5 - b.cx;
        const d2 = x * x + y * y;
        if (d2 > r * r) continue;
        const g = Math.exp(-d2 * inv);
        u[j * W + i] += ax * g;
        v[j * W + i] += ay * g;
      }
    }
  }
  return f;
}

/** Largest |(u, v)| of a flow field. */
export function maxMagnitude(f: FlowField): number {
  let m = 0;
  for (let i = 0; i < f.u.length; i++) {
    const s = f.u[i] * f.u[i] + f.v[i] * f.v[i];
    if (s > m) m = s;
  }
  return Math.sqrt(m);
}

/**
 * Bumps rescaled so the field on the W×H grid has maximum magnitude exactly
 * `amplitude` pixels (returns new bumps; the input is untouched).
 */
export function normaliseBumps(bumps: readonly Bump[], width: number, height: number, amplitude: number): Bump[] {
  const m = maxMagnitude(evalBumps(bumps, width, height));
  if (!(m > 0)) throw new MerError('INTERNAL', 'action-unit field is zero everywhere (landmarks outside the image?)');
  const k = amplitude / m;
  return bumps.map((b) => ({ ...b, dx: b.dx * k, dy: b.dy * k }));
}
