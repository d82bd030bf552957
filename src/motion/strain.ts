/**
 * Optical strain of a flow field (the magnitude of the infinitesimal strain
 * tensor), the merkit-wide definition (DESIGN.md):
 *
 *   ε = sqrt(u_x² + v_y² + ½·(u_y + v_x)²)
 *
 * Derivatives by central differences (f(x+1) − f(x−1))/2 inside the image;
 * on the first/last row or column, where one neighbour is missing, the
 * one-sided difference with the existing neighbour (numpy.gradient's rule).
 * A field of width or height 1 has derivative 0 along that axis. With this
 * rule a linear flow field has its exact strain at every pixel.
 */
import type { FlowField } from '../core/image.ts';

/** d/dx of plane f (w×h) at every pixel into out. */
function ddx(f: Float32Array, w: number, h: number, out: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    if (w === 1) { out[o] = 0; continue; }
    out[o] = f[o + 1] - f[o];
    for (let x = 1; x < w - 1; x++) out[o + x] = 0.5 * (f[o + x + 1] - f[o + x - 1]);
    out[o + w - 1] = f[o + w - 1] - f[o + w - 2];
  }
}

function ddy(f: Float32Array, w: number, h: number, out: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (h === 1) out[o + x] = 0;
      else if (y === 0) out[o + x] = f[o + w + x] - f[o + x];
      else if (y === h - 1) out[o + x] = f[o + x] - f[o - w + x];
      else out[o + x] = 0.5 * (f[o + w + x] - f[o - w + x]);
    }
  }
}

/** Per-pixel optical strain magnitude (same size as the flow). */
export function opticalStrain(flow: FlowField): Float32Array {
  const { width: w, height: h, u, v } = flow;
  const n = w * h;
  const ux = new Float32Array(n), uy = new Float32Array(n), vx = new Float32Array(n), vy = new Float32Array(n);
  ddx(u, w, h, ux); ddy(u, w, h, uy); ddx(v, w, h, vx); ddy(v, w, h, vy);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = uy[i] + vx[i];
    out[i] = Math.sqrt(ux[i] * ux[i] + vy[i] * vy[i] + 0.5 * s * s);
  }
  return out;
}

/** Per-pixel flow magnitude sqrt(u² + v²). */
export function flowMagnitude(flow: FlowField): Float32Array {
  const out = new Float32Array(flow.u.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(flow.u[i], flow.v[i]);
  return out;
}
