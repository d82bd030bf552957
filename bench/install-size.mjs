#!/usr/bin/env node
// `npm run bench:install-size [-- --baseline <git ref>]`
//
// What `npm install merkit` puts on disk, measured as a user gets it: the
// packed tarball installed into a fresh project (offline, from npm's cache:
// scripts/consumer-project.mjs), once with the optional dependencies (npm's
// default) and once with --omit=optional. Packages = npm's record of the
// installed tree (merkit included); MB as `du` counts them (MiB).
// --baseline REF packs an older commit the same way (its files from
// `git archive`, installed from its own package-lock.json, whose packages
// must be in npm's cache: true for this clone's parent commits).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installConsumer, installedSize, packTarball, writeConsumerProject } from '../scripts/consumer-project.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--baseline');
const BASELINE = i > 0 ? process.argv[i + 1] : undefined;
const tmp = mkdtempSync(join(tmpdir(), 'merkit-install-size-'));

function measure(label, repoRoot, { omitOptional }) {
  const dir = join(tmp, `${label}-${omitOptional ? 'lean' : 'default'}`.replace(/[^\w.-]/g, '_'));
  const { tarball, size } = packed(repoRoot);
  writeConsumerProject(dir, { repoRoot, tarball });
  const t0 = performance.now();
  installConsumer(dir, { omitOptional });
  const seconds = (performance.now() - t0) / 1000;
  return { label, omitOptional, tarballKB: size / 1024, seconds, ...installedSize(dir) };
}

const packs = new Map();
function packed(repoRoot) {
  if (!packs.has(repoRoot)) packs.set(repoRoot, packTarball(repoRoot, join(tmp, `pack-${packs.size}`)));
  return packs.get(repoRoot);
}

const rows = [];
if (BASELINE) {
  const old = join(tmp, 'baseline');
  execFileSync('sh', ['-c', `mkdir -p "${old}" && git -C "${ROOT}" archive "${BASELINE}" | tar -x -C "${old}"`]);
  // its prepack (if any) may need this clone's dev tools
  symlinkSync(join(ROOT, 'node_modules'), join(old, 'node_modules'));
  rows.push(measure(BASELINE, old, { omitOptional: false }));
}
rows.push(measure('this tree', ROOT, { omitOptional: false }));
rows.push(measure('this tree', ROOT, { omitOptional: true }));
rmSync(tmp, { recursive: true, force: true });

const out = ['| package | install | packages | MB on disk | tarball KB |', '|---|---|---|---|---|'];
for (const r of rows) out.push(`| ${r.label} | ${r.omitOptional ? '`--omit=optional`' : 'default (optional dependencies too)'} | ${r.packages} | ${r.megabytes.toFixed(0)} | ${r.tarballKB.toFixed(0)} |`);
process.stdout.write(`${out.join('\n')}\n`);
