/**
 * `merkit net-predict --arch ststnet --weights x.pth <flow image>...`:
 * run a network with published PyTorch weights on flow images (read exactly
 * like the authors' script: BGR, raw 0–255) and print, per image, the
 * predicted class and the logits.
 */
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { MerError } from '../../core/errors.ts';

/** STSTNet's published class order (MEGC 2019 composite). */
export const STSTNET_CLASSES = ['negative', 'positive', 'surprise'] as const;

export interface NetPrediction {
  file: string;
  label: string;
  logits: number[];
}

/** Logits of STSTNet with the given .pth weights on each flow image. */
export async function predictStstnetPth(weights: string, images: readonly string[]): Promise<NetPrediction[]> {
  if (!existsSync(weights)) throw new MerError('NOT_FOUND', `weights file ${weights} not found`, { file: weights, expected: 'a PyTorch STSTNet state dict (.pth)' });
  const [{ initBackend }, { readPth }, st, { readFlowBgr }, tf] = await Promise.all([
    import('../../nets/backend.ts'),
    import('../../nets/pth.ts'),
    import('../../nets/ststnet.ts'),
    import('../../recipes/ststnet.ts'),
    import('../../nets/tf.ts'),
  ]);
  await initBackend({ backend: 'wasm' });
  const model = st.buildStstnet({ layout: 'fused' });
  try {
    st.loadStstnetPth(model, await readPth(await readFile(weights), weights), weights);
    const out: NetPrediction[] = [];
    for (const file of images) {
      if (!existsSync(file)) throw new MerError('NOT_FOUND', `flow image ${file} not found`, { file, expected: 'a 28×28 flow PNG' });
      const x = await readFlowBgr(file, file);
      const logits = tf.tidy(() => Array.from((model.predict(tf.tensor4d(x, [1, 28, 28, 3])) as typeof tf.Tensor.prototype).dataSync()));
      let best = 0;
      for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
      out.push({ file, label: STSTNET_CLASSES[best] ?? String(best), logits });
    }
    return out;
  } finally {
    model.dispose();
  }
}

export function registerNetPredictCommand(program: Command): void {
  program
    .command('net-predict')
    .description('classify flow images with a network and published PyTorch weights (prints class and logits)')
    .addOption(new Option('--arch <name>', 'network architecture').choices(['ststnet']).makeOptionMandatory())
    .requiredOption('--weights <file.pth>', 'PyTorch state dict (zip or legacy format)')
    .option('--json', 'print JSON instead of a table')
    .argument('<images...>', 'flow images (28×28 PNG: R = u, G = v, B = strain)')
    .action(async (images: string[], o: { arch: string; weights: string; json?: boolean }) => {
      printNetPredictions(await predictStstnetPth(o.weights, images), Boolean(o.json));
    });
}

/** one line per image: file, class, logits (tab-separated), or JSON */
export function printNetPredictions(preds: readonly NetPrediction[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(preds, null, 1)}\n`);
    return;
  }
  process.stdout.write(`file\tclass\t${STSTNET_CLASSES.map((c) => `logit_${c}`).join('\t')}\n`);
  for (const p of preds) process.stdout.write(`${p.file}\t${p.label}\t${p.logits.map((v) => v.toFixed(6)).join('\t')}\n`);
}
