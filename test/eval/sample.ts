/** A small hand-checkable run (8 predictions, 2 parts, 4 subjects) for the results and report tests. */
import type { BuildResultsInput } from '../../src/eval/results.ts';

export function sampleInput(): BuildResultsInput {
  const classes = ['negative', 'positive', 'surprise'];
  // (dataset, subject, y, pred)
  const rows: [string, string, number, number][] = [
    ['casme2', 'sub01', 0, 0],
    ['casme2', 'sub01', 1, 1],
    ['casme2', 'sub01', 2, 0],
    ['casme2', 'sub02', 0, 0],
    ['casme2', 'sub02', 0, 1],
    ['samm', 'sub01', 2, 2],
    ['samm', 'sub01', 1, 1],
    ['samm', '006', 0, 0],
  ];
  return {
    recipe: 'flow-svm',
    protocol: 'loso',
    dataset: 'flowdir:/data/megc',
    labels: 'megc3',
    classes,
    seed: 7,
    predictions: rows.map(([dataset, subject, y, pred], i) => ({
      dataset,
      subject,
      clip: `clip${i}`,
      y,
      pred,
      scores: classes.map((_, c) => (c === pred ? 0.8 : 0.1)),
      fold: `${dataset}/${subject}`,
    })),
    skipped: [
      { kind: 'missing-folder', message: 'folder sub03/EP01 does not exist', file: '/data/coding.xlsx', row: 12 },
      { kind: 'corrupt-image', message: 'cannot decode', clip: 'casme2/sub04/EP02' },
    ],
    dropped: { fear: 2 },
    folds: [
      { name: 'casme2/sub01', train: [3, 4, 5, 6, 7], test: [0, 1, 2] },
      { name: 'casme2/sub02', nTrain: 6, nTest: 2 },
    ],
    timing: { totalSeconds: 1.5, extractSeconds: 1, trainSeconds: 0.5, workers: 1 },
    paper: { citation: 'Someone et al., A method, 2019' },
  };
}
