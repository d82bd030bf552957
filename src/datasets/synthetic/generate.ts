/**
 * Synthetic micro-expression datasets (DESIGN.md, last section).
 *
 * Real faces (the face-api sample photos, one subject per face) animated with
 * action-unit displacement fields (actionUnits.ts) through the renderer
 * (render.ts), planned deterministically from a seed and written in the
 * CASME II layout:
 *
 *   <out>/subNN/EP<cc>_<kk>/img<N>.jpg     colour JPEG (quality 95), N = 1 … frames
 *   <out>/synthetic-coding.xlsx            CASME II columns (Subject, Filename, OnsetFrame,
 *                                          ApexFrame, OffsetFrame, Action Units, Estimated Emotion)
 *   <out>/gt/<subject>_<clip>.flo          onset→apex forward flow (Middlebury .flo), head motion included
 *   <out>/manifest.json                    seed, options, every clip's parameters
 *
 * `cc` is the class number (1-based, in `classes` order) and `kk` the clip's
 * number within its class and subject. Frame numbers in the sheet and the
 * manifest are 1-based, as in CASME II; the sheet's frame rate is 200 fps.
 *
 * Every clip draws from its own Rng seeded by hash(`seed:subject:clip`), so a
 * clip's bytes do not depend on how many other subjects/clips are generated.
 */
import { writeFileAtomic } from '../../io/atomic.ts';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MerError } from '../../core/errors.ts';
import type { FlowField, Image } from '../../core/image.ts';
import { Rng, hashString } from '../../core/rng.ts';
import { writeFlo } from '../../io/flo.ts';
import { writeSheet } from '../../io/xlsx.ts';
import { sharpFor } from '../../io/image.ts';
import { DEFAULT_JITTER, normaliseBumps, placeBumps, type AuActivation, type AuJitter } from './actionUnits.ts';
import { cropFace, faceCatalog, SYNTHETIC_FEATURE, usableFaces } from './faces.ts';
import {
  RENDER_DEFAULTS,
  groundTruthFlow,
  headPath,
  renderClipFrames,
  type ExpressionEvent,
  type SyntheticFace,
} from './render.ts';

/** The casme2-5 classes, in scheme order. */
export const SYNTHETIC_CLASSES = ['happiness', 'surprise', 'disgust', 'repression', 'others'] as const;

/**
 * AU combinations per class (one is drawn per clip, uniformly). Codes as in
 * the CASME II sheet; 'L'/'R' = unilateral (subject's left/right).
 */
export const CLASS_VARIANTS: Record<string, readonly (readonly string[])[]> = {
  happiness: [['6', '12'], ['6', '12'], ['12'], ['6', '7', '12']],
  surprise: [['1', '2', '5'], ['1', '2', '5'], ['1', '2']],
  disgust: [['4', '9', '10'], ['4', '9'], ['9', '10'], ['4', '10']],
  repression: [['14'], ['15'], ['17'], ['15', '17'], ['14', '17']],
  others: [['4'], ['7'], ['24'], ['4', '7'], ['20'], ['R2'], ['L12'], ['L14']],
};

/** frame rate written for the synthetic clips (CASME II's) */
export const SYNTHETIC_FPS = 200;
/** a micro-expression lasts at most 0.5 s: 100 frames at 200 fps */
const MAX_ME_FRAMES = 100;
/** neutral frames before the onset (0-based index of the onset frame), inclusive range */
const LEAD_FRAMES: readonly [number, number] = [2, 5];
/** neutral frames kept after the offset */
const TAIL_FRAMES = 2;
/** the expression (onset→offset) fills this fraction of the frames left after lead and tail */
const SPAN_FRACTION: readonly [number, number] = [0.7, 1.0];
/** the rise (onset→apex) takes this fraction of the expression */
const RISE_FRACTION: readonly [number, number] = [0.35, 0.5];
/** relative weight of each AU of a combination */
const AU_WEIGHT: readonly [number, number] = [0.6, 1.0];
/** fewest frames a clip can have: lead + rise + fall + tail */
const MIN_FRAMES = 16;

