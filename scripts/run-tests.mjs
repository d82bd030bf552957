#!/usr/bin/env node
// Finds test files (test/**/*.test.ts, or the paths given) and runs them with
// node's built-in test runner through the tsx loader. Node 20's runner does
// not expand globs itself, hence this script.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = [];
for (const a of args.length ? args : ['test']) {
  if (statSync(a).isDirectory()) walk(a, files);
  else files.push(a);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-old-space-size=8192'].filter(Boolean).join(' ') } },
);
process.exit(r.status ?? 1);
