/** Parsing of numeric CLI options with clear errors. */
import { MerError } from '../core/errors.ts';

export function intOption(name: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new MerError('BAD_OPTION', `${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}