export interface SyntheticOptions {
  /** the seed of everything (required) */
  seed: number;
  /** number of subjects (faces), at most the usable faces (21 of the 22 in the sample photos: one profile is dropped); default 12 */
  subjects?: number;
  /** clips per class per subject; default 2 */
  clipsPerClass?: number;
  /** side of the square frames, pixels; default 128 */
  size?: number;
  /** frames per clip: a number, or an inclusive [min, max] drawn per clip; default [24, 36] */
  frames?: number | readonly [number, number];
  /** classes to generate (casme2-5 names); default all five */
  classes?: readonly string[];
  /** apex magnitude of the AU field, pixels, drawn uniformly per clip; default [0.3, 1.5] */
  amplitude?: readonly [number, number];
  /** sensor noise sd in [0,1] intensity; default 0.006 (≈ 1.5 grey levels) */
  noiseSd?: number;
  /** largest head drift over a clip, pixels; default 0.3 */
  headMotionPx?: number;
  /** per-frame brightness gain sd; default 0.004 */
  flicker?: number;
  /**
   * depth of the skin folds (wrinkle lines) where an action unit compresses
   * the skin, as a fraction of the intensity (render.ts); default 0 = off,
   * the AUs are then pure warps
   */
  wrinkles?: number;
  /**
   * faces are warped (bicubic) at size × supersample then box-averaged down;
   * default 1: the crop is Lanczos-resampled to size first, so bicubic warping is
   * already sub-pixel accurate, and 2 costs ~2.7× the time (measured 2.5 vs 6.5 ms/frame)
   */
  supersample?: number;
  /** per-clip variation of the AU bumps; default DEFAULT_JITTER */
  jitter?: Partial<AuJitter>;
}

export type ResolvedSyntheticOptions = Required<Omit<SyntheticOptions, 'jitter' | 'frames'>> & {
  frames: readonly [number, number];
  jitter: AuJitter;
};

export interface SyntheticSubject {
  subject: string;
  photo: string;
  faceIndex: number;
  /** crop square in photo pixels */
  crop: { x: number; y: number; side: number };
}

export interface SyntheticClip {
  /** 'sub01' */
  subject: string;
  /** the Subject cell of the sheet (1 for sub01) */
  subjectNumber: number;
  /** 'EP01_01' */
  clip: string;
  /** class / estimated emotion */
  emotion: string;
  /** as in the sheet, e.g. '6+12' */
  actionUnits: string;
  aus: AuActivation[];
  /** seed of this clip's Rng */
  seed: number;
  frames: number;
  /** 1-based frame numbers (CASME II numbering) */
  onset: number;
  apex: number;
  offset: number;
  /** max |D| of the AU displacement at the apex, pixels (head motion excluded) */
  amplitudePx: number;
  /** head translation from onset to apex, pixels [dx, dy] */
  headMotionPx: [number, number];
  /** paths relative to the output folder */
  framesDir: string;
  gtFlow: string;
}

export interface SyntheticManifest {
  generator: 'merkit-synthetic';
  version: 1;
  seed: number;
  fps: number;
  options: ResolvedSyntheticOptions;
  classes: string[];
  subjects: SyntheticSubject[];
  clips: SyntheticClip[];
}

/** A clip ready to render: its manifest entry, face and events (0-based frames). */
export interface PlannedClip {
  meta: SyntheticClip;
  face: SyntheticFace;
  events: ExpressionEvent[];
  /** seed of the renderer's Rng (head path, flicker, noise) */
  renderSeed: number;
}

export interface SyntheticPlan {
  manifest: SyntheticManifest;
  faces: SyntheticFace[];
  clips: PlannedClip[];
}

