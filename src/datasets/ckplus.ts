/**
 * CK+ as merkit reads it from ../shared/data/ckplus48: `<emotion>/S<subject>_<seq>_<frame>.png`
 * (48×48 gray face crops, the last three frames of each labelled sequence).
 * One clip per sequence (its frames in frame order), subject from the file
 * name. Emotions are stored in full words ('happy' → 'happiness') so the
 * megc3 scheme regroups them as-is.
 *
 * CK+ is a macro-expression source for transfer learning (EMR, TLCNN):
 * `CKPLUS_RELABEL` maps its 7 emotions onto the micro-expression classes.
 * megc3 follows MEGC 2019 (negative = anger, contempt, disgust, fear,
 * sadness); casme2-5 keeps the shared classes and sends anger, contempt,
 * fear and sadness to 'others' (merkit's choice: CK+ has no repression).
 * A file whose name is not S<subject>_<seq>_<frame>.png is a Problem.
 */
import { join } from 'node:path';
import type { ClipRef, Dataset } from '../core/clip.ts';
import type { Problem } from '../core/errors.ts';
import { isDir, listDir, naturalCompare, requirePath, sortClips } from './common.ts';

/** folder name → emotion as stored on the clip */
export const CKPLUS_EMOTIONS: Readonly<Record<string, string>> = {
  anger: 'anger',
  contempt: 'contempt',
  disgust: 'disgust',
  fear: 'fear',
  happy: 'happiness',
  sadness: 'sadness',
  surprise: 'surprise',
};

/** CK+ emotion → class of a micro-expression scheme (absent = not used) */
export const CKPLUS_RELABEL: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  megc3: { anger: 'negative', contempt: 'negative', disgust: 'negative', fear: 'negative', sadness: 'negative', happiness: 'positive', surprise: 'surprise' },
  'casme2-5': { happiness: 'happiness', surprise: 'surprise', disgust: 'disgust', anger: 'others', contempt: 'others', fear: 'others', sadness: 'others' },
};

const FILE = /^S(\d+)_(\d+)_(\d+)\.png$/i;

export async function openCkplus(path: string): Promise<Dataset> {
  requirePath(path, 'CK+ folder', '<emotion>/S<subject>_<seq>_<frame>.png');
  const problems: Problem[] = [];
  const byKey = new Map<string, { subject: string; clip: string; emotion: string; frames: { n: number; file: string }[] }>();
  for (const folder of listDir(path)) {
    const dir = join(path, folder);
    if (!isDir(dir)) continue;
    const emotion = CKPLUS_EMOTIONS[folder.toLowerCase()];
    if (!emotion) {
      problems.push({ kind: 'unknown-label', message: `folder "${folder}" is not a CK+ emotion`, file: dir });
      continue;
    }
    for (const name of listDir(dir)) {
      const m = FILE.exec(name);
      if (!m) {
        problems.push({ kind: 'bad-row', message: `file name "${name}" is not S<subject>_<seq>_<frame>.png`, file: join(dir, name) });
        continue;
      }
      const subject = `S${m[1]}`;
      const clip = m[2];
      const key = `${subject}/${clip}`;
      const e = byKey.get(key) ?? { subject, clip, emotion, frames: [] };
      if (e.emotion !== emotion) {
        problems.push({ kind: 'duplicate-clip', message: `sequence ${key} appears under ${e.emotion} and ${emotion}`, file: join(dir, name) });
        continue;
      }
      e.frames.push({ n: Number(m[3]), file: join(dir, name) });
      byKey.set(key, e);
    }
  }
  const clips: ClipRef[] = [...byKey.values()].map((e) => ({
    dataset: 'ckplus',
    subject: e.subject,
    clip: e.clip,
    emotion: e.emotion,
    source: { kind: 'frames', files: e.frames.sort((a, b) => a.n - b.n || naturalCompare(a.file, b.file)).map((f) => f.file) },
  }));
  return { kind: 'ckplus', root: path, clips: sortClips(clips), problems };
}

/** The class of a CK+ clip under a micro-expression scheme, or undefined. */
export function ckplusClass(emotion: string, scheme: string): string | undefined {
  return CKPLUS_RELABEL[scheme]?.[emotion];
}


