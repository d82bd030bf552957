/**
 * Shared by test/nets/ststnet-reference.test.ts and
 * bench/nets-ststnet-reference.ts: read the MEGC 2019 CDE dev flow images and
 * PyTorch's published-weight logits, run merkit's STSTNet with each subject's
 * .pth, and score predictions the MEGC way.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../../src/nets/tf.ts';
import { PNG } from 'pngjs';
import { readPth } from '../../src/nets/pth.ts';
import { buildStstnet, loadStstnetPth, ststnetInputFromRgb8 } from '../../src/nets/ststnet.ts';

export const MEGC3 = ['negative', 'positive', 'surprise'] as const;

export interface ReferenceRow {
  dataset: string;
  subject: string;
  clip: string;
  label: string;
  flow: string;
  logits: [number, number, number];
}

/** Join labels.csv (flow paths) with predictions.csv (PyTorch logits). */
export function readReference(cde: string, ref: string): ReferenceRow[] {
  const lines = (f: string) => readFileSync(f, 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
  const [lh, ...lrows] = lines(join(cde, 'labels.csv'));
  const flowCol = lh.indexOf('flow');
  const flows = new Map(lrows.map((r) => [`${r[0]}/${r[1]}/${r[2]}`, r[flowCol]]));
  const [ph, ...prows] = lines(join(ref, 'predictions.csv'));
  const col = (n: string) => ph.indexOf(n);
  return prows.map((r) => {
    const key = `${r[0]}/${r[1]}/${r[2]}`;
    const flow = flows.get(key);
    if (!flow) throw new Error(`predictions.csv clip ${key} not in labels.csv`);
    return {
      dataset: r[0],
      subject: r[1],
      clip: r[2],
      label: r[col('label')],
      flow: join(cde, flow),
      logits: [Number(r[col('logit_negative')]), Number(r[col('logit_positive')]), Number(r[col('logit_surprise')])],
    };
  });
}

/** STSTNet logits of each row's flow image with its subject's published weights (on the current tfjs backend). */
export async function ststnetReferenceLogits(ref: string, rows: ReferenceRow[]): Promise<Float32Array[]> {
  const bySubject = new Map<string, number[]>();
  rows.forEach((r, i) => bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), i]));
  const out: Float32Array[] = new Array(rows.length);
  const model = buildStstnet();
  for (const [subject, idx] of bySubject) {
    const file = join(ref, 'weights', `${subject}.pth`);
    loadStstnetPth(model, await readPth(readFileSync(file), file), file);
    const x = new Float32Array(idx.length * 28 * 28 * 3);
    idx.forEach((i, k) => {
      const png = PNG.sync.read(readFileSync(rows[i].flow));
      x.set(ststnetInputFromRgb8(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height, 4), k * 28 * 28 * 3);
    });
    const logits = tf.tidy(() => (model.predict(tf.tensor4d(x, [idx.length, 28, 28, 3])) as tf.Tensor).dataSync() as Float32Array);
    idx.forEach((i, k) => (out[i] = logits.slice(3 * k, 3 * k + 3)));
  }
  model.dispose();
  return out;
}

/** MEGC metrics: UF1 = mean per-class F1, UAR = mean per-class recall, accuracy. */
export function megcScores(truth: number[], pred: number[], classes = 3): { uf1: number; uar: number; acc: number } {
  let f1 = 0;
  let rec = 0;
  for (let c = 0; c < classes; c++) {
    let tp = 0, fp = 0, fn = 0;
    truth.forEach((t, i) => {
      if (t === c && pred[i] === c) tp++;
      else if (t !== c && pred[i] === c) fp++;
      else if (t === c) fn++;
    });
    f1 += tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0;
    rec += tp + fn ? tp / (tp + fn) : 0;
  }
  const acc = truth.filter((t, i) => t === pred[i]).length / truth.length;
  return { uf1: f1 / classes, uar: rec / classes, acc };
}

export const argmax = (a: ArrayLike<number>): number => Array.from(a).reduce((b, v, i, arr) => (v > arr[b] ? i : b), 0);