export function resolveSyntheticOptions(opts: SyntheticOptions): ResolvedSyntheticOptions {
  if (!Number.isFinite(opts.seed)) throw new MerError('BAD_OPTION', `synthetic: seed must be a number, got ${opts.seed}`);
  const frames: readonly [number, number] =
    opts.frames === undefined ? [24, 36] : typeof opts.frames === 'number' ? [opts.frames, opts.frames] : [opts.frames[0], opts.frames[1]];
  const r: ResolvedSyntheticOptions = {
    seed: opts.seed,
    subjects: opts.subjects ?? 12,
    clipsPerClass: opts.clipsPerClass ?? 2,
    size: opts.size ?? 128,
    frames,
    classes: [...(opts.classes ?? SYNTHETIC_CLASSES)],
    amplitude: opts.amplitude ?? [0.3, 1.5],
    noiseSd: opts.noiseSd ?? RENDER_DEFAULTS.noiseSd,
    headMotionPx: opts.headMotionPx ?? RENDER_DEFAULTS.headMotionPx,
    flicker: opts.flicker ?? RENDER_DEFAULTS.flicker,
    wrinkles: opts.wrinkles ?? RENDER_DEFAULTS.wrinkles,
    supersample: opts.supersample ?? 1,
    jitter: { ...DEFAULT_JITTER, ...opts.jitter },
  };
  const bad = (what: string, expected: string) => {
    throw new MerError('BAD_OPTION', `synthetic: bad ${what}`, { expected });
  };
  if (!(Number.isInteger(r.subjects) && r.subjects >= 1)) bad(`subjects ${r.subjects}`, 'an integer ≥ 1');
  if (!(Number.isInteger(r.clipsPerClass) && r.clipsPerClass >= 1 && r.clipsPerClass <= 99)) bad(`clipsPerClass ${r.clipsPerClass}`, 'an integer in 1..99');
  if (!(Number.isInteger(r.size) && r.size >= 32)) bad(`size ${r.size}`, 'an integer ≥ 32');
  if (!(Number.isInteger(r.frames[0]) && Number.isInteger(r.frames[1]) && r.frames[0] >= MIN_FRAMES && r.frames[1] >= r.frames[0])) {
    bad(`frames ${r.frames.join('..')}`, `integers ${MIN_FRAMES} ≤ min ≤ max`);
  }
  if (!(r.amplitude[0] > 0 && r.amplitude[1] >= r.amplitude[0])) bad(`amplitude ${r.amplitude.join('..')}`, '0 < min ≤ max (pixels)');
  if (!(r.noiseSd >= 0 && r.flicker >= 0 && r.headMotionPx >= 0)) bad('noiseSd/flicker/headMotionPx', 'values ≥ 0');
  if (!(r.wrinkles >= 0 && r.wrinkles <= 1)) bad(`wrinkles ${r.wrinkles}`, 'a darkening in 0..1 (0 = off)');
  if (!(Number.isInteger(r.supersample) && r.supersample >= 1 && r.supersample <= 4)) bad(`supersample ${r.supersample}`, 'an integer in 1..4');
  for (const c of r.classes) if (!CLASS_VARIANTS[c]) bad(`class '${c}'`, `one of ${SYNTHETIC_CLASSES.join(', ')}`);
  if (new Set(r.classes).size !== r.classes.length) bad('classes (duplicates)', 'distinct class names');
  return r;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const intIn = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);

/** Draw one clip's timing, AUs and field (pure given the face and the clip seed). */
function planClip(face: SyntheticFace, subjectNumber: number, cls: string, classIndex: number, k: number, o: ResolvedSyntheticOptions): PlannedClip {
  const clip = `EP${pad2(classIndex + 1)}_${pad2(k + 1)}`;
  const seed = hashString(`${o.seed}:${face.subject}:${clip}`);
  const rng = new Rng(seed);
  const frames = intIn(rng, o.frames[0], o.frames[1]);
  const onset0 = intIn(rng, LEAD_FRAMES[0], LEAD_FRAMES[1]);
  const avail = Math.min(frames - 1 - TAIL_FRAMES - onset0, MAX_ME_FRAMES);
  const span = Math.max(4, Math.floor(avail * rng.uniform(SPAN_FRACTION[0], SPAN_FRACTION[1])));
  const rise = Math.max(2, Math.round(span * rng.uniform(RISE_FRACTION[0], RISE_FRACTION[1])));
  const apex0 = onset0 + rise;
  const offset0 = onset0 + span;
  const variant = rng.pick(CLASS_VARIANTS[cls]);
  const aus = variant.map((code) => {
    const m = /^([LR]?)(\d+)$/.exec(code) as RegExpExecArray;
    return { au: m[2], side: m[1] as '' | 'L' | 'R', weight: rng.uniform(AU_WEIGHT[0], AU_WEIGHT[1]) };
  });
  const amplitude = rng.uniform(o.amplitude[0], o.amplitude[1]);
  const bumps = normaliseBumps(placeBumps(face.landmarks, aus, rng, o.jitter), face.size, face.size, amplitude);
  const renderSeed = rng.nextUint32();
  // the renderer draws its head path first from this seed: reproduce it for the manifest
  const head = headPath(frames, o.headMotionPx, new Rng(renderSeed));
  const meta: SyntheticClip = {
    subject: face.subject,
    subjectNumber,
    clip,
    emotion: cls,
    actionUnits: variant.join('+'),
    aus,
    seed,
    frames,
    onset: onset0 + 1,
    apex: apex0 + 1,
    offset: offset0 + 1,
    amplitudePx: amplitude,
    headMotionPx: [head.x[apex0] - head.x[onset0], head.y[apex0] - head.y[onset0]],
    framesDir: `${face.subject}/${clip}`,
    gtFlow: `gt/${face.subject}_${clip}.flo`,
  };
  return { meta, face, events: [{ onset: onset0, apex: apex0, offset: offset0, bumps }], renderSeed };
}

