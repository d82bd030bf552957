/**
 * Every built-in recipe declares every key of its params (src/recipes/paramSpec.ts):
 * a type its default has, a non-empty source; `--param` parses each default's
 * command-line form back to the default, and refuses derived keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listRecipes } from '../../src/recipes/index.ts';
import { valueHasType, type ParamType } from '../../src/recipes/paramSpec.ts';
import { parseParamAs, recipeParamOverrides } from '../../src/cli/recipeParams.ts';
import { MerError } from '../../src/core/errors.ts';

/**
 * Keys whose built value may differ from the declared default, and why: the
 * CK+ folder is found at run time (../shared/data/ckplus48 when present), and
 * tlcnn fine-tunes on apex frames by default with 7 clips per update.
 */
const RESOLVED_AT_BUILD = new Set(['emr.macroDir', 'emr.macroDomain', 'tlcnn.macroDir', 'tlcnn.finetuneBatch']);

/** the `--param key=VALUE` text of a value */
function cliText(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

test('every built-in recipe declares every parameter: type matching its default, a source', async () => {
  const recipes = await listRecipes();
  assert.equal(recipes.length, 12);
  let count = 0;
  for (const r of recipes) {
    const specs = r.paramSpecs;
    assert.ok(specs, `${r.name} declares its params`);
    assert.deepEqual(Object.keys(specs).sort(), Object.keys(r.params).sort(), `${r.name}: declared keys = params keys`);
    for (const [key, s] of Object.entries(specs)) {
      const where = `${r.name}.${key}`;
      count++;
      assert.ok(typeof s.source === 'string' && s.source.trim().length > 10, `${where}: a source`);
      assert.ok(valueHasType(s.default, s.type), `${where}: default ${JSON.stringify(s.default)} is a ${s.type}`);
      assert.ok(valueHasType(r.params[key], s.type), `${where}: built value ${JSON.stringify(r.params[key])} is a ${s.type}`);
      if (!RESOLVED_AT_BUILD.has(where)) assert.deepEqual(r.params[key], s.default, `${where}: the declared default is the recipe's`);
      if (!s.derived) assert.deepEqual(parseParamAs(key, cliText(s.default), s.type), s.default, `${where}: --param ${key}=${cliText(s.default)} reads back the default`);
    }
  }
  assert.ok(count > 100, `${count} parameters declared`);
});

test('valueHasType / parseParamAs: each declared type', () => {
  const cases: [ParamType, string, unknown][] = [
    ['number', '1e-3', 0.001],
    ['boolean', 'false', false],
    ['string', 'lbp-mop*', 'lbp-mop*'],
    ['number[]', '5,4', [5, 4]],
    ['number[]', '', []],
    ['string[]', 'a,b', ['a', 'b']],
    ['number|string', '0.5', 0.5],
    ['number|string', 'libsvm', 'libsvm'],
    ['string|null', 'null', null],
    ['string|null', '', null],
    ['string|null', '/data/ckplus48', '/data/ckplus48'],
    ['number[]|null', '128,96', [128, 96]],
    ['number[]|null', 'null', null],
  ];
  for (const [type, text, want] of cases) {
    const got = parseParamAs('k', text, type);
    assert.deepEqual(got, want, `${type} ${text}`);
    assert.ok(valueHasType(got, type));
  }
  assert.throws(() => parseParamAs('C', 'ten', 'number'), /C=ten: not a number/);
  assert.throws(() => parseParamAs('grid', '5,x', 'number[]|null'), /not a number/);
  assert.equal(valueHasType('1', 'number'), false);
  assert.equal(valueHasType([1, 'a'], 'number[]'), false);
});

test('--param uses the declared type; a derived key is refused naming the valid keys', async () => {
  assert.deepEqual(await recipeParamOverrides('mmfl', ['svmGamma=0.5', 'tuneC=1,10']), { svmGamma: 0.5, tuneC: [1, 10] });
  assert.deepEqual(await recipeParamOverrides('lbptop-svm', ['frameSize=128,96']), { frameSize: [128, 96] });
  assert.deepEqual(await recipeParamOverrides('emr', ['macroDir=null']), { macroDir: null });
  await assert.rejects(recipeParamOverrides('emr', ['macroDomain=x']), (e: unknown) => e instanceof MerError && /derived/.test(e.message) && /macroDir/.test(e.describe()) && !/one of [^\n]*macroDomain/.test(e.describe()));
  await assert.rejects(recipeParamOverrides('svm-linear', ['kernel=rbf']), /derived/);
});
