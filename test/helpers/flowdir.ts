/** A small synthetic flowdir dataset: 28×28 flow PNGs whose class shows as one bright channel, plus labels.csv. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Rng } from '../../src/core/rng.ts';

/** RGBA pixels of a 28×28 flow image of class `cls` (0–2): noise, channel `cls` raised by 150. */
export function flowPixels(cls: number, rng: Rng): Uint8Array {
  const px = new Uint8Array(28 * 28 * 4);
  for (let i = 0; i < 28 * 28; i++) {
    for (let c = 0; c < 3; c++) px[4 * i + c] = Math.round(rng.uniform(0, 80) + (c === cls ? 150 : 0));
    px[4 * i + 3] = 255;
  }
  return px;
}

/** `subjects` × `perSubject` clips (classes negative/positive/surprise in turn) written under `dir`; returns `dir`. */
export function writeSyntheticFlowdir(dir: string, subjects: number, perSubject: number, seed: number): string {
  mkdirSync(join(dir, 'flow'), { recursive: true });
  const rng = new Rng(seed);
  const labels = ['negative', 'positive', 'surprise'];
  const lines = ['dataset,subject,clip,label,flow'];
  for (let s = 0; s < subjects; s++)
    for (let k = 0; k < perSubject; k++) {
      const cls = k % 3;
      const f = `flow/s${s}_c${k}.png`;
      writeFileSync(join(dir, f), PNG.sync.write(Object.assign(new PNG({ width: 28, height: 28 }), { data: Buffer.from(flowPixels(cls, rng)) })));
      lines.push(`synth,s${s},c${k},${labels[cls]},${f}`);
    }
  writeFileSync(join(dir, 'labels.csv'), lines.join('\n') + '\n');
  return dir;
}
