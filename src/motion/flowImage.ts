/**
 * Flow images, the STSTNet / MEGC 2019 encoding: horizontal flow u, vertical
 * flow v and optical strain, each resized to 28×28 and min–max scaled to
 * 0–255 over its own image, stacked as R = u, G = v, B = strain.
 *
 * What the reference does (looked up for this file): STSTNet (Liong et al.,
 * FG 2019; github.com/christy1206/STSTNet) computed TV-L1 with the IPOL code
 * and prepared its 28×28×3 inputs in MATLAB 2018b ("the resized images of:
 * 1) horizontal optical flow images; 2) vertical optical flow images, and;
 * 3) optical strain"); no preprocessing script is published, neither there
 * nor in HTNet, which ships the same files (datasets/STSNet_whole_norm_u_v_os,
 * our ../shared/data/megc2019-cde-dev/flow). The files themselves settle the
 * order: in all 309 of them every channel spans exactly 0…255, which an
 * interpolating resize *after* scaling would not give (it averages the
 * extreme pixels away: on a real CASME II pair the strain channel then spans
 * only 0…50). So merkit
 *   1. resizes u, v and strain to 28×28 with MATLAB imresize semantics
 *      (bicubic, antialiasing when shrinking: MATLAB's default — the exact
 *      interpolation of the reference cannot be recovered from the files),
 *   2. min–max scales each resized plane to [0, 255] (a constant plane → 0),
 *   3. rounds to uint8 (flowImage) or divides by 255 (flowImageFloat).
 */
import { MerError } from '../core/errors.ts';
import type { FlowField, Image } from '../core/image.ts';
import { imresize } from './imresize.ts';
import { opticalStrain } from './strain.ts';

export interface FlowImageOptions {
  /** side of the square output (default 28, STSTNet's input size) */
  size?: number;
  /** non-square output: width and height override size */
  width?: number;
  height?: number;
}

/** An 8-bit RGB image, channels interleaved (R, G, B per pixel). */
export interface RgbBytes {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** STSTNet's input side. */
export const FLOW_IMAGE_SIZE = 28;
const BYTE_MAX = 255;

/** Min–max scale to [0, 255]; a constant plane maps to 0. */
export function minMaxTo255(p: Float32Array): Float32Array {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < p.length; i++) { const x = p[i]; if (x < lo) lo = x; if (x > hi) hi = x; }
  const out = new Float32Array(p.length);
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return out;
  const k = BYTE_MAX / span;
  for (let i = 0; i < p.length; i++) out[i] = (p[i] - lo) * k;
  return out;
}

function planes(flow: FlowField, strain: Float32Array | undefined, opts: FlowImageOptions): { ow: number; oh: number; r: Float32Array; g: Float32Array; b: Float32Array } {
  const size = opts.size ?? FLOW_IMAGE_SIZE;
  const ow = opts.width ?? size, oh = opts.height ?? size;
  for (const s of [ow, oh]) if (!Number.isInteger(s) || s < 1) throw new MerError('BAD_OPTION', `flow image size ${s}`, { expected: 'a positive integer' });
  const n = flow.width * flow.height;
  if (flow.u.length !== n || flow.v.length !== n) throw new MerError('BAD_INPUT', 'flow planes do not match the flow size', { expected: `${n} values per plane` });
  const s = strain ?? opticalStrain(flow);
  if (s.length !== n) throw new MerError('BAD_INPUT', `strain has ${s.length} values`, { expected: `${flow.width}×${flow.height} = ${n}` });
  const rs = (p: Float32Array) => minMaxTo255(imresize(p, flow.width, flow.height, ow, oh));
  return { ow, oh, r: rs(flow.u), g: rs(flow.v), b: rs(s) };
}

/** The 8-bit flow image (interleaved RGB): R = u, G = v, B = strain. */
export function flowImage(flow: FlowField, strain?: Float32Array, opts: FlowImageOptions = {}): RgbBytes {
  const { ow, oh, r, g, b } = planes(flow, strain, opts);
  const n = ow * oh;
  const data = new Uint8Array(3 * n);
  const q = (x: number) => (x <= 0 ? 0 : x >= BYTE_MAX ? BYTE_MAX : Math.round(x));
  for (let i = 0; i < n; i++) {
    data[3 * i] = q(r[i]);
    data[3 * i + 1] = q(g[i]);
    data[3 * i + 2] = q(b[i]);
  }
  return { width: ow, height: oh, data };
}

/** The same flow image before quantisation: planar RGB floats in [0, 1]. */
export function flowImageFloat(flow: FlowField, strain?: Float32Array, opts: FlowImageOptions = {}): Image {
  const { ow, oh, r, g, b } = planes(flow, strain, opts);
  const n = ow * oh;
  const data = new Float32Array(3 * n);
  const c = (x: number) => (x <= 0 ? 0 : x >= BYTE_MAX ? 1 : x / BYTE_MAX);
  for (let i = 0; i < n; i++) {
    data[i] = c(r[i]);
    data[n + i] = c(g[i]);
    data[2 * n + i] = c(b[i]);
  }
  return { width: ow, height: oh, channels: 3, data };
}

/** Flow image bytes (interleaved RGB 0–255) → planar [R | G | B] floats in [0, 1]: the flow-image feature layout of the recipes. */
export function flowImagePlanar(image: { width: number; height: number; data: ArrayLike<number> }): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = image.data[3 * i] / 255;
    out[n + i] = image.data[3 * i + 1] / 255;
    out[2 * n + i] = image.data[3 * i + 2] / 255;
  }
  return out;
}
