import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareMacro, MACRO_SETTINGS, readMacroRecords, settingsKey, shardOf, type MacroRecord } from '../../bench/lib/macroCompare.ts';

const classes = ['negative', 'positive', 'surprise'];
const rec = (fold: string, setting: 'on' | 'off', y: number[], pred: number[], sets: Record<string, unknown> = {}): MacroRecord =>
  ({ fold, setting, sets, seed: 1, valSubjects: ['s'], ids: y.map((_, i) => `${fold}/${i}`), y, pred, seconds: 1 });

test('bench:emr-macro shards: on and off of a fold go to different shards, and each of 2 shards gets half of the "on" trainings', () => {
  for (let f = 0; f < 10; f++) assert.notEqual(shardOf(f, 'on', 2), shardOf(f, 'off', 2));
  const onPerShard = [0, 1].map((k) => [...Array(10).keys()].filter((f) => shardOf(f, 'on', 2) === k).length);
  assert.deepEqual(onPerShard, [5, 5]);
  for (let f = 0; f < 10; f++) for (const s of MACRO_SETTINGS) assert.equal(shardOf(f, s, 1), 0);
});

test('bench:emr-macro compares only folds with both settings done, at one set of settings', () => {
  const y = [0, 0, 1, 2];
  const records = [
    rec('a', 'on', y, [0, 0, 1, 2]), rec('a', 'off', y, [0, 0, 0, 0]),
    rec('b', 'on', y, [0, 1, 1, 2]), rec('b', 'off', y, [0, 0, 1, 2]),
    rec('c', 'on', y, [0, 0, 1, 2]), // no "off" yet: left out
    rec('a', 'off', y, [0, 0, 1, 2], { width: 16 }), // other settings: left out
  ];
  const cmp = compareMacro(records, classes, settingsKey({ sets: {}, seed: 1 }))!;
  assert.deepEqual(cmp.folds, ['a', 'b']);
  assert.equal(cmp.onWins, 1);
  // on: 7 of 8 right (one negative called positive); off: a all-negative, b all right
  assert.ok(cmp.on.uf1 > cmp.off.uf1);
  assert.equal(cmp.better, 'on');
  assert.equal(compareMacro(records.slice(4), classes, settingsKey({ sets: {}, seed: 1 })), undefined);
});

test('bench:emr-macro results read back from their JSON lines', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macro-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'r.jsonl');
  assert.deepEqual(readMacroRecords(file), []);
  const r = [rec('a', 'on', [0, 1], [0, 1], { width: 16, epochs: 12 }), rec('a', 'off', [0, 1], [1, 1], { epochs: 12, width: 16 })];
  writeFileSync(file, r.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const back = readMacroRecords(file);
  assert.deepEqual(back, r);
  assert.equal(settingsKey(back[0]), settingsKey(back[1]), 'the order of --set keys does not matter');
});
