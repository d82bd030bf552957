/**
 * The macro-expression source domain (CK+) for the transfer-learning recipes
 * EMR and TLCNN, relabelled to the micro-expression classes of the run.
 *
 * Data: ../shared/data/ckplus48 (src/datasets/ckplus.ts): 48×48 gray face
 * crops, only the LAST THREE frames of each labelled sequence (327 sequences,
 * 118 subjects). There is no onset/neutral frame, so:
 *
 * - kind 'flow' (EMR): the paper's "macro-expression reduction" takes the
 *   flow from the onset to the frame midway to the apex, within one sequence
 *   (the authors' Prepare.py: first image → image ⌊n/2⌋). ckplus48 keeps only
 *   the last three frames of each sequence, so merkit takes the flow from
 *   the first to the last of the frames present, within the sequence: TV-L1
 *   (OpenCV defaults, src/motion/tvl1.ts), optical strain, STSTNet flow image
 *   (u, v, strain min-max scaled per image; quantised to bytes like the MEGC
 *   PNGs) at `size`, as NHWC floats in [0, 1]. It is a small, late motion of
 *   the expression: a reduced macro-expression, as the reduction intends.
 *   (An earlier version took the flow from the subject's mean face; its
 *   sequences are cropped differently, so that flow measured misalignment:
 *   the mean absolute difference between sequences of one subject is about
 *   4× the difference within a sequence.)
 * - kind 'face' (TLCNN pre-training): every frame as one sample, gray
 *   [size, size, 1] in [0, 1] (default 48 = native, no resampling).
 *
 * Labels: CK+ emotion → class via `ckplusClass(emotion, scheme)`; the scheme
 * is found from the run's class list (megc3 or casme2-5: the only schemes
 * with a CK+ relabelling). A sequence whose emotion has no class is skipped.
 *
 * The source is auxiliary TRAINING data: CK+ subjects are different people
 * from every micro-expression database, so using it in every fold is not
 * leakage. Loading is memoised per process (a worker thread builds it once).
 */
import { MerError } from '../core/errors.ts';
import type { Image } from '../core/image.ts';
import { openCkplus, ckplusClass, CKPLUS_RELABEL } from '../datasets/ckplus.ts';
import { getLabelScheme } from '../datasets/labelSchemes.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../io/image.ts';
import { ArrayCache, cacheKey } from '../run/cache.ts';
import { resizeImage } from '../core/resize.ts';
import { tvl1Flow, type Tvl1Params } from '../motion/tvl1.ts';
import { opticalStrain } from '../motion/strain.ts';
import { flowImage, FLOW_IMAGE_SIZE } from '../motion/flowImage.ts';
import { alignFaceCrop } from '../face/faceCrop.ts';

/** CK+ 48 native side (TLCNN's scaled input) */
export const CKPLUS_SIDE = 48;
const BYTE_MAX = 255;
/** in the flow cache key: 'within-sequence' (first → last frame of one sequence) replaced the mean-face flows */
const MACRO_FLOW_VERSION = 'within-sequence';

export interface MacroDomainOptions {
  /** 'flow' (EMR: 28×28×3 flow images) or 'face' (TLCNN: size×size×1 faces) */
  kind: 'flow' | 'face';
  /** the run's class names, in order (y = index) */
  classes: readonly string[];
  /** output side (default 28 for 'flow', 48 for 'face') */
  size?: number;
  /**
   * 'face' only: align every face by its own 68 landmarks (src/face/faceCrop.ts)
   * with this margin, so that CK+ faces are framed like the micro-expression
   * faces aligned the same way; undefined = the crops as shipped.
   */
  align?: { margin: number };
  /** 'flow' only: TV-L1 parameters (default OpenCV's) */
  tvl1?: Partial<Tvl1Params>;
  /**
   * 'flow' only: content-addressed disk cache folder for the flow images
   * (key = hash of every CK+ file's bytes and these options); undefined = no
   * disk cache. The 306 TV-L1 flows take ≈ 30 s on one core.
   */
  cacheDir?: string;
}

