/**
 * Shared per-clip stages used by several recipes (label-free, no fitting).
 */
import type { ClipRef } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import { loadClipVolume, annotatedIndices } from '../io/clip.ts';
import { clipFlowImage } from '../motion/clipFlow.ts';
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
