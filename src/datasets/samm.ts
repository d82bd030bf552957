/**
 * SAMM (Davison et al., IEEE TAC 2018): `006/006_1_2/006_05562.jpg` under a
 * root that is or contains the subject folders, plus the SAMM coding sheet
 * (an .xlsx whose name contains 'samm', in the root or given as opts.sheet).
 * The release's header row is not its first row (title rows above it): the
 * header is found as the first row naming Subject and Filename. Columns:
 * Subject, Filename, Onset Frame, Apex Frame, Offset Frame, Action Units,
 * Estimated Emotion. Recorded at 200 fps.
 */
import type { Dataset } from '../core/clip.ts';
import { openCodedFrames, type CodedFramesConfig, type CodedFramesOptions } from './codedFrames.ts';

/** SAMM camera rate (Basler Ace acA2000-340km) */
export const SAMM_FPS = 200;

/** 6 / '6' / '006' → '006' (SAMM subject folders have three digits) */
export function sammSubject(cell: string): string {
  const t = cell.trim();
  return /^\d+$/.test(t) ? t.padStart(3, '0') : t;
}

export const SAMM_CONFIG: CodedFramesConfig = {
  kind: 'samm',
  dataset: 'samm',
  database: 'samm',
  fps: SAMM_FPS,
  subjectDir: /^\d{3}$/,
  subjectName: sammSubject,
  sheetPattern: /samm.*\.xlsx$/i,
  sheets: 'newest',
  headerIncludes: ['Subject', 'Filename'],
  columns: {
    subject: ['Subject'],
    clip: ['Filename'],
    emotion: ['Estimated Emotion', 'Emotion'],
    onset: ['Onset Frame', 'Onset'],
    apex: ['Apex Frame', 'Apex'],
    offset: ['Offset Frame', 'Offset'],
    actionUnits: ['Action Units', 'AU'],
  },
  layout: 'a SAMM root: 006/006_1_2/006_05562.jpg and SAMM*.xlsx',
};

export function openSamm(path: string, opts: CodedFramesOptions = {}): Promise<Dataset> {
  return openCodedFrames(path, SAMM_CONFIG, opts);
}