export interface MacroDomain {
  /** NHWC samples, n·h·w·c */
  x: Float32Array;
  y: Int32Array;
  /** 'ckplus/S010' per sample */
  subjects: string[];
  /** 'ckplus/S010/004' (+ '#frame' for faces) per sample */
  ids: string[];
  shape: [number, number, number];
  /** the label scheme used to relabel ('megc3' or 'casme2-5') */
  scheme: string;
  classes: string[];
  /** what was left out and why */
  skipped: { id: string; reason: string }[];
}

/** The CK+ relabelling scheme whose class list equals `classes` (same order), or undefined. */
export function macroSchemeFor(classes: readonly string[]): string | undefined {
  for (const name of Object.keys(CKPLUS_RELABEL)) {
    const s = getLabelScheme(name);
    if (s.classes.length === classes.length && s.classes.every((c, i) => c === classes[i])) return name;
  }
  return undefined;
}

/** A sequence of gray frames with its subject and emotion (what the builders below take). */
export interface MacroSequence {
  subject: string;
  clip: string;
  emotion: string;
  frames: Image[];
}

/** The flow image (NHWC floats in [0, 1], size×size×3) from `from` to `to`. */
export function flowImageNhwc(from: Image, to: Image, size: number, tvl1?: Partial<Tvl1Params>): Float32Array {
  const flow = tvl1Flow(from, to, tvl1);
  const img = flowImage(flow, opticalStrain(flow), { size });
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / BYTE_MAX;
  return out;
}