/**
 * Plan a synthetic set: pick and crop the faces (running the detector only if
 * no cached detection exists) and draw every clip's parameters. No pixels yet.
 */
export async function planSynthetic(opts: SyntheticOptions): Promise<SyntheticPlan> {
  const o = resolveSyntheticOptions(opts);
  const usable = usableFaces(await faceCatalog());
  if (o.subjects > usable.length) {
    throw new MerError('BAD_OPTION', `synthetic: ${o.subjects} subjects asked for, the sample photos have ${usable.length} usable faces`, {
      expected: `subjects ≤ ${usable.length}`,
    });
  }
  const faces = await Promise.all(usable.slice(0, o.subjects).map((u, i) => cropFace(u, `sub${pad2(i + 1)}`, o.size, o.supersample)));
  const clips: PlannedClip[] = [];
  faces.forEach((face, s) => {
    o.classes.forEach((cls, c) => {
      for (let k = 0; k < o.clipsPerClass; k++) clips.push(planClip(face, s + 1, cls, c, k, o));
    });
  });
  const manifest: SyntheticManifest = {
    generator: 'merkit-synthetic',
    version: 1,
    seed: o.seed,
    fps: SYNTHETIC_FPS,
    options: o,
    classes: [...o.classes],
    subjects: faces.map((f) => ({ subject: f.subject, photo: f.photo, faceIndex: f.faceIndex, crop: f.crop })),
    clips: clips.map((c) => c.meta),
  };
  return { manifest, faces, clips };
}

/** The manifest of a synthetic set (what writeSyntheticDataset would write), without rendering. */
export async function generateSynthetic(opts: SyntheticOptions): Promise<SyntheticManifest> {
  return (await planSynthetic(opts)).manifest;
}

export interface RenderedSyntheticClip {
  /** planar RGB frames in [0, 1] (before JPEG quantisation) */
  frames: Image[];
  /** onset→apex ground-truth forward flow */
  gt: FlowField;
}

/** Render a planned clip's frames and ground-truth flow (deterministic). */
export function renderPlannedClip(
  p: PlannedClip,
  o: Pick<ResolvedSyntheticOptions, 'noiseSd' | 'flicker' | 'headMotionPx'> & { wrinkles?: number },
): RenderedSyntheticClip {
  const r = renderClipFrames(p.face, p.events, p.meta.frames, new Rng(p.renderSeed), {
    noiseSd: o.noiseSd,
    flicker: o.flicker,
    headMotionPx: o.headMotionPx,
    wrinkles: o.wrinkles ?? 0,
  });
  const ev = p.events[0];
  const gt = groundTruthFlow(p.events, r.headX, r.headY, ev.onset, ev.apex, p.face.size);
  return { frames: r.frames, gt };
}

/** Planar RGB float → interleaved 8-bit, rounded. */
function toRgb8(img: Image): Buffer {
  const n = img.width * img.height;
  const out = Buffer.alloc(3 * n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    out[3 * i] = Math.round(d[i] * 255);
    out[3 * i + 1] = Math.round(d[n + i] * 255);
    out[3 * i + 2] = Math.round(d[2 * n + i] * 255);
  }
  return out;
}

