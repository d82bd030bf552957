/** A feature table of random features and random labels (happiness / surprise / disgust): nothing in it is learnable. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';

export function writeRandomFeatureTable(dir: string, subjects: number, perSubject: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['subject,clip,emotion,f0,f1,f2,f3,f4,f5'];
  for (let s = 0; s < subjects; s++) {
    for (let k = 0; k < perSubject; k++) {
      const feats = Array.from({ length: 6 }, () => rng.normal().toFixed(6));
      lines.push(`s${s},c${k},${['happiness', 'surprise', 'disgust'][rng.int(3)]},${feats.join(',')}`);
    }
  }
  const file = join(dir, 'random.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
