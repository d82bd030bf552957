/**
 * `merkit predict --model DIR INPUT`: classify one clip. INPUT is
 * - a folder of frames (onset … offset, any image format; apex spotted by the recipe unless --apex),
 * - two images 'onset.jpg,apex.jpg',
 * - a video file (the face is tracked and aligned, the strongest spotted interval is classified).
 * Frames/images are used as given (face crops, like the training data) unless --align.
 */
import type { Command } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ClipRef } from '../../core/clip.ts';
import { MerError } from '../../core/errors.ts';
import type { Image } from '../../core/image.ts';
import { resizeImage } from '../../core/resize.ts';
import type { ClassPrediction, LoadedModel } from '../../run/modelFolder.ts';
import { intOption, usageError } from '../options.ts';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.bmp']);
const VIDEO_EXT = new Set(['.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v']);

/** side of the aligned crop when --align is used: the recipe's frameSize, else 128 */
function alignSize(m: LoadedModel): number {
  const fs = m.recipe.params.frameSize;
  return typeof fs === 'number' && fs > 0 ? fs : 128;
}

/** Align every frame with the transform of the first frame's face (the same for all: motion is preserved). */
async function alignFrames(frames: Image[], size: number): Promise<Image[]> {
  const [{ detectOnImage }, { detectFaces }, { alignTransform, applyAlign }] = await Promise.all([import('../../face/track.ts'), import('../../face/detect.ts'), import('../../face/align.ts')]);
  const faces = await detectOnImage(frames[0], {}, detectFaces);
  const f = faces.filter((x) => x.landmarks).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  if (!f) throw new MerError('NOT_FOUND', 'no face found in the first frame', { expected: '--align only on frames showing a face' });
  const T = alignTransform(f.landmarks!, { size });
  return frames.map((img) => applyAlign(img, T));
}

function memoryClip(name: string, frames: Image[], apex?: number): ClipRef {
  const { width, height } = frames[0];
  const data = new Float32Array(frames.length * width * height);
  frames.forEach((f, t) => data.set((f.width === width && f.height === height ? f : resizeImage(f, width, height)).data, t * width * height));
  return {
    dataset: 'input',
    subject: 'input',
    clip: name,
    emotion: '',
    ...(apex !== undefined ? { onset: 0, apex, offset: frames.length - 1 } : {}),
    source: { kind: 'memory', frames: data, width, height, count: frames.length },
  };
}

export interface PredictInputOptions {
  align?: boolean;
  apex?: number;
}

/** Classify an input path (see the file comment). */
export async function predictInput(m: LoadedModel, input: string, o: PredictInputOptions = {}): Promise<ClassPrediction & { input: string; note?: string }> {
  const [{ readImage }, { frameNumberOf }, { predictClip }] = await Promise.all([import('../../io/image.ts'), import('../../io/clip.ts'), import('../../run/modelFolder.ts')]);
  const parts = input.split(',');
  if (parts.length === 2) {
    let frames = [await readImage(parts[0], { mode: 'gray' }), await readImage(parts[1], { mode: 'gray' })];
    if (o.align) frames = await alignFrames(frames, alignSize(m));
    return { input, ...(await predictClip(m, memoryClip('pair', frames, 1))) };
  }
  let st;
  try {
    st = await stat(input);
  } catch (e) {
    throw new MerError('NOT_FOUND', 'input not found', { file: input, expected: 'a frame folder, "onset.jpg,apex.jpg" or a video file', cause: e });
  }
  if (st.isDirectory()) {
    const files = (await readdir(input)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()));
    if (files.length < 2) throw new MerError('BAD_INPUT', `folder holds ${files.length} image(s)`, { file: input, expected: 'at least an onset and an apex frame' });
    files.sort((a, b) => (frameNumberOf(a) ?? 0) - (frameNumberOf(b) ?? 0) || a.localeCompare(b));
    let frames: Image[] = [];
    for (const f of files) frames.push(await readImage(join(input, f), { mode: 'gray' }));
    if (o.align) frames = await alignFrames(frames, alignSize(m));
    if (o.apex !== undefined && !(o.apex > 0 && o.apex < frames.length)) throw new MerError('BAD_OPTION', `--apex ${o.apex}`, { expected: `a frame index in 1..${frames.length - 1}` });
    return { input, ...(await predictClip(m, memoryClip(basename(input), frames, o.apex))) };
  }
  if (VIDEO_EXT.has(extname(input).toLowerCase())) {
    // the analysis pipeline: track, spot, and classify every interval re-cropped with its onset frame's alignment
    const { analyzeVideo } = await import('../../run/analyzeVideo.ts');
    const { analysis } = await analyzeVideo(input, { model: m, overlays: 0 });
    const classified = analysis.intervals.filter((iv) => iv.class);
    if (classified.length === 0) throw new MerError('NOT_FOUND', `no expression interval spotted in the video (${analysis.intervals.length} too short to classify)`, { file: input, expected: 'a visible facial movement' });
    const best = classified.reduce((a, b) => (b.score > a.score ? b : a));
    const c = best.class!;
    return {
      input,
      label: c.label,
      index: m.meta.classes.indexOf(c.label),
      scores: c.scores,
      probabilities: c.probabilities,
      note: `strongest of ${analysis.intervals.length} spotted interval(s): ${best.kind} ${best.onsetTime.toFixed(2)}–${best.offsetTime.toFixed(2)} s, apex ${best.apexTime.toFixed(2)} s (frames ${best.onset}/${best.apex}/${best.offset})`,
    };
  }
  throw new MerError('BAD_INPUT', 'unrecognised input', { file: input, expected: 'a frame folder, "onset.jpg,apex.jpg" or a video file (.mp4, .avi, .mov, .mkv, .webm)' });
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('classify a clip with a trained model: a frame folder, "onset.jpg,apex.jpg", or a video')
    .option('--model <dir>', 'model folder written by `merkit train`')
    .option('--arch <name>', 'instead of --model: a network architecture (ststnet) with --weights; INPUT is then a flow image')
    .option('--weights <file.pth>', 'with --arch: published PyTorch weights')
    .option('--align', 'detect the face on the first frame and align all frames with that transform (for uncropped frames)')
    .option('--apex <n>', 'apex frame index within a frame folder (0-based; default: spotted)', intOption('--apex', 1))
    .option('--json', 'print the result as JSON')
    .argument('<input>', 'frame folder | onset,apex images | video file')
    .action(async (input: string, o) => {
      if (o.arch) {
        if (!o.weights) throw usageError('--arch needs --weights <file.pth>');
        if (o.arch !== 'ststnet') throw usageError(`--arch '${o.arch}' is not one of the choices: ststnet`);
        const { predictStstnetPth, printNetPredictions } = await import('./netPredict.ts');
        printNetPredictions(await predictStstnetPth(o.weights, [input]), Boolean(o.json));
        return;
      }
      if (!o.model) throw usageError('predict needs --model <dir> (or --arch ststnet --weights x.pth)');
      const { loadModel } = await import('../../run/modelFolder.ts');
      const m = await loadModel(o.model);
      const r = await predictInput(m, input, { align: Boolean(o.align), apex: o.apex });
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      if (r.note) process.stdout.write(`${r.note}\n`);
      process.stdout.write(`${r.label}\n`);
      const w = Math.max(...Object.keys(r.scores).map((k) => k.length));
      for (const [k, v] of Object.entries(r.scores).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${k.padEnd(w)}  ${v.toFixed(3)}\n`);
      if (!r.probabilities) process.stdout.write('  (normalised decision scores, not calibrated probabilities)\n');
    });
}
