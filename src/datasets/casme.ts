/**
 * CASME I (Yan et al., FG 2013): `subNN/EPxx_y/<frames numbered at the end>`
 * plus its coding sheet(s) `*CASME*coding*.xlsx` / any `*coding*.xlsx` in the
 * root (the release ships one per section: all are read). Columns as CASME II
 * (Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame, Action Units,
 * Emotion). Recorded at 60 fps.
 */
import type { Dataset } from '../core/clip.ts';
import { casmeFamilyConfig, openCodedFrames, type CodedFramesConfig, type CodedFramesOptions } from './codedFrames.ts';

/** CASME I camera rate (both sections) */
export const CASME_FPS = 60;

/** both sections' sheets are read ('all') */
export const CASME_CONFIG: CodedFramesConfig = casmeFamilyConfig('casme', CASME_FPS, 'all', 'a CASME root: subNN/EPxx_y/<numbered frames> and *coding*.xlsx');

export function openCasme(path: string, opts: CodedFramesOptions = {}): Promise<Dataset> {
  return openCodedFrames(path, CASME_CONFIG, opts);
}
