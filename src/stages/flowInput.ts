/**
 * The flow-image inputs the flow recipes share (label-free, no fitting): a
 * clip → its onset→apex flow image, either read from a precomputed flow
 * image file (`flowdir`, e.g. the MEGC 2019 PNGs) or computed from its frames
 * (./clipFlow.ts), then put in the layout a learner reads:
 *   planar [R | G | B] in [0, 1]   — flow-svm (`flowImageFeatures`, `clipFlowImageFeatures`)
 *   NHWC in [0, 1]                 — the flow networks (`flowNetInput`)
 *   HWC B, G, R in 0–255           — STSTNet, as cv2.imread gives it (`readFlowBgr`, `planarRgbToBgr255`)
 * R = u, G = v, B = optical strain (the MEGC 2019 / STSTNet flow image).
 */
import { readFile } from 'node:fs/promises';
import type { ClipRef } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import { loadClipVolume, annotatedIndices } from '../io/clip.ts';
import { decodeImage8, readImage } from '../io/image.ts';
import { clipFlowImage } from './clipFlow.ts';
import { flowImagePlanar } from '../motion/flowImage.ts';

export interface ClipFlowOptions {
  /** frames are resized to frameSize × frameSize before flow */
  frameSize: number;
  /** side of the output flow image */
  flowSize: number;
}

/** Onset→apex TV-L1 flow image of a frame clip, as planar RGB floats in [0, 1]. */
export async function clipFlowImageFeatures(clip: ClipRef, opts: ClipFlowOptions): Promise<Float32Array> {
  const vol = await loadClipVolume(clip, { size: { width: opts.frameSize, height: opts.frameSize } });
  if (vol.frames < 2) {
    throw new MerError('BAD_INPUT', `clip has ${vol.frames} frame(s); a flow needs an onset and an apex`, {
      clip: `${clip.dataset}/${clip.subject}/${clip.clip}`,
    });
  }
  const { onset, apex } = annotatedIndices(clip, vol.frames);
  const { image } = clipFlowImage(vol, { onset, apex: apex ?? 'spot', size: opts.flowSize });
  return flowImagePlanar(image);
}

/** A flow image file's pixels as planar [R | G | B] floats in [0, 1]. */
export async function flowImageFeatures(file: string, size: number, clipId: string): Promise<Float32Array> {
  const img = await readImage(file, { mode: 'rgb' });
  if (img.width !== size || img.height !== size) {
    throw new MerError('BAD_INPUT', `flow image is ${img.width}×${img.height}`, { file, clip: clipId, expected: `${size}×${size}` });
  }
  return img.data;
}

/** Planar [R | G | B] → interleaved NHWC (H·W·3). */
export function planarToNhwc(planar: Float32Array, size: number): Float32Array {
  const n = size * size;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = planar[i];
    out[3 * i + 1] = planar[n + i];
    out[3 * i + 2] = planar[2 * n + i];
  }
  return out;
}

/** The clip's flow image as NHWC [flowSize, flowSize, 3] floats in [0, 1] (R = u, G = v, B = strain). */
export async function flowNetInput(clip: ClipRef, p: ClipFlowOptions): Promise<Float32Array> {
  const id = `${clip.dataset}/${clip.subject}/${clip.clip}`;
  const planar =
    clip.source.kind === 'flow'
      ? await flowImageFeatures(clip.source.file, p.flowSize, id)
      : await clipFlowImageFeatures(clip, { frameSize: p.frameSize, flowSize: p.flowSize });
  return planarToNhwc(planar, p.flowSize);
}

/** HWC B,G,R 0–255 floats of a size×size 8-bit flow image file (cv2.imread order; STSTNet's input). */
export async function readFlowBgr(file: string, clipId: string, size: number): Promise<Float32Array> {
  const raw = await decodeImage8(new Uint8Array(await readFile(file)), { file, mode: 'rgb' });
  if (raw.width !== size || raw.height !== size) {
    throw new MerError('BAD_INPUT', `flow image is ${raw.width}×${raw.height}`, { file, clip: clipId, expected: `${size}×${size} (STSTNet input)` });
  }
  const n = size * size;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = raw.data[3 * i + 2];
    out[3 * i + 1] = raw.data[3 * i + 1];
    out[3 * i + 2] = raw.data[3 * i];
  }
  return out;
}

/** planar RGB in [0, 1] → HWC B, G, R in 0–255 (rounded: the flow image is 8-bit). */
export function planarRgbToBgr255(planar: Float32Array): Float32Array {
  const n = planar.length / 3;
  const out = new Float32Array(planar.length);
  for (let i = 0; i < n; i++) {
    out[3 * i] = Math.round(planar[2 * n + i] * 255);
    out[3 * i + 1] = Math.round(planar[n + i] * 255);
    out[3 * i + 2] = Math.round(planar[i] * 255);
  }
  return out;
}
