/** Optional packages: a missing one is one MerError line naming it and the npm install that adds it; other failures pass through. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MerError } from '../../src/core/errors.ts';
import { importOptional, importOptionalGroup, isMissingPackage } from '../../src/core/optional.ts';

const MISSING = 'merkit-test-no-such-package';

test('a missing optional package is one line: the feature, the package, the npm install', async () => {
  await assert.rejects(
    importOptional(() => import(MISSING as string), MISSING, 'the test feature'),
    (e: unknown) => e instanceof MerError && e.code === 'UNSUPPORTED' && e.describe() === `the test feature: optional package ${MISSING} not installed; run npm install ${MISSING}` && !e.describe().includes('\n'),
  );
});

test('a group names every package of the feature, whichever one is missing', async () => {
  await assert.rejects(
    importOptionalGroup<[unknown, unknown]>(`node:path ${MISSING}`, 'plots', [() => import('node:path'), () => import(MISSING as string)]),
    (e: unknown) => e instanceof MerError && /optional packages node:path, merkit-test-no-such-package not installed; run npm install node:path merkit-test-no-such-package$/.test(e.message),
  );
  const [path] = await importOptionalGroup<[typeof import('node:path')]>('node:path', 'x', [() => import('node:path')]);
  assert.equal(typeof path.join, 'function');
});

test('a package that is there but fails to load is not reported as missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-optional-'));
  const broken = join(dir, 'broken.mjs');
  // it is found, but it imports something that is not: that is its own bug, not a missing optional package
  writeFileSync(broken, `import '${MISSING}-inner';\n`);
  await assert.rejects(importOptional(() => import(pathToFileURL(broken).href), MISSING, 'x'), (e: unknown) => !(e instanceof MerError) && /inner/.test(String(e)));
  assert.equal(isMissingPackage({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package '${MISSING}-inner' imported from x` }, MISSING), false);
  assert.equal(isMissingPackage({ code: 'MODULE_NOT_FOUND', message: `Cannot find module '${MISSING}'` }, MISSING), true);
});
