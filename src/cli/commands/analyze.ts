/** `merkit analyze video.mp4 --model DIR --out DIR`: track, spot, classify; analysis.json + analysis.html. */
import type { Command } from 'commander';
import { analyzeVideo } from '../../run/analyze.ts';
import { terminalProgress } from '../progressBar.ts';
import { intOption } from '../options.ts';
import { MerError } from '../../core/errors.ts';

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('find and classify the expressions in a video: writes analysis.json and analysis.html')
    .argument('<video>', 'video file (any size: decoded at --side for analysis)')
    .option('--model <dir>', 'model folder from `merkit train` (without it intervals are spotted, not classified)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--face <n|largest>', "face to follow when several are seen: 'largest' or its index from the left", 'largest')
    .option('--side <px>', 'analysis resolution: longer side after downscaling', intOption('--side', 64), 640)
    .option('--key-interval <frames>', 'face detection every N frames (default: one per second)', intOption('--key-interval', 1))
    .option('--detector <d>', 'ssd | tiny', 'ssd')
    .option('--p <p>', 'spotting threshold factor p (MEGC: mean + p·(max − mean))', parseFloat)
    .option('--features <f>', 'spotting features: intensity | lbp | flow (TV-L1 magnitude: slower, see spotFlow.ts)', 'intensity')
    .option('--blinks <mode>', 'eye blinks: detect (reported apart, kind blink) | mask-eyes (eye blocks left out of spotting) | off', 'detect')
    .action(async (video: string, o) => {
      const face = o.face === 'largest' ? 'largest' : Number(o.face);
      if (face !== 'largest' && !(Number.isInteger(face) && face >= 0)) throw new MerError('BAD_OPTION', `--face ${o.face}`, { expected: "'largest' or an index ≥ 0" });
      if (o.detector !== 'ssd' && o.detector !== 'tiny') throw new MerError('BAD_OPTION', `--detector ${o.detector}`, { expected: 'ssd or tiny' });
      if (o.features !== 'intensity' && o.features !== 'lbp' && o.features !== 'flow') throw new MerError('BAD_OPTION', `--features ${o.features}`, { expected: 'intensity, lbp or flow' });
      if (o.blinks !== 'detect' && o.blinks !== 'mask-eyes' && o.blinks !== 'off') throw new MerError('BAD_OPTION', `--blinks ${o.blinks}`, { expected: 'detect, mask-eyes or off' });
      const { analysis, files } = await analyzeVideo(video, {
        model: o.model,
        out: o.out,
        face,
        analysisSide: o.side,
        detectSide: o.side,
        keyFrameInterval: o.keyInterval,
        detector: o.detector,
        spot: { features: o.features, ...(o.p !== undefined ? { p: o.p } : {}) },
        blinks: o.blinks,
        progress: terminalProgress(),
      });
      const v = analysis.video;
      const blinks = analysis.intervals.filter((i) => i.kind === 'blink').length;
      process.stdout.write(`${v.frames} frames at ${v.fps} fps (${v.duration.toFixed(1)} s); face on ${analysis.face.detectedKeyFrames}/${analysis.face.keyFrames} key frames; ${analysis.intervals.length - blinks} interval(s), ${blinks} blink(s); ${analysis.timing.realtimeFactor.toFixed(2)}× real time\n`);
      for (const iv of analysis.intervals) {
        process.stdout.write(`  ${iv.kind.padEnd(5)} ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s (apex ${iv.apexTime.toFixed(2)} s)${iv.class ? '  ' + iv.class.label : ''}\n`);
      }
      process.stdout.write(`wrote ${files!.json}\n      ${files!.html}\n`);
    });
}
