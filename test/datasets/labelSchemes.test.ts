import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClipRef, Dataset } from '../../src/core/clip.ts';
import { MerError } from '../../src/core/errors.ts';
import { applyLabels, getLabelScheme, isKnownEmotion, listLabelSchemes, originalScheme } from '../../src/datasets/labelSchemes.ts';

/** every (dataset, emotion) → class, or undefined = outside the scheme */
function check(scheme: string, dataset: string, table: Record<string, string | undefined>) {
  const s = getLabelScheme(scheme);
  for (const [emotion, cls] of Object.entries(table)) {
    assert.equal(s.map(emotion, dataset), cls, `${scheme}: ${dataset}/${emotion}`);
  }
}

test('megc3: CASME II table (fear/sadness/others outside the composite)', () => {
  check('megc3', 'casme2', {
    disgust: 'negative',
    repression: 'negative',
    happiness: 'positive',
    surprise: 'surprise',
    others: undefined,
    fear: undefined,
    sadness: undefined,
  });
});

test('megc3: SAMM table', () => {
  check('megc3', 'samm', {
    anger: 'negative',
    contempt: 'negative',
    disgust: 'negative',
    fear: 'negative',
    sadness: 'negative',
    happiness: 'positive',
    surprise: 'surprise',
    other: undefined,
  });
});

test('megc3: SMIC passes through; other parts use the union table', () => {
  check('megc3', 'smic', { negative: 'negative', positive: 'positive', surprise: 'surprise', happiness: undefined });
  check('megc3', 'synthetic', {
    repression: 'negative',
    anger: 'negative',
    contempt: 'negative',
    disgust: 'negative',
    fear: 'negative',
    sadness: 'negative',
    sad: 'negative',
    happiness: 'positive',
    happy: 'positive',
    surprise: 'surprise',
    negative: 'negative',
    others: undefined,
    other: undefined,
    tense: undefined,
  });
  // case and spaces do not matter
  assert.equal(getLabelScheme('megc3').map(' Anger ', 'samm'), 'negative');
});

test('casme2-5: five classes; fear and sadness dropped', () => {
  const s = getLabelScheme('casme2-5');
  assert.deepEqual(s.classes, ['happiness', 'surprise', 'disgust', 'repression', 'others']);
  check('casme2-5', 'casme2', {
    happiness: 'happiness',
    surprise: 'surprise',
    disgust: 'disgust',
    repression: 'repression',
    others: 'others',
    fear: undefined,
    sadness: undefined,
  });
});

test('4class: negative/positive/surprise/others (CAS(ME)^3 spellings included)', () => {
  assert.deepEqual(getLabelScheme('4class').classes, ['negative', 'positive', 'surprise', 'others']);
  check('4class', 'casme3', {
    anger: 'negative',
    disgust: 'negative',
    fear: 'negative',
    sad: 'negative',
    sadness: 'negative',
    contempt: 'negative',
    repression: 'negative',
    happy: 'positive',
    happiness: 'positive',
    surprise: 'surprise',
    others: 'others',
    other: 'others',
    tense: undefined,
  });
});

test('smic3 and samm5 tables', () => {
  check('smic3', 'smic', { negative: 'negative', positive: 'positive', surprise: 'surprise', others: undefined });
  assert.deepEqual(getLabelScheme('samm5').classes, ['anger', 'contempt', 'happiness', 'surprise', 'other']);
  check('samm5', 'samm', {
    anger: 'anger',
    contempt: 'contempt',
    happiness: 'happiness',
    surprise: 'surprise',
    other: 'other',
    disgust: undefined,
    fear: undefined,
    sadness: undefined,
  });
});

test('getLabelScheme: unknown name lists the known ones; listLabelSchemes has all six', () => {
  assert.deepEqual(
    listLabelSchemes().map((s) => s.name),
    ['megc3', 'casme2-5', '4class', 'smic3', 'samm5', 'original'],
  );
  assert.throws(
    () => getLabelScheme('megc5'),
    (e: unknown) => e instanceof MerError && e.code === 'BAD_OPTION' && /megc3, casme2-5, 4class, smic3, samm5, original/.test(e.expected ?? ''),
  );
});

function clip(dataset: string, subject: string, id: string, emotion: string): ClipRef {
  return { dataset, subject, clip: id, emotion, source: { kind: 'flow', file: `${id}.png` } };
}

const DS: Dataset = {
  kind: 'test',
  root: '/x',
  clips: [
    clip('casme2', 'sub01', 'a', 'disgust'),
    clip('casme2', 'sub01', 'b', 'fear'),
    clip('casme2', 'sub02', 'c', 'happiness'),
    clip('samm', '006', 'd', 'contempt'),
    clip('samm', '006', 'e', 'other'),
    clip('smic', 's01', 'f', 'surprise'),
    clip('casme2', 'sub02', 'g', 'others'),
  ],
  problems: [],
};

test('applyLabels: y = class index, drops counted per original emotion', () => {
  const l = applyLabels(DS, getLabelScheme('megc3'));
  assert.deepEqual(
    l.clips.map((c) => [c.clip, c.label, c.y]),
    [
      ['a', 'negative', 0],
      ['c', 'positive', 1],
      ['d', 'negative', 0],
      ['f', 'surprise', 2],
    ],
  );
  assert.deepEqual(l.dropped, { fear: 1, other: 1, others: 1 });
  assert.equal(l.scheme, 'megc3');
  assert.equal(l.clips[0].emotion, 'disgust');
});

test('original: classes = emotions present (sorted), identity mapping', () => {
  const s = originalScheme(DS);
  assert.deepEqual(s.classes, ['contempt', 'disgust', 'fear', 'happiness', 'other', 'others', 'surprise']);
  const l = applyLabels(DS, getLabelScheme('original'));
  assert.equal(l.clips.length, 7);
  assert.deepEqual(l.classes, s.classes);
  assert.equal(l.clips.find((c) => c.clip === 'b')?.y, 2);
  assert.deepEqual(l.dropped, {});
});

test('isKnownEmotion: per database lists', () => {
  assert.equal(isKnownEmotion('Repression', 'casme2'), true);
  assert.equal(isKnownEmotion('anger', 'casme2'), false);
  assert.equal(isKnownEmotion('anger', 'samm'), true);
  assert.equal(isKnownEmotion('negative', 'anything'), true);
  assert.equal(isKnownEmotion('bored', 'anything'), false);
});
