/**
 * The house rules of DESIGN.md, checked on the source: imports only point
 * down the floors of src/ (core at the ground, cli and web at the top), no
 * files import each other in a circle (type-only imports included), and no
 * import hides its target (`import(x as string)`). Imports are read as text:
 * static `import … from`, `export … from` and `import('…')` with a literal path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** floor of each top-level folder (and file) of src/: a file may import its own floor or lower ones */
const FLOOR: Record<string, number> = {
  'version.ts': 0,
  core: 0,
  io: 1,
  face: 2,
  motion: 2,
  learn: 2,
  datasets: 3,
  features: 3,
  eval: 3,
  nets: 4,
  temporal: 4,
  stages: 5,
  recipes: 6,
  run: 7,
  web: 8,
  cli: 9,
  'index.ts': 10,
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources(SRC)) {
    const text = readFileSync(f, 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(dirname(f), m[1] ?? m[2]);
      assert.ok(existsSync(target), `${relative(SRC, f)} imports ${m[1] ?? m[2]}, which does not exist`);
      out.push(relative(SRC, target));
    }
    g.set(relative(SRC, f), out);
  }
  return g;
}

const floorOf = (file: string): number => {
  const top = file.split('/')[0];
  assert.ok(top in FLOOR, `src/${top} has no floor in this test's FLOOR table: place it in DESIGN.md's order`);
  return FLOOR[top];
};

test('no import runs back up the floors of src/', () => {
  const up: string[] = [];
  for (const [file, targets] of importGraph()) for (const t of targets) if (floorOf(t) > floorOf(file)) up.push(`${file} → ${t}`);
  assert.deepEqual(up, []);
});

test('no import circle in src/ (type-only imports included)', () => {
  const g = importGraph();
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    state.set(f, 'open');
    for (const t of g.get(f) ?? []) {
      if (state.get(t) === 'open') circles.push([...path.slice(path.indexOf(t)), t].join(' → '));
      else if (!state.has(t)) visit(t, [...path, t]);
    }
    state.set(f, 'done');
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(circles, []);
});

test('no import hides its target behind a computed path', () => {
  const hidden = sources(SRC).filter((f) => /import\(\s*['"][^'"]+['"]\s+as\s+string\s*\)/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(hidden.map((f) => relative(SRC, f)), []);
});
