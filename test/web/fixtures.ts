/**
 * Fixtures for the web tests: a flow-svm model folder fitted by the library on
 * tiny synthetic flow-image features (no dataset, no TV-L1: fast), a reports
 * folder with one evaluation report, and a short synthetic long video.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { pipeline } from '../../src/learn/pipeline.ts';
import { standardize } from '../../src/learn/standardize.ts';
import { svm } from '../../src/learn/svm.ts';
import { writeModelFolder } from '../../src/run/modelFolder.ts';
import { buildResults } from '../../src/eval/results.ts';
import { writeReport } from '../../src/eval/report.ts';
import { sampleInput } from '../eval/sample.ts';

export const FIXTURE_CLASSES = ['negative', 'positive', 'surprise'];
/** flow-svm's flow image: 28×28×3 */
export const FEATURE_LENGTH = 3 * 28 * 28;

/** Class c's rows: mid-gray with a brighter band in channel c (separable by construction). */
export function fixtureRows(perClass: number, seed: number): { X: Float32Array[]; y: number[] } {
  const rng = new Rng(seed);
  const X: Float32Array[] = [];
  const y: number[] = [];
  const plane = 28 * 28;
  for (let c = 0; c < FIXTURE_CLASSES.length; c++) {
    for (let k = 0; k < perClass; k++) {
      const x = new Float32Array(FEATURE_LENGTH);
      for (let i = 0; i < FEATURE_LENGTH; i++) x[i] = 0.5 + 0.05 * rng.normal();
      for (let i = 0; i < plane; i++) x[c * plane + i] += 0.2;
      X.push(x);
      y.push(c);
    }
  }
  return { X, y };
}

/** Fit standardize + linear SVM (flow-svm's learner) and write a model folder. */
export async function writeFixtureModel(dir: string): Promise<void> {
  const { X, y } = fixtureRows(4, 11);
  const learner = pipeline('standardize+linear-svm', [standardize()], svm({ kernel: 'linear', C: 1 }));
  const model = await learner.fit({ X, y, ids: X.map((_, i) => `syn/s${i % 4}/c${i}`), subjects: X.map((_, i) => `syn/s${i % 4}`), classes: FIXTURE_CLASSES, rng: new Rng('web-fixture') });
  await writeModelFolder(
    dir,
    {
      recipe: 'flow-svm',
      recipeParams: { flowSize: 28, frameSize: 128, C: 1 },
      labels: 'megc3',
      classes: FIXTURE_CLASSES,
      trainedOn: { dataset: 'fixture', clips: X.length, subjects: 4 },
      preprocessing: {},
      trainingMetrics: { kind: 'resubstitution', note: 'test fixture' },
    },
    await model.save!(),
  );
}

/** A reports folder holding runA/ (the hand-checkable eval sample) and a broken results.json in bad/. */
export async function writeFixtureReports(dir: string): Promise<void> {
  await writeReport(join(dir, 'runA'), buildResults(sampleInput()));
  await mkdir(join(dir, 'bad'), { recursive: true });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'bad', 'results.json'), '{"not": "a report"}');
}
