/**
 * Analysis of a video of aligned faces, in the browser (and in Node for the
 * tests): spot expression intervals (temporal/spot.ts), compute each
 * interval's onset→apex TV-L1 flow image (motion/clipFlow.ts, the MEGC 2019 /
 * flow-svm input) and classify it with a model. Browser-safe: no Node import.
 *
 * The result is the analysis.json schema (`merkit-analysis/1`) the page
 * exports: fps, frame count, the face track, the motion curve, and every
 * interval with onset/apex/offset frames and times, class and probabilities.
 */
import type { Volume } from '../core/image.ts';
import { MerError } from '../core/errors.ts';
import { clipFlowImage } from '../motion/clipFlow.ts';
import { spotIntervals, type SpotOptions, type SpottedInterval } from '../temporal/spot.ts';
import type { FlowField } from '../core/image.ts';

export const ANALYSIS_FORMAT = 'merkit-analysis/1';

export interface ClassScores {
  /** predicted class */
  readonly label: string;
  /** one score per class name (probabilities when `probabilities`, else a softmax of the decision values for display) */
  readonly scores: Record<string, number>;
  readonly probabilities: boolean;
}

/** A model that classifies an interval from its flow image features (planar RGB in [0, 1]). */
export interface IntervalClassifier {
  readonly recipe: string;
  readonly labels: string;
  readonly classes: readonly string[];
  /** flow image side the model was trained on */
  readonly flowSize: number;
  classify(features: Float32Array): ClassScores;
}

export interface FaceTrackEntry {
  readonly frame: number;
  /** face box in source-video pixels */
  readonly box: { x: number; y: number; width: number; height: number };
  readonly score: number;
}

export interface AnalysedInterval {
  readonly onset: number;
  readonly apex: number;
  readonly offset: number;
  readonly onsetTime: number;
  readonly apexTime: number;
  readonly offsetTime: number;
  readonly kind: 'micro' | 'macro';
  /** spotting contrast at the apex / threshold */
  readonly score: number;
  readonly class?: string;
  readonly probabilities?: Record<string, number>;
  /** whether `probabilities` are calibrated probabilities (else display scores) */
  readonly calibrated?: boolean;
}

export interface AnalysisJson {
  readonly format: string;
  readonly source: string;
  readonly fps: number;
  readonly frames: number;
  readonly seconds: number;
  readonly face: { readonly alignedSize: number; readonly track: readonly FaceTrackEntry[] };
  readonly model: { readonly recipe: string; readonly labels: string; readonly classes: readonly string[] } | null;
  readonly spotting: { readonly features: string; readonly p: number | null; readonly scales: Record<string, number>; readonly thresholds: Record<string, number> };
  /** the micro-scale contrast curve, one value per frame (the timeline's motion curve) */
  readonly curve: number[];
  readonly intervals: AnalysedInterval[];
  readonly createdWith: string;
}

export interface AnalyseOptions {
  fps: number;
  source?: string;
  classifier?: IntervalClassifier;
  spot?: Omit<SpotOptions, 'fps'>;
  track?: readonly FaceTrackEntry[];
  createdWith?: string;
}

/** What the page draws besides the JSON: each interval's flow field at the apex. */
export interface AnalysisDetail {
  readonly json: AnalysisJson;
  readonly flows: (FlowField | undefined)[];
}

/** fewest frames spotting can work on: the micro scale needs a window on both sides */
export const MIN_ANALYSIS_FRAMES = 8;

/** Softmax of decision values when they are not probabilities (display only, as `merkit predict`). */
export function namedScores(classes: readonly string[], pred: number, raw: readonly number[]): ClassScores {
  const s = Array.from(raw);
  const isProb = s.every((v) => v >= 0 && v <= 1) && Math.abs(s.reduce((a, b) => a + b, 0) - 1) < 1e-6;
  let shown = s;
  if (!isProb) {
    const top = Math.max(...s);
    const e = s.map((v) => Math.exp(v - top));
    const z = e.reduce((a, b) => a + b, 0);
    shown = e.map((v) => v / z);
  }
  const scores: Record<string, number> = {};
  classes.forEach((c, i) => (scores[c] = shown[i] ?? 0));
  return { label: classes[pred], scores, probabilities: isProb };
}

/** Flow image bytes (interleaved RGB 0–255) → planar floats in [0, 1], as recipes/stages.ts does. */
export function flowImageToFeatures(image: { width: number; height: number; data: ArrayLike<number> }): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = image.data[3 * i] / 255;
    out[n + i] = image.data[3 * i + 1] / 255;
    out[2 * n + i] = image.data[3 * i + 2] / 255;
  }
  return out;
}

const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

/** Spot, then classify every interval (see the module comment). */
export function analyseFaces(vol: Volume, opts: AnalyseOptions): AnalysisDetail {
  if (!(opts.fps > 0)) throw new MerError('BAD_OPTION', `analysis needs the video fps, got ${opts.fps}`);
  if (vol.frames < MIN_ANALYSIS_FRAMES) {
    throw new MerError('BAD_INPUT', `the video has ${vol.frames} frame(s) with a face`, { expected: `at least ${MIN_ANALYSIS_FRAMES} frames` });
  }
  const spot = spotIntervals(vol, { ...opts.spot, fps: opts.fps });
  const flows: (FlowField | undefined)[] = [];
  const intervals = spot.intervals.map((s: SpottedInterval): AnalysedInterval => {
    const base = {
      onset: s.onset,
      apex: s.apex,
      offset: s.offset,
      onsetTime: round(s.onset / opts.fps),
      apexTime: round(s.apex / opts.fps),
      offsetTime: round(s.offset / opts.fps),
      kind: s.kind,
      score: round(s.score),
    };
    if (s.apex === s.onset) {
      flows.push(undefined);
      return base;
    }
    const c = opts.classifier;
    const f = clipFlowImage(vol, { onset: s.onset, apex: s.apex, size: c?.flowSize ?? 28 });
    flows.push(f.flow);
    if (!c) return base;
    const r = c.classify(flowImageToFeatures(f.image));
    const probabilities: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.scores)) probabilities[k] = round(v);
    return { ...base, class: r.label, probabilities, calibrated: r.probabilities };
  });
  const c = opts.classifier;
  const json: AnalysisJson = {
    format: ANALYSIS_FORMAT,
    source: opts.source ?? '',
    fps: opts.fps,
    frames: vol.frames,
    seconds: round(vol.frames / opts.fps),
    face: { alignedSize: vol.width, track: [...(opts.track ?? [])] },
    model: c ? { recipe: c.recipe, labels: c.labels, classes: [...c.classes] } : null,
    spotting: {
      features: opts.spot?.features ?? 'intensity',
      p: opts.spot?.p ?? null,
      scales: { ...spot.scales } as Record<string, number>,
      thresholds: Object.fromEntries(Object.entries(spot.thresholds).map(([k, v]) => [k, round(v as number, 6)])),
    },
    curve: Array.from(spot.curves.micro, (v) => round(v, 6)),
    intervals,
    createdWith: opts.createdWith ?? 'merkit web',
  };
  return { json, flows };
}