/** CASME II frames are JPEGs; quality 95 keeps sub-pixel motion well above the coding noise. */
const JPEG_QUALITY = 95;

export async function encodeFrameJpeg(img: Image): Promise<Buffer> {
  const sharp = await sharpFor(SYNTHETIC_FEATURE);
  return sharp(toRgb8(img), { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: JPEG_QUALITY }).toBuffer();
}

export const SYNTHETIC_SHEET_FILE = 'synthetic-coding.xlsx';
export const SYNTHETIC_SHEET_COLUMNS = ['Subject', 'Filename', 'OnsetFrame', 'ApexFrame', 'OffsetFrame', 'Action Units', 'Estimated Emotion'] as const;


/**
 * When outDir already holds a synthetic set (its manifest.json says so), remove
 * the clip folders and GT files of that set that the new one does not have, so
 * that the folder never mixes two generations. Nothing else is touched.
 */
async function removeStaleClips(outDir: string, next: SyntheticManifest): Promise<void> {
  const path = join(outDir, 'manifest.json');
  if (!existsSync(path)) return;
  let old: SyntheticManifest;
  try {
    old = JSON.parse(await readFile(path, 'utf8')) as SyntheticManifest;
  } catch {
    return; // not ours (or unreadable): leave it alone
  }
  if (old?.generator !== 'merkit-synthetic' || !Array.isArray(old.clips)) return;
  const keep = new Set(next.clips.map((c) => c.framesDir));
  for (const c of old.clips) {
    if (keep.has(c.framesDir) || !/^sub\d+\/EP\d+_\d+$/.test(c.framesDir)) continue;
    await rm(join(outDir, c.framesDir), { recursive: true, force: true });
    if (/^gt\/sub\d+_EP\d+_\d+\.flo$/.test(c.gtFlow)) await rm(join(outDir, c.gtFlow), { force: true });
  }
  for (const s of old.subjects ?? []) {
    const d = join(outDir, s.subject);
    if (/^sub\d+$/.test(s.subject) && existsSync(d) && !next.subjects.some((n) => n.subject === s.subject)) {
      await rm(d, { recursive: true, force: true });
    }
  }
}

export interface WriteProgress {
  /** called after each clip is written */
  onClip?: (done: number, total: number, clip: SyntheticClip) => void;
}

/**
 * Generate and write a synthetic set in the CASME II layout under `outDir`
 * (created if needed; clips already there are replaced). Each clip folder is
 * written under a temporary name and renamed into place; the sheet and the
 * manifest are written last, atomically. Returns the manifest.
 */
export async function writeSyntheticDataset(outDir: string, opts: SyntheticOptions & WriteProgress): Promise<SyntheticManifest> {
  const plan = await planSynthetic(opts);
  const o = plan.manifest.options;
  try {
    await mkdir(join(outDir, 'gt'), { recursive: true });
  } catch (e) {
    throw new MerError('BAD_INPUT', `cannot create the output folder ${outDir}`, { file: outDir, cause: e });
  }
  await removeStaleClips(outDir, plan.manifest);
  let done = 0;
  for (const p of plan.clips) {
    const { frames, gt } = renderPlannedClip(p, o);
    const final = join(outDir, p.meta.framesDir);
    const tmp = `${final}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const jpegs = await Promise.all(frames.map(encodeFrameJpeg));
    await Promise.all(jpegs.map((b, i) => writeFile(join(tmp, `img${i + 1}.jpg`), b)));
    if (existsSync(final)) await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
    await writeFlo(join(outDir, p.meta.gtFlow), gt);
    opts.onClip?.(++done, plan.clips.length, p.meta);
  }
  const rows = plan.manifest.clips.map((c) => [c.subjectNumber, c.clip, c.onset, c.apex, c.offset, c.actionUnits, c.emotion]);
  await writeSheet(join(outDir, SYNTHETIC_SHEET_FILE), SYNTHETIC_SHEET_COLUMNS, rows);
  await writeFileAtomic(join(outDir, 'manifest.json'), JSON.stringify(plan.manifest, null, 1) + '\n');
  return plan.manifest;
}
