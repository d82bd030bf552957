/**
 * Synthetic textured images with an exactly known flow, for the motion tests
 * and bench/flow.ts. The texture is an analytic function (a sum of random
 * plane waves at several scales, like smoothed noise), so a warped copy is
 * exact at sub-pixel positions.
 */
import { Rng } from '../../src/core/rng.ts';
import type { FlowField, Image } from '../../src/core/image.ts';

export type Texture = (x: number, y: number) => number;

/** A band-limited random texture in [0, 1] with wavelengths from ~4 to ~32 px. */
export function makeTexture(seed: number, waves = 24): Texture {
  const rng = new Rng(seed);
  const kx: number[] = [], ky: number[] = [], ph: number[] = [], amp: number[] = [];
  for (let i = 0; i < waves; i++) {
    const wavelength = 4 * Math.pow(8, rng.next()); // 4..32 px
    const ang = rng.uniform(0, 2 * Math.PI);
    kx.push((2 * Math.PI / wavelength) * Math.cos(ang));
    ky.push((2 * Math.PI / wavelength) * Math.sin(ang));
    ph.push(rng.uniform(0, 2 * Math.PI));
    amp.push(1);
  }
  const norm = 0.5 / Math.sqrt(waves * 0.5) / 2.5;
  return (x, y) => {
    let s = 0;
    for (let i = 0; i < waves; i++) s += amp[i] * Math.sin(kx[i] * x + ky[i] * y + ph[i]);
    return 0.5 + s * norm;
  };
}

export function render(f: Texture, w: number, h: number, warp?: (x: number, y: number) => [number, number]): Image {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sx, sy] = warp ? warp(x, y) : [x, y];
      data[y * w + x] = f(sx, sy);
    }
  }
  return { width: w, height: h, channels: 1, data };
}

/**
 * A pair (a, b) and the true flow for a displacement field d: a point x of a
 * moves to y = x + flow(x) in b, with y − d(y) = x (b(y) = a(y − d(y))).
 */
export function makePair(f: Texture, w: number, h: number, d: (x: number, y: number) => [number, number]): { a: Image; b: Image; flow: FlowField } {
  const a = render(f, w, h);
  const b = render(f, w, h, (x, y) => {
    const [dx, dy] = d(x, y);
    return [x - dx, y - dy];
  });
  const u = new Float32Array(w * h), v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let px = x, py = y;
      for (let it = 0; it < 30; it++) {
        const [dx, dy] = d(px, py);
        px = x + dx;
        py = y + dy;
      }
      u[y * w + x] = px - x;
      v[y * w + x] = py - y;
    }
  }
  return { a, b, flow: { width: w, height: h, u, v } };
}

/** Mean endpoint error over pixels at least `margin` from the border. */
export function epe(f: FlowField, g: FlowField, margin = 0): number {
  let s = 0, n = 0;
  for (let y = margin; y < f.height - margin; y++) {
    for (let x = margin; x < f.width - margin; x++) {
      const i = y * f.width + x;
      s += Math.hypot(f.u[i] - g.u[i], f.v[i] - g.v[i]);
      n++;
    }
  }
  return s / n;
}

/** Smooth Gaussian bump displacement: amplitude (px) along (dirx, diry) at (cx, cy), sigma. */
export function bump(cx: number, cy: number, sigma: number, ax: number, ay: number): (x: number, y: number) => [number, number] {
  return (x, y) => {
    const g = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
    return [ax * g, ay * g];
  };
}
