// A throw-away project that installs merkit the way a user does: from the
// packed tarball, into a fresh folder with "type": "module". Used by the
// consumer test (test/package/consumer.test.ts) and by `npm run bench:install-size`.
//
// It installs offline. `npm install <tarball>` would fetch every dependency's
// registry metadata, which `npm ci` never downloads; so the project gets a
// package-lock.json made from merkit's own (the versions `npm ci` installed,
// whose tarballs are in npm's cache) and `npm ci --offline` reads only the cache.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm pack` (its prepack builds dist/ and the page when stale) → the tarball's path in `dest` */
export function packTarball(repoRoot, dest) {
  mkdirSync(dest, { recursive: true });
  const r = spawnSync(NPM, ['pack', '--json', '--pack-destination', dest], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`npm pack failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize };
}

/** where `name` sits when required from the package at lock path `from` (node's lookup, in lock paths) */
function resolveInLock(packages, from, name) {
  for (let base = from; ; ) {
    const p = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[p]) return p;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/**
 * Write package.json and package-lock.json of a consumer of `tarball` into
 * `dir`. `devPackages` (e.g. ['@types/node']) are added as the consumer's
 * own dev dependencies, at the versions of merkit's lock.
 */
export function writeConsumerProject(dir, { repoRoot, tarball, devPackages = [] }) {
  mkdirSync(dir, { recursive: true });
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')).packages;
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const spec = `file:${tarball}`;
  const pick = (o, keys) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  const packages = {};
  // merkit's production tree: every lock entry that is not dev-only, at the same place
  for (const [path, entry] of Object.entries(lock)) if (path && !entry.dev) packages[path] = entry;
  // the consumer's dev packages and what they need, marked dev
  const devDependencies = {};
  const todo = [];
  for (const name of devPackages) {
    const at = `node_modules/${name}`;
    if (!lock[at]) throw new Error(`${name} is not in merkit's package-lock.json`);
    devDependencies[name] = lock[at].version;
    todo.push(at);
  }
  while (todo.length) {
    const at = todo.pop();
    if (packages[at]) continue;
    packages[at] = { ...lock[at], dev: true };
    for (const dep of Object.keys(lock[at].dependencies ?? {})) {
      const p = resolveInLock(lock, at, dep);
      if (p) todo.push(p);
    }
  }
  const root = { name: 'merkit-consumer', version: '1.0.0', dependencies: { merkit: spec }, devDependencies };
  packages[''] = root;
  packages['node_modules/merkit'] = {
    version: manifest.version,
    resolved: spec,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    ...pick(manifest, ['license', 'dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...root, private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

/** `npm ci --offline` in `dir` (omitOptional: --omit=optional); returns npm's output */
export function installConsumer(dir, { omitOptional = false } = {}) {
  const args = ['ci', '--offline', '--no-audit', '--no-fund', ...(omitOptional ? ['--omit=optional'] : [])];
  const r = spawnSync(NPM, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout + r.stderr;
}

/**
 * What an install put on disk: packages (npm's own record of the tree,
 * node_modules/.package-lock.json, merkit included) and megabytes as `du`
 * counts them (allocated blocks, 1 MB = 2^20 bytes, like `du -sm`).
 */
export function installedSize(dir) {
  const nm = join(dir, 'node_modules');
  const packages = Object.keys(JSON.parse(readFileSync(join(nm, '.package-lock.json'), 'utf8')).packages).filter(Boolean).length;
  let blocks = lstatSync(nm).blocks;
  const seen = new Set(); // a hard-linked file counts once, as du counts it
  const walk = (d) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      const st = lstatSync(p);
      if (st.nlink > 1 && !ent.isDirectory()) {
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
      }
      blocks += st.blocks;
      if (ent.isDirectory()) walk(p);
    }
  };
  walk(nm);
  return { packages, megabytes: (blocks * 512) / 2 ** 20 };
}
