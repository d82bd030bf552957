/**
 * `--param key=value` (repeatable) for `evaluate` and `train`: any parameter a
 * recipe declares (`merkit recipes --json` lists the declarations,
 * src/recipes/paramSpec.ts), parsed to its declared type:
 *   number → a finite number;  boolean → true | false;  string → as given
 *   (the recipe checks its allowed values);  number[] / string[] →
 *   comma-separated values (`grid=5,4`, `tuneC=1,10,100`, `tuneC=` for an
 *   empty list) or JSON;  number|string → a number when it reads as one, else
 *   the string (`svmGamma=libsvm`);  string|null, number[]|null → `null` or
 *   empty for none.  A derived key (one the recipe computes for the report)
 *   is refused. A recipe without declarations (a plug-in) has its params
 *   typed by their defaults; an object / null default then reads JSON.
 * The parsed values become recipe overrides, so they end up in the recipe's
 * params that results.json and the model folder record. `--epochs` and
 * `--pretrained-dir` are two names for parameters, checked the same way.
 */
import { resolve } from 'node:path';
import { MerError } from '../core/errors.ts';
import type { ParamSpecs, ParamType } from '../recipes/paramSpec.ts';

/** commander accumulator for a repeatable option */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function bad(message: string, expected: string): never {
  throw new MerError('BAD_OPTION', message, { expected });
}

function parseNumber(key: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) bad(`--param ${key}=${v}: not a number`, `a number, e.g. --param ${key}=1`);
  return n;
}

function parseJson(key: string, v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return bad(`--param ${key}=${v}: not valid JSON`, `JSON, e.g. --param ${key}=null`);
  }
}

function parseBoolean(key: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return bad(`--param ${key}=${v}: not a boolean`, `--param ${key}=true or --param ${key}=false`);
}

/** a list: JSON (`[5, 4]`) or comma-separated; numbers when `numeric` says so for the parts */
function parseList(key: string, v: string, numeric: (parts: string[]) => boolean): unknown[] {
  if (v.trim().startsWith('[')) {
    const arr = parseJson(key, v);
    if (!Array.isArray(arr)) bad(`--param ${key}=${v}: not a list`, `comma-separated values, e.g. --param ${key}=1,2`);
    return arr;
  }
  if (v.trim() === '') return [];
  const parts = v.split(',').map((s) => s.trim());
  return numeric(parts) ? parts.map((s) => parseNumber(key, s)) : parts;
}

const isNone = (v: string): boolean => v.trim() === '' || v.trim() === 'null';

/** one value, parsed to the declared type */
export function parseParamAs(key: string, v: string, type: ParamType): unknown {
  switch (type) {
    case 'number':
      return parseNumber(key, v);
    case 'boolean':
      return parseBoolean(key, v);
    case 'string':
      return v;
    case 'number[]':
      return parseList(key, v, () => true);
    case 'string[]':
      return parseList(key, v, () => false);
    case 'number|string':
      return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    case 'string|null':
      return isNone(v) ? null : v;
    case 'number[]|null':
      return isNone(v) ? null : parseList(key, v, () => true);
  }
}

/** one value, typed like the recipe's default `def` (a recipe without declarations) */
export function parseParamValue(key: string, v: string, def: unknown): unknown {
  if (typeof def === 'number') return parseNumber(key, v);
  if (typeof def === 'boolean') return parseBoolean(key, v);
  if (typeof def === 'string') return v;
  if (Array.isArray(def)) {
    return parseList(key, v, (parts) => (def.length > 0 ? typeof def[0] === 'number' : parts.every((s) => s !== '' && Number.isFinite(Number(s)))));
  }
  return parseJson(key, v);
}

/**
 * Options that set one recipe parameter each: `--epochs N` is `--param
 * epochs=N` and `--pretrained-dir D` is `--param pretrainedDir=D` (resolved),
 * checked against the recipe's declared params like any `--param`.
 */
export interface ParamOptions {
  epochs?: number;
  pretrainedDir?: string;
}

/** what a recipe lacks when an option's parameter is not declared */
const OPTION_PARAMS: Record<keyof ParamOptions, { flag: string; lacks: string; expected: string }> = {
  epochs: { flag: '--epochs', lacks: 'has no training epochs', expected: '--epochs with a network recipe' },
  pretrainedDir: { flag: '--pretrained-dir', lacks: 'does not load pretrained weights', expected: '--pretrained-dir with --recipe ststnet' },
};

/**
 * `--param` specs (and the options above) → recipe overrides, validated
 * against the recipe's declared params: the recipe is built once, with its
 * defaults, and only when there is something to check.
 */
export async function recipeParamOverrides(recipe: string, specs: readonly string[] | undefined, options: ParamOptions = {}): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const given = (Object.keys(OPTION_PARAMS) as (keyof ParamOptions)[]).filter((k) => options[k] !== undefined && options[k] !== '');
  if ((!specs || specs.length === 0) && given.length === 0) return out;
  // loaded here, not at the top: the CLI starts without the recipe registry (bench:startup)
  const [{ loadPlugins }, { getRecipe }] = await Promise.all([import('../run/plugins.ts'), import('../recipes/index.ts')]);
  await loadPlugins(); // a plug-in recipe is only known once its module is loaded
  const built = await getRecipe(recipe);
  const decl: ParamSpecs | undefined = built.paramSpecs;
  const declared: Readonly<Record<string, unknown>> = decl ?? built.params;
  const settable = (k: string): boolean => Object.hasOwn(declared, k) && !decl?.[k]?.derived;
  const keys = Object.keys(declared).filter(settable);
  for (const k of given) {
    const o = OPTION_PARAMS[k];
    if (!settable(k)) throw new MerError('BAD_OPTION', `recipe '${recipe}' ${o.lacks} (${o.flag} sets its parameter '${k}')`, { expected: o.expected });
    out[k] = k === 'pretrainedDir' ? resolve(String(options[k])) : options[k];
  }
  for (const spec of specs ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) bad(`--param '${spec}' is not key=value`, `e.g. --param ${keys[0] ?? 'key'}=value`);
    const key = spec.slice(0, eq);
    if (decl?.[key]?.derived) bad(`recipe '${recipe}': parameter '${key}' is derived (${decl[key].derived}), not set`, `one of ${keys.join(', ')}`);
    if (!settable(key)) bad(`recipe '${recipe}' has no parameter '${key}'`, `one of ${keys.join(', ')}`);
    if (Object.hasOwn(out, key)) bad(`--param ${key} given twice`, given.includes(key as keyof ParamOptions) ? `${OPTION_PARAMS[key as keyof ParamOptions].flag} or --param ${key}, not both` : 'each parameter once');
    const value = spec.slice(eq + 1);
    out[key] = decl ? parseParamAs(key, value, decl[key].type) : parseParamValue(key, value, built.params[key]);
  }
  return out;
}
