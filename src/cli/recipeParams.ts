/**
 * `--param key=value` (repeatable) for `evaluate` and `train`: any parameter a
 * recipe declares (`merkit recipes --json` lists them), checked against the recipe's
 * own `params` and parsed to the type of its default:
 *   number → a finite number;  boolean → true | false;  string → as given
 *   (the recipe checks its allowed values);  array → comma-separated values
 *   (`grid=5,4`, `tuneC=1,10,100`, `tuneC=` for an empty list) or JSON;
 *   object / null default → JSON (`null` for none).
 * The parsed values become recipe overrides, so they end up in the recipe's
 * params that results.json and the model folder record.
 */
import { MerError } from '../core/errors.ts';

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

/** one value, typed like the recipe's default `def` */
export function parseParamValue(key: string, v: string, def: unknown): unknown {
  if (typeof def === 'number') return parseNumber(key, v);
  if (typeof def === 'boolean') {
    if (v === 'true') return true;
    if (v === 'false') return false;
    return bad(`--param ${key}=${v}: not a boolean`, `--param ${key}=true or --param ${key}=false`);
  }
  if (typeof def === 'string') return v;
  if (Array.isArray(def)) {
    if (v.trim().startsWith('[')) {
      const arr = parseJson(key, v);
      if (!Array.isArray(arr)) bad(`--param ${key}=${v}: not a list`, `comma-separated values, e.g. --param ${key}=1,2`);
      return arr;
    }
    if (v.trim() === '') return [];
    const parts = v.split(',').map((s) => s.trim());
    const numeric = def.length > 0 ? typeof def[0] === 'number' : parts.every((s) => s !== '' && Number.isFinite(Number(s)));
    return numeric ? parts.map((s) => parseNumber(key, s)) : parts;
  }
  return parseJson(key, v);
}

/** `--param` specs → recipe overrides, validated against the recipe's declared params */
export async function recipeParamOverrides(recipe: string, specs: readonly string[] | undefined): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (!specs || specs.length === 0) return out;
  // loaded here, not at the top: the CLI starts without the recipe registry (bench:startup)
  const [{ loadPlugins }, { getRecipe }] = await Promise.all([import('../run/plugins.ts'), import('../recipes/index.ts')]);
  await loadPlugins(); // a plug-in recipe is only known once its module is loaded
  const declared = (await getRecipe(recipe)).params;
  const keys = Object.keys(declared);
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) bad(`--param '${spec}' is not key=value`, `e.g. --param ${keys[0] ?? 'key'}=value`);
    const key = spec.slice(0, eq);
    if (!Object.hasOwn(declared, key)) bad(`recipe '${recipe}' has no parameter '${key}'`, `one of ${keys.join(', ')}`);
    if (Object.hasOwn(out, key)) bad(`--param ${key} given twice`, 'each parameter once');
    out[key] = parseParamValue(key, spec.slice(eq + 1), declared[key]);
  }
  return out;
}
