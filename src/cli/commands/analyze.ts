/** `merkit analyze video.mp4 --model DIR --out DIR`: track, spot, classify; analysis.json + analysis.html. */
import { Option, type Command } from 'commander';
import { intOption, usageError } from '../options.ts';

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
    .addOption(new Option('--detector <d>', 'face detector').choices(['ssd', 'tiny']).default('ssd'))
    .option('--p <p>', 'spotting threshold factor p (MEGC: mean + p·(max − mean))', parseFloat)
    .addOption(new Option('--features <f>', 'spotting features (flow = TV-L1 magnitude: slower, see spotFlow.ts)').choices(['intensity', 'lbp', 'flow']).default('intensity'))
    .addOption(new Option('--blinks <mode>', 'eye blinks: detect (reported apart, kind blink) | mask-eyes (eye blocks left out of spotting) | off').choices(['detect', 'mask-eyes', 'off']).default('detect'))
    .action(async (video: string, o) => {
      const face = o.face === 'largest' ? 'largest' : Number(o.face);
      if (face !== 'largest' && !(Number.isInteger(face) && face >= 0)) throw usageError(`--face ${o.face}: expected 'largest' or an index ≥ 0`);
      const [{ analyzeVideo }, { terminalProgress }] = await Promise.all([import('../../run/analyzeVideo.ts'), import('../progressBar.ts')]);
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
