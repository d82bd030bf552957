/**
 * The synthetic set written by src/datasets/synthetic/ (DESIGN.md): the
 * CASME II layout (`subNN/EPxx_xx/imgN.jpg`, 1-based frame numbers) with the
 * coding sheet `synthetic-coding.xlsx` in CASME II columns, plus ground-truth
 * apex flows `gt/<subject>_<clip>.flo` (see syntheticGroundTruth). Read with
 * the CASME II adapter; dataset part 'synthetic'. Its frame rate is taken as
 * CASME II's (200 fps) unless opts.fps says otherwise.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipMeta, Dataset } from '../core/clip.ts';
import { CASME2_CONFIG, CASME2_FPS } from './casme2.ts';
import { openCodedFrames } from './codedFrames.ts';

export const SYNTHETIC_SHEET = 'synthetic-coding.xlsx';

export interface SyntheticOptions {
  /** coding sheet (default `<dir>/synthetic-coding.xlsx`, else any *coding*.xlsx) */
  readonly sheet?: string;
  /** frames per second (default 200, as CASME II) */
  readonly fps?: number;
}

export function openSynthetic(dir: string, opts: SyntheticOptions = {}): Promise<Dataset> {
  const sheet = opts.sheet ?? (existsSync(join(dir, SYNTHETIC_SHEET)) ? join(dir, SYNTHETIC_SHEET) : undefined);
  return openCodedFrames(
    dir,
    {
      ...CASME2_CONFIG,
      kind: 'synthetic',
      dataset: 'synthetic',
      database: '*',
      fps: opts.fps ?? CASME2_FPS,
      layout: `a synthetic set: subNN/EPxx_xx/imgN.jpg and ${SYNTHETIC_SHEET}`,
    },
    { sheet },
  );
}

/** Path of a synthetic clip's ground-truth apex flow (`gt/<subject>_<clip>.flo`), or undefined when absent. */
export function syntheticGroundTruth(dir: string, clip: Pick<ClipMeta, 'subject' | 'clip'>): string | undefined {
  const p = join(dir, 'gt', `${clip.subject}_${clip.clip}.flo`);
  return existsSync(p) ? p : undefined;
}
