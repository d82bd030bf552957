/**
 * MEGC 2019 composite (CDE) (See et al., FG 2019): SMIC-HS + CASME II + SAMM,
 * regrouped with the `megc3` scheme into negative/positive/surprise —
 * 164 + 145 + 133 = 442 clips, 16 + 24 + 28 = 68 subjects.
 *
 * The root holds one folder per part, each in its own database layout:
 * `CASME2/` (or CASME_II, CASME2-RAW…), `SAMM/`, `SMIC/` (SMIC-HS); or give the
 * parts' paths as opts.casme2 / opts.samm / opts.smic. Part names in the
 * clips: 'casme2', 'samm', 'smic'. A part that is missing is a Problem; the
 * root throws only when no part is found.
 *
 * This adapter returns every clip of the parts (others/fear/… included, so
 * inspect can count them) except MEGC2019_EXCLUDED; apply `megc3` to get the
 * composite's 442.
 */
import { join } from 'node:path';
import { clipKey, type ClipRef, type Dataset } from '../core/clip.ts';
import { MerError, problemFromError, type Problem } from '../core/errors.ts';
import { openCasme2 } from './casme2.ts';
import { isDir, listDir } from './common.ts';
import { openSamm } from './samm.ts';
import { openSmic } from './smic.ts';

/**
 * CASME II clips whose emotion maps to megc3 (disgust) but which are not in
 * the official composite list (the MEGC 2019 CDE list has 145 CASME II clips:
 * 88 negative, 32 positive, 25 surprise, where the coding sheet gives 90
 * disgust+repression). Checked against megc2019-cde-dev/labels.csv
 * (HTNet's combined_datasets_whole).
 */
export const MEGC2019_EXCLUDED: readonly string[] = ['casme2/sub04/EP12_01f', 'casme2/sub05/EP09_05f'];

export interface Megc2019Options {
  readonly casme2?: string;
  readonly samm?: string;
  readonly smic?: string;
}

/** part → folder names accepted in the composite root (compared case-insensitively, letters and digits only) */
const PART_DIRS: Readonly<Record<'casme2' | 'samm' | 'smic', readonly string[]>> = {
  casme2: ['casme2', 'casmeii', 'casme2raw', 'casme2rawselected'],
  samm: ['samm', 'sammcrop', 'sammcropped'],
  smic: ['smic', 'smichs', 'smicallcropped', 'smicallraw'],
};

function partDir(root: string, part: keyof typeof PART_DIRS): string | undefined {
  const names = PART_DIRS[part];
  const hit = listDir(root).find((n) => names.includes(n.toLowerCase().replace(/[^a-z0-9]/g, '')) && isDir(join(root, n)));
  return hit ? join(root, hit) : undefined;
}

export async function openMegc2019(path: string, opts: Megc2019Options = {}): Promise<Dataset> {
  const problems: Problem[] = [];
  const clips: ClipRef[] = [];
  const parts = [
    ['casme2', opts.casme2 ?? partDir(path, 'casme2'), (p: string) => openCasme2(p)],
    ['samm', opts.samm ?? partDir(path, 'samm'), (p: string) => openSamm(p)],
    ['smic', opts.smic ?? partDir(path, 'smic'), (p: string) => openSmic(p, { modality: 'HS' })],
  ] as const;
  let opened = 0;
  for (const [name, dir, open] of parts) {
    if (!dir) {
      problems.push({ kind: 'missing-part', message: `no ${name} folder in the composite root (expected one of ${PART_DIRS[name].join(', ')})`, file: path });
      continue;
    }
    try {
      const ds = await open(dir);
      opened++;
      problems.push(...ds.problems);
      const excluded = new Set(MEGC2019_EXCLUDED);
      clips.push(...ds.clips.filter((c) => !excluded.has(clipKey(c))));
    } catch (e) {
      problems.push(problemFromError(e, { kind: 'bad-part', file: dir }));
    }
  }
  if (opened === 0) {
    throw new MerError('NOT_FOUND', 'no readable part (CASME2/, SAMM/, SMIC/) in the MEGC 2019 composite root', {
      file: path,
      expected: 'a folder with CASME2/, SAMM/ and SMIC/ in their own layouts',
    });
  }
  return { kind: 'megc2019', root: path, clips, problems };
}
