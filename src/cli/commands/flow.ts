/**
 * `merkit flow <a.png> <b.png> --out flow.png [--flo out.flo] [TV-L1 options]`
 *
 * TV-L1 optical flow from image a to image b (both read as gray), written as
 * the STSTNet flow image (R = u, G = v, B = optical strain, each min–max
 * scaled per image, resized to --size, default 28; --size 0 keeps the input
 * resolution) and, with --flo, as a Middlebury .flo file (full resolution).
 * TV-L1 defaults are OpenCV's; each can be overridden.
 */
import type { Command } from 'commander';
import { MerError } from '../../core/errors.ts';
import { TVL1_DEFAULTS, type Tvl1Params } from '../../motion/tvl1.ts';
import { numberOption } from '../options.ts';

const num = (name: string, integer = false) => numberOption(`--${name}`, integer);

interface FlowCliOptions {
  out: string;
  flo?: string;
  size: number;
  tau?: number; lambda?: number; theta?: number; nscales?: number; warps?: number; epsilon?: number;
  inner?: number; outer?: number; scaleStep?: number; median?: number;
}

export function registerFlowCommand(program: Command): void {
  const d = TVL1_DEFAULTS;
  program
    .command('flow')
    .description('TV-L1 optical flow between two images → STSTNet flow image (R=u, G=v, B=strain) and optional .flo')
    .argument('<a>', 'first image (onset)')
    .argument('<b>', 'second image (apex)')
    .requiredOption('--out <file>', 'flow image to write (.png, .jpg or .bmp)')
    .option('--flo <file>', 'also write the full-resolution flow as Middlebury .flo')
    .option('--size <px>', 'side of the flow image; 0 = input size', num('size', true), 28)
    .option('--tau <x>', `time step (default ${d.tau})`, num('tau'))
    .option('--lambda <x>', `data weight, for 0–255 intensities (default ${d.lambda})`, num('lambda'))
    .option('--theta <x>', `tightness (default ${d.theta})`, num('theta'))
    .option('--nscales <n>', `pyramid levels (default ${d.nscales})`, num('nscales', true))
    .option('--warps <n>', `warps per level (default ${d.warps})`, num('warps', true))
    .option('--epsilon <x>', `stopping threshold (default ${d.epsilon})`, num('epsilon'))
    .option('--inner <n>', `inner iterations (default ${d.innerIterations})`, num('inner', true))
    .option('--outer <n>', `outer iterations (default ${d.outerIterations})`, num('outer', true))
    .option('--scale-step <x>', `pyramid scale step (default ${d.scaleStep})`, num('scale-step'))
    .option('--median <n>', `median filter size, ≤1 = off (default ${d.medianFiltering})`, num('median', true))
    .action(async (a: string, b: string, o: FlowCliOptions) => {
      const [{ readImage, writeImage }, { writeFlo }, { flowImageFloat }, { opticalStrain }, { tvl1Flow }] = await Promise.all([
        import('../../io/image.ts'),
        import('../../io/flo.ts'),
        import('../../motion/flowImage.ts'),
        import('../../motion/strain.ts'),
        import('../../motion/tvl1.ts'),
      ]);
      const ia = await readImage(a, { mode: 'gray' });
      const ib = await readImage(b, { mode: 'gray' });
      if (ia.width !== ib.width || ia.height !== ib.height) {
        throw new MerError('BAD_INPUT', `${b} is ${ib.width}×${ib.height} but ${a} is ${ia.width}×${ia.height}`, { file: b, expected: 'two images of the same size' });
      }
      const params: Partial<Tvl1Params> = {};
      if (o.tau !== undefined) params.tau = o.tau;
      if (o.lambda !== undefined) params.lambda = o.lambda;
      if (o.theta !== undefined) params.theta = o.theta;
      if (o.nscales !== undefined) params.nscales = o.nscales;
      if (o.warps !== undefined) params.warps = o.warps;
      if (o.epsilon !== undefined) params.epsilon = o.epsilon;
      if (o.inner !== undefined) params.innerIterations = o.inner;
      if (o.outer !== undefined) params.outerIterations = o.outer;
      if (o.scaleStep !== undefined) params.scaleStep = o.scaleStep;
      if (o.median !== undefined) params.medianFiltering = o.median;
      const flow = tvl1Flow(ia, ib, params);
      const strain = opticalStrain(flow);
      const dims = o.size === 0 ? { width: flow.width, height: flow.height } : { size: o.size };
      await writeImage(o.out, flowImageFloat(flow, strain, dims));
      if (o.flo) await writeFlo(o.flo, flow);
      let mean = 0, max = 0;
      for (let i = 0; i < flow.u.length; i++) { const m = Math.hypot(flow.u[i], flow.v[i]); mean += m; if (m > max) max = m; }
      process.stdout.write(`flow ${flow.width}×${flow.height}: mean |flow| ${(mean / flow.u.length).toFixed(3)} px, max ${max.toFixed(3)} px → ${o.out}${o.flo ? `, ${o.flo}` : ''}\n`);
    });
}
