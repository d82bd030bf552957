/**
 * The CLI end to end, as a user runs it: exit codes, one-line errors (never a
 * stack trace), the evaluate → results.json/report files path, inspect, and
 * bit-for-bit determinism across worker counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMerkit } from '../helpers/cli.ts';
import { Rng } from '../../src/core/rng.ts';

function merkit(args: string[], env: Record<string, string> = {}) {
  return runMerkit(args, { MERKIT_CACHE: join(tmpdir(), 'merkit-cli-test-cache'), ...env });
}

const CLASSES = ['happiness', 'surprise', 'disgust'];

/** A feature table with a learnable signal: class c shifts feature c by +2. */
function learnableTable(dir: string): string {
  const rng = new Rng(11);
  const lines = ['subject,clip,emotion,' + Array.from({ length: 8 }, (_, j) => `f${j}`).join(',')];
  for (let s = 1; s <= 6; s++) {
    for (let k = 0; k < 9; k++) {
      const c = k % 3;
      const f = Array.from({ length: 8 }, (_, j) => (rng.normal() + (j === c ? 2.5 : 0)).toFixed(5));
      lines.push(`sub${s},EP${k},${CLASSES[c]},${f.join(',')}`);
    }
  }
  const file = join(dir, 'table.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('recipes lists the baselines with what they read', () => {
  const r = merkit(['recipes']);
  assert.equal(r.code, 0, r.err);
  for (const name of ['flow-svm', 'svm-linear', 'svm-rbf']) assert.match(r.out, new RegExp(`^${name}\\s`, 'm'));
  const j = JSON.parse(merkit(['recipes', '--json']).out) as { name: string }[];
  assert.ok(j.some((x) => x.name === 'flow-svm'));
});

