#!/usr/bin/env node
// merkit CLI entry. In a clone (src/ present) it runs the TypeScript source
// through tsx, so a developer's edits take effect without a build; an installed
// package (no src/) runs the compiled dist/ with plain Node. MERKIT_FROM_DIST=1
// makes a clone run its dist/ too (after `npm run build`), as the package does.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (process.env.MERKIT_FROM_DIST !== '1' && existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  const built = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(built)) {
    process.stderr.write(`merkit: ${built.pathname} is missing (expected the compiled package: run \`npm run build\` in a clone)\n`);
    process.exit(70);
  }
  ({ main } = await import(built.href));
}
await main(process.argv);
