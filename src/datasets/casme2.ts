/**
 * CASME II (Yan et al., PLoS ONE 2014): `subNN/EPxx_xx[f]/img<N>.jpg` (also
 * `reg_img<N>.jpg` of the registered release) under a root that is, contains
 * or sits above `CASME2-RAW` / `CASME2_RAW_selected` / `Cropped`, plus the
 * coding sheet `CASME2-coding-*.xlsx` (any `*coding*.xlsx`) in the root, or
 * given as opts.sheet. Frames are sorted numerically and restricted to
 * onset…offset; a row whose offset is 0/missing keeps all its frames.
 * Recorded at 200 fps.
 */
import type { Dataset } from '../core/clip.ts';
import { casmeFamilyConfig, openCodedFrames, type CodedFramesConfig, type CodedFramesOptions } from './codedFrames.ts';

/** CASME II camera rate (Point Grey GRAS-03K2C) */
export const CASME2_FPS = 200;

/** only the newest coding sheet counts ('newest') */
export const CASME2_CONFIG: CodedFramesConfig = casmeFamilyConfig('casme2', CASME2_FPS, 'newest', 'a CASME II root: subNN/EPxx_xx/imgN.jpg and CASME2-coding-*.xlsx');

export type Casme2Options = CodedFramesOptions;

export function openCasme2(path: string, opts: Casme2Options = {}): Promise<Dataset> {
  return openCodedFrames(path, CASME2_CONFIG, opts);
}