test('user errors are one clear line with exit code 2, never a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-cli-'));
  const cases: [string[], RegExp][] = [
    [['evaluate', '--dataset', 'nosuchkind:/x', '--recipe', 'svm-linear'], /kind/i],
    [['evaluate', '--dataset', `features:${join(dir, 'missing.csv')}`, '--recipe', 'svm-linear'], /missing\.csv/],
    [['evaluate', '--dataset', `features:${learnableTable(dir)}`, '--recipe', 'no-such-recipe'], /unknown recipe 'no-such-recipe'.*flow-svm/],
    [['evaluate', '--dataset', `features:${join(dir, 'table.csv')}`, '--recipe', 'svm-linear', '--protocol', 'kfold:1'], /kfold/],
    [['evaluate', '--dataset', `features:${join(dir, 'table.csv')}`, '--recipe', 'svm-linear', '--labels', 'nope'], /label scheme/],
    [['evaluate', '--dataset', `features:${join(dir, 'table.csv')}`, '--recipe', 'flow-svm'], /cannot read 'features' clips/],
    [['evaluate', '--dataset', `features:${join(dir, 'table.csv')}`, '--recipe', 'svm-linear', '--epochs', '3'], /no training epochs/],
    [['evaluate', '--dataset', `features:${join(dir, 'table.csv')}`, '--recipe', 'svm-linear', '--audit-selection'], /does not train in epochs/],
  ];
  for (const [args, re] of cases) {
    const r = merkit(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.err}`);
    assert.match(r.err, /^merkit: /, r.err);
    assert.match(r.err, re);
    assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
  }
});

test('usage errors come out one way: commander\'s "error: …" line and the help hint, exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-cli-'));
  const table = `features:${learnableTable(dir)}`;
  const cases: [string[], RegExp][] = [
    [['evaluate', '--dataset', table, '--recipe', 'svm-linear', '--seed', 'abc'], /--seed must be an integer/], // a value parser (InvalidArgumentError)
    [['evaluate', '--dataset', table, '--recipe', 'svm-linear', '--executor', 'nope'], /--executor.*choices/], // a choice list
    [['evaluate', '--dataset', table, '--recipe', 'svm-linear', '--redis', 'redis://x'], /--redis is only used with --executor bullmq/], // an action's check (usageError)
    [['evaluate', '--recipe', 'svm-linear'], /--dataset/], // commander's own: a required option
    [['serve', '--port', '70000'], /--port must be an integer in 0\.\.65535/],
    [['predict', 'x'], /predict needs --model/],
    [['evaluate', '--dataset', table, '--recipe', 'svm-linear', '--audit-every', '5'], /only used with --audit-selection/],
    [['evaluate', '--dataset', table, '--recipe', 'ststnet', '--audit-selection', '--audit-every', '0'], /--audit-every/],
    [['evaluate', '--from-runs'], /--from-runs/],
  ];
  for (const [args, re] of cases) {
    const r = merkit(args);
    assert.equal(r.code, 1, `${args.join(' ')} → ${r.code}: ${r.err}`);
    assert.match(r.err, /^error: /, r.err);
    assert.match(r.err, re);
    assert.match(r.err, /\(run with --help for usage\)/);
    assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
  }
});

test('--json: evaluate prints a summary and inspect its report on stdout, progress on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-cli-'));
  const file = learnableTable(dir);
  const out = join(dir, 'out');
  const r = merkit(['evaluate', '--dataset', `features:${file}`, '--labels', 'casme2-5', '--recipe', 'svm-linear', '--protocol', 'loso', '--out', out, '--workers', '1', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out); // stdout is the JSON and nothing else
  const full = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(j.recipe, 'svm-linear');
  assert.equal(j.protocol, 'loso');
  assert.equal(j.predictions, 54);
  assert.equal(j.folds, 6);
  assert.equal(j.metrics.uf1, full.metrics.uf1);
  assert.deepEqual(j.metrics.perClass, full.metrics.perClass);
  assert.equal(j.files.json, join(out, 'results.json'));
  assert.ok(!('perSubject' in j.metrics) && !('predictions' in j && Array.isArray(j.predictions)), 'a summary, not the whole results.json');
  assert.match(r.err, /extract|fold/i, 'progress went to stderr');

  const i = merkit(['inspect', `features:${file}`, '--labels', 'casme2-5', '--json']);
  assert.equal(i.code, 0, i.err);
  const rep = JSON.parse(i.out);
  assert.equal(rep.clips, 54);
  assert.equal(rep.subjects, 6);
  assert.equal(rep.scheme, 'casme2-5');
  assert.deepEqual(rep.perEmotion, { happiness: 18, surprise: 18, disgust: 18 });
});

test('evaluate writes results.json, report.md and report.html and learns a learnable table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-cli-'));
  const file = learnableTable(dir);
  const out = join(dir, 'out');
  const r = merkit(['evaluate', '--dataset', `features:${file}`, '--labels', 'casme2-5', '--recipe', 'svm-linear', '--protocol', 'loso', '--out', out, '--workers', '1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /overall\s+54\s+/);
  for (const f of ['results.json', 'report.md', 'report.html']) assert.ok(existsSync(join(out, f)), f);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(res.recipe, 'svm-linear');
  assert.equal(res.labels, 'casme2-5');
  assert.equal(res.predictions.length, 54);
  assert.equal(res.folds.length, 6);
  assert.ok(res.metrics.acc > 0.8, `acc ${res.metrics.acc}`);
  for (const k of ['acc', 'uf1', 'uar', 'perClass', 'perPart']) assert.ok(k in res.metrics, k);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<svg/);
});

test('same seed → identical numbers bit for bit, with 1 or 2 workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-cli-'));
  const file = learnableTable(dir);
  const run = (workers: string, out: string) => {
    const r = merkit(['evaluate', '--dataset', `features:${file}`, '--recipe', 'svm-rbf', '--protocol', 'kfold:3', '--seed', '7', '--out', join(dir, out), '--workers', workers, '--no-cache']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8'));
    return JSON.stringify({ m: j.metrics, p: j.predictions, f: j.folds });
  };
  const a = run('1', 'a');
  const b = run('2', 'b');
  assert.equal(a, b);
  const r = merkit(['evaluate', '--dataset', `features:${file}`, '--recipe', 'svm-rbf', '--protocol', 'kfold:3', '--seed', '8', '--out', join(dir, 'c'), '--workers', '1', '--no-cache']);
  assert.equal(r.code, 0);
  const c = JSON.parse(readFileSync(join(dir, 'c', 'results.json'), 'utf8'));
  const clips = (j: { predictions: { clip: string }[] }) => j.predictions.map((p) => p.clip);
  assert.notDeepEqual(clips(c), clips({ predictions: JSON.parse(a).p }), 'another seed gives other folds');
});

test('inspect counts classes and subjects and lists problems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-cli-'));
  const file = learnableTable(dir);
  writeFileSync(file, readFileSync(file, 'utf8') + 'sub9,EPbad,happiness,1,2,abc,4,5,6,7,8\n');
  const r = merkit(['inspect', `features:${file}`, '--labels', 'casme2-5']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /happiness/);
  assert.match(r.out, /sub6/);
  assert.match(r.out, /EPbad/);
});

test('synth --amplitude min,max: every clip\'s apex magnitude is drawn in that range; a bad range is a usage error', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'merkit-synth-')), 'ds');
  const r = merkit(['synth', '--out', out, '--subjects', '1', '--clips-per-class', '1', '--amplitude', '3,6', '--seed', '4']);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { clips: { amplitudePx: number }[] };
  assert.equal(m.clips.length, 5);
  for (const c of m.clips) assert.ok(c.amplitudePx >= 3 && c.amplitudePx <= 6, `amplitude ${c.amplitudePx}`);
  for (const bad of ['6,3', '0,1', '2', 'a,b']) {
    const e = merkit(['synth', '--out', out, '--amplitude', bad]);
    assert.equal(e.code, 1, `--amplitude ${bad}`);
    assert.match(e.err, /--amplitude must be two numbers min,max/);
  }
});

test('synth --wrinkles depth: recorded in the manifest (default 0); a depth outside 0..1 is a usage error', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'merkit-synth-')), 'ds');
  const r = merkit(['synth', '--out', out, '--subjects', '1', '--clips-per-class', '1', '--wrinkles', '0.2', '--seed', '4']);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { options: { wrinkles: number } };
  assert.equal(m.options.wrinkles, 0.2);
  for (const bad of ['1.5', '-0.1', 'deep', '']) {
    const e = merkit(['synth', '--out', out, '--wrinkles', bad]);
    assert.equal(e.code, 1, `--wrinkles ${bad}`);
    assert.match(e.err, /--wrinkles must be a number in 0\.\.1/);
  }
});
