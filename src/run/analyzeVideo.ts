/**
 * The Node edge of the analysis (`merkit analyze`, `merkit predict` on a
 * video): ffmpeg decodes the file at the analysis size (io/video.ts), the
 * model folder gives the classifier (run/modelFolder.ts), and the results are
 * written atomically as analysis.json and analysis.html (run/analysisReport.ts).
 * The analysis itself is run/analyze.ts's `analyzeFrames`, the page's too.
 */
import { join } from 'node:path';
import type { Image } from '../core/image.ts';
import { detectFaces, landmarksInBox as landmarksInRgbBox, type FaceBox } from '../face/detect.ts';
import { detectOnImage, landmarksOnImage } from '../face/track.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodePng } from '../io/image.ts';
import { decodeVideoYuv, probeVideo, streamColour } from '../io/video.ts';
import { yuv420ToRgb, type Yuv420Frame, type YuvColour } from '../io/yuv.ts';
import { analysisSize, analyzeFrames, framePool, type Analysis, type AnalyzeOptions, type FramePool } from './analyze.ts';
import { analysisHtml } from './analysisReport.ts';
import { loadModel, namedPrediction, type LoadedModel } from './modelFolder.ts';

export interface AnalyzeVideoOptions extends Omit<AnalyzeOptions, 'classify' | 'detect'> {
  /** the face detector; default face-api on node (face/detect.ts) at `detectSide` with `detector` */
  detect?: AnalyzeOptions['detect'];
  /** detection size (longer side) of the default detector and landmark net; default 640 */
  detectSide?: number;
  /** the default detector's net; default 'ssd' */
  detector?: 'ssd' | 'tiny';
  /** model folder (merkit train --out), or one already loaded; without it intervals are not classified */
  model?: string | LoadedModel;
  /** output folder for analysis.json and analysis.html; none = write nothing */
  out?: string;
  /** decode so that the longer side is at most this (ffmpeg scales while decoding); default 640 */
  analysisSide?: number;
}

/** Decoded 4:2:0 frames → planar RGB analysis frames (io/yuv.ts: the page's conversion too), in pooled buffers when a pool is given. */
export async function* framesAtSize(frames: AsyncIterable<Yuv420Frame>, width: number, height: number, colour: YuvColour, pool?: FramePool): AsyncGenerator<Image> {
  try {
    for await (const f of frames) yield yuv420ToRgb(f, width, height, colour, pool?.take(3 * width * height));
  } finally {
    pool?.close();
  }
}

/**
 * The detector and landmark net analyzeFrames gets: face-api on node unless
 * injected; with only `detect` injected there is no landmark net (the
 * tracker detects on every key frame, no blinks are looked for).
 */
function faceNets(opts: AnalyzeVideoOptions): Pick<AnalyzeOptions, 'detect' | 'landmarksInBox'> {
  const detect = opts.detect ?? ((img: Image) => detectOnImage(img, { detectSide: opts.detectSide, detector: opts.detector }, detectFaces));
  const landmarksInBox = opts.landmarksInBox ?? (opts.detect ? undefined : (img: Image, box: FaceBox) => landmarksOnImage(img, box, opts.detectSide, landmarksInRgbBox));
  return { detect, ...(landmarksInBox ? { landmarksInBox } : {}) };
}

/** Analyse a video file (node): decode once at reduced size, track, spot, classify, write the report. */
export async function analyzeVideo(file: string, opts: AnalyzeVideoOptions = {}): Promise<{ analysis: Analysis; files?: { json: string; html: string } }> {
  const info = await probeVideo(file);
  const colour = await streamColour(file, info);
  const { width: w, height: h } = analysisSize(info.width, info.height, opts.analysisSide);
  let classify: AnalyzeOptions['classify'];
  let modelInfo: Analysis['model'];
  if (opts.model) {
    const m = typeof opts.model === 'string' ? await loadModel(opts.model) : opts.model;
    modelInfo = { recipe: m.meta.recipe, classes: m.meta.classes, ...(typeof opts.model === 'string' ? { dir: opts.model } : {}) };
    classify = async (clip, apex) => {
      const x = await m.recipe.extract({
        dataset: 'video',
        subject: 'video',
        clip: `${clip.frames}f`,
        emotion: '',
        onset: 0,
        apex,
        offset: clip.frames - 1,
        source: { kind: 'memory', frames: clip.data, width: clip.width, height: clip.height, count: clip.frames },
      });
      const p = namedPrediction(m.meta.classes, m.model.predict([x])[0]);
      return { label: p.label, scores: p.scores, probabilities: p.probabilities };
    };
  }
  // ffmpeg only decodes; scaling and colour are io/yuv.ts's, as in the page (see there)
  const pool = framePool();
  const frames = framesAtSize(decodeVideoYuv(file, {}, info), w, h, colour, pool);
  const { analysis, overlays } = await analyzeFrames(
    frames,
    { fps: info.fps, width: w, height: h, frames: info.frames, file, sourceWidth: info.width, sourceHeight: info.height },
    { ...opts, ...faceNets(opts), classify, recycle: pool.recycle },
  );
  if (modelInfo) analysis.model = modelInfo;
  if (!opts.out) return { analysis };
  const uris = new Map<number, string>();
  for (const [i, img] of overlays) uris.set(i, `data:image/png;base64,${(await encodePng(img)).toString('base64')}`);
  const json = join(opts.out, 'analysis.json');
  const html = join(opts.out, 'analysis.html');
  await writeFileAtomic(json, JSON.stringify(analysis, null, 1) + '\n');
  await writeFileAtomic(html, analysisHtml(analysis, uris));
  return { analysis, files: { json, html } };
}
