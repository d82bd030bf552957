/**
 * The recipe stage "clip → onset→apex flow image": TV-L1 flow from the onset
 * frame to the apex frame (given, or spotted), its optical strain, and the
 * STSTNet flow image. Indices are 0-based into the volume.
 *
 * Pure (a volume in, no I/O), so the page imports it too; loading a ClipRef's
 * frames into the inputs recipes read is ./flowInput.ts.
 */
import { MerError } from '../core/errors.ts';
import { volumeFrame, type FlowField, type Volume } from '../core/image.ts';
import { spotApex, type ApexMethod } from '../temporal/apex.ts';
import { flowImage, type RgbBytes } from '../motion/flowImage.ts';
import { opticalStrain } from '../motion/strain.ts';
import { tvl1Flow, type Tvl1Params } from '../motion/tvl1.ts';

export interface ClipFlowImageOptions {
  /** onset index (default 0) */
  onset?: number;
  /** apex index, or 'spot' to find it (default 'spot') */
  apex?: number | 'spot';
  /** apex spotting method when apex = 'spot' (default 'frame-diff') */
  spotMethod?: ApexMethod;
  /** flow image side (default 28) */
  size?: number;
  /** TV-L1 parameters (default OpenCV's) */
  tvl1?: Partial<Tvl1Params>;
}

export interface ClipFlowImage {
  flow: FlowField;
  strain: Float32Array;
  image: RgbBytes;
  onset: number;
  apex: number;
}

export function clipFlowImage(frames: Volume, opts: ClipFlowImageOptions = {}): ClipFlowImage {
  if (frames.frames < 2) throw new MerError('BAD_INPUT', `clip has ${frames.frames} frame(s)`, { expected: 'at least an onset and an apex frame' });
  const onset = opts.onset ?? 0;
  if (!Number.isInteger(onset) || onset < 0 || onset >= frames.frames) {
    throw new MerError('BAD_OPTION', `onset index ${onset} outside the clip's ${frames.frames} frames`, { expected: `0..${frames.frames - 1}` });
  }
  const want = opts.apex ?? 'spot';
  let apex: number;
  if (want === 'spot') apex = spotApex(frames, { onset, method: opts.spotMethod });
  else apex = want;
  if (!Number.isInteger(apex) || apex < 0 || apex >= frames.frames) {
    throw new MerError('BAD_OPTION', `apex index ${apex} outside the clip's ${frames.frames} frames`, { expected: `0..${frames.frames - 1}` });
  }
  const flow = tvl1Flow(volumeFrame(frames, onset), volumeFrame(frames, apex), opts.tvl1);
  const strain = opticalStrain(flow);
  const image = flowImage(flow, strain, { size: opts.size });
  return { flow, strain, image, onset, apex };
}
