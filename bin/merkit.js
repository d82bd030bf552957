#!/usr/bin/env node
// merkit CLI entry: registers the TypeScript loader, then runs src/cli/main.ts.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