/** Build the domain from in-memory sequences (pure; `loadMacroDomain` reads the folder then calls this). */
export function buildMacroDomain(
  seqs: readonly MacroSequence[],
  opts: MacroDomainOptions,
  flowOf: (from: Image, to: Image, size: number) => Float32Array = (a, b, size) => flowImageNhwc(a, b, size, opts.tvl1),
): MacroDomain {
  const scheme = macroSchemeFor(opts.classes);
  if (!scheme) {
    throw new MerError('BAD_OPTION', `CK+ has no relabelling to the classes ${opts.classes.join('/')}`, { expected: `the classes of ${Object.keys(CKPLUS_RELABEL).join(' or ')}` });
  }
  const size = opts.size ?? (opts.kind === 'flow' ? FLOW_IMAGE_SIZE : CKPLUS_SIDE);
  const ch = opts.kind === 'flow' ? 3 : 1;
  const per = size * size * ch;
  const skipped: MacroDomain['skipped'] = [];
  const rows: Float32Array[] = [];
  const y: number[] = [];
  const subjects: string[] = [];
  const ids: string[] = [];
  const bySubject = new Map<string, MacroSequence[]>();
  for (const s of seqs) bySubject.set(s.subject, [...(bySubject.get(s.subject) ?? []), s]);
  for (const [subject, list] of [...bySubject.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    for (const s of [...list].sort((a, b) => (a.clip < b.clip ? -1 : a.clip > b.clip ? 1 : 0))) {
      const id = `ckplus/${subject}/${s.clip}`;
      const label = ckplusClass(s.emotion, scheme);
      const k = label === undefined ? -1 : opts.classes.indexOf(label);
      if (k < 0) {
        skipped.push({ id, reason: `emotion '${s.emotion}' has no ${scheme} class` });
        continue;
      }
      if (s.frames.length === 0) {
        skipped.push({ id, reason: 'no frames' });
        continue;
      }
      if (opts.kind === 'flow') {
        if (s.frames.length < 2) {
          skipped.push({ id, reason: `${s.frames.length} frame: a flow within the sequence needs two` });
          continue;
        }
        rows.push(flowOf(s.frames[0], s.frames[s.frames.length - 1], size));
        y.push(k);
        subjects.push(`ckplus/${subject}`);
        ids.push(id);
      } else {
        s.frames.forEach((f, t) => {
          const g = f.width === size && f.height === size ? f : resizeImage(f, size, size);
          rows.push(Float32Array.from(g.data));
          y.push(k);
          subjects.push(`ckplus/${subject}`);
          ids.push(`${id}#${t}`);
        });
      }
    }
  }
  const x = new Float32Array(rows.length * per);
  rows.forEach((r, i) => x.set(r, i * per));
  return { x, y: Int32Array.from(y), subjects, ids, shape: [size, size, ch], scheme, classes: [...opts.classes], skipped };
}

const MEMO = new Map<string, Promise<MacroDomain>>();

/**
 * Read CK+ from `dir` (the ckplus48 layout) and build the domain. Memoised
 * per process by (dir, options). Throws MerError NOT_FOUND when `dir` is
 * absent, BAD_OPTION when the classes have no CK+ relabelling, BAD_INPUT when
 * no usable sample is left.
 */
export function loadMacroDomain(dir: string, opts: MacroDomainOptions): Promise<MacroDomain> {
  const key = JSON.stringify([dir, opts, MACRO_FLOW_VERSION]);
  let p = MEMO.get(key);
  if (!p) {
    p = (async () => {
      macroSchemeFor(opts.classes) ?? buildMacroDomain([], opts); // throws the BAD_OPTION before any I/O
      const ds = await openCkplus(dir);
      const seqs: MacroSequence[] = [];
      const hash = createHash('sha256');
      for (const c of ds.clips) {
        if (c.source.kind !== 'frames') continue;
        const frames: Image[] = [];
        for (const f of c.source.files) {
          const bytes = await readFile(f);
          hash.update(`${c.emotion}/${basename(f)}\0`).update(bytes);
          frames.push(await decodeImage(bytes, { mode: 'gray', file: f }));
        }
        seqs.push({ subject: c.subject, clip: c.clip, emotion: c.emotion, frames });
      }
      const { cacheDir, ...rest } = opts;
      const expensive = opts.kind === 'flow' || opts.align !== undefined;
      const cache = expensive && cacheDir ? new ArrayCache(cacheDir) : undefined;
      const key = cacheKey(`macro-domain-${MACRO_FLOW_VERSION}`, rest, hash.digest('hex'));
      const hit = cache ? await cache.get(key) : undefined;
      if (!hit && opts.kind === 'face' && opts.align) {
        const size = opts.size ?? CKPLUS_SIDE;
        for (const sq of seqs) sq.frames = await Promise.all(sq.frames.map((f) => alignFaceCrop(f, { size, margin: opts.align!.margin })));
      }
      const d = hit ? buildMacroDomain(seqs, opts, (_a, _b, size) => new Float32Array(size * size * 3)) : buildMacroDomain(seqs, opts);
      if (hit && hit.length === d.x.length) d.x = hit;
      else if (hit) throw new MerError('INTERNAL', `cached CK+ macro domain has ${hit.length} values, expected ${d.x.length}`);
      else if (cache) await cache.put(key, d.x);
      for (const pr of ds.problems) d.skipped.push({ id: pr.file ?? pr.clip ?? dir, reason: pr.message });
      if (d.y.length === 0) throw new MerError('BAD_INPUT', `no usable CK+ sample in ${dir}`, { file: dir, expected: '<emotion>/S<subject>_<seq>_<frame>.png with ≥ 2 frames per sequence' });
      return d;
    })();
    MEMO.set(key, p);
    p.catch(() => MEMO.delete(key));
  }
  return p;
}

/** ../shared/data/ckplus48 beside the project root (where licensed data lives), when present. */
export function defaultMacroDir(): string | undefined {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dir = process.env.MERKIT_SHARED_DATA ? join(process.env.MERKIT_SHARED_DATA, 'ckplus48') : join(root, '..', 'shared', 'data', 'ckplus48');
  return existsSync(dir) ? dir : undefined;
}
