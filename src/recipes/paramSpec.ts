/**
 * A recipe's parameter declarations: for every key of its params, the type
 * `--param` parses to, the default, and where the value comes from — the
 * paper's section/table/equation, "authors' code <repo/file>", "merkit:
 * <reason>" for a named constant of merkit's, or "not in the paper: <why>".
 * `merkit recipes --json` lists them; `--param` validates against them.
 *
 * `declareParams(defaults, sources)` takes the defaults from the recipe's own
 * defaults object (one place for the numbers) and the type from each default,
 * unless a key names its type (an empty list, a null, a value of two types).
 */
import { MerError } from '../core/errors.ts';

export type ParamType =
  | 'number'
  | 'boolean'
  | 'string'
  | 'number[]'
  | 'string[]'
  /** a number, or one of the recipe's named values ('scale', …) */
  | 'number|string'
  /** a path or name; `null` (or empty) for none */
  | 'string|null'
  /** a list of numbers; `null` (or empty) for none */
  | 'number[]|null';

export interface ParamSpec {
  readonly type: ParamType;
  readonly default: unknown;
  /** paper section/table/equation, authors' code, merkit's reason, or "not in the paper: …" */
  readonly source: string;
  /**
   * Set on a key the recipe derives for the report rather than takes as an
   * input (`--param` refuses it): how it is derived.
   */
  readonly derived?: string;
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** a key's source, optionally with an explicit type (or a derived-key note) */
export type ParamSource = string | { source: string; type?: ParamType; derived?: string };

/** the declared type of a default value; undefined when the value alone cannot say */
export function typeOfValue(v: unknown): ParamType | undefined {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((x) => typeof x === 'number')) return 'number[]';
    if (v.every((x) => typeof x === 'string')) return 'string[]';
  }
  return undefined;
}

/** does value `v` have declared type `t`? */
export function valueHasType(v: unknown, t: ParamType): boolean {
  switch (t) {
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'number|string':
      return typeof v === 'number' || typeof v === 'string';
    case 'string|null':
      return v === null || typeof v === 'string';
    case 'number[]|null':
      return v === null || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
  }
}

/**
 * Declarations for every key of `defaults` (the compiler asks for a source per
 * required key; an optional key is declared when the defaults set it). Extra keys the recipe adds to its params (a network's build options, a
 * derived report entry) come with their default in `extra`.
 */
export function declareParams<T extends object>(
  defaults: T,
  sources: { readonly [K in keyof T]: ParamSource },
  extra: Readonly<Record<string, { default: unknown } & Exclude<ParamSource, string>>> = {},
): ParamSpecs {
  const out: Record<string, ParamSpec> = {};
  const add = (key: string, def: unknown, s: ParamSource): void => {
    const o = typeof s === 'string' ? { source: s } : s;
    const type = o.type ?? typeOfValue(def);
    if (!type) throw new MerError('INTERNAL', `parameter ${key}: its default ${JSON.stringify(def)} does not say its type; declare one`);
    out[key] = { type, default: def, source: o.source, ...(o.derived ? { derived: o.derived } : {}) };
  };
  for (const key of Object.keys(sources) as (keyof T & string)[]) {
    const def = (defaults as Record<string, unknown>)[key];
    if (def !== undefined) add(key, def, sources[key] as ParamSource);
  }
  for (const [key, e] of Object.entries(extra)) add(key, e.default, e);
  return out;
}
