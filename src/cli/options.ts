/**
 * Parsing of CLI option values, and usage errors.
 *
 * A usage error is a malformed command line: an unknown command or option, a
 * missing value, a value that is not a number or not one of the listed choices,
 * options that cannot go together. Every one comes out the way commander
 * reports its own: `error: …` and the help hint on stderr, exit code 1.
 * A value parser throws commander's InvalidArgumentError; a check inside an
 * action throws usageError(…), which main.ts prints the same way. Problems with
 * what an option names (a file, a data set, a recipe) are MerErrors, exit code 2.
 */
import { InvalidArgumentError } from 'commander';

export function intOption(name: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

/** a finite number (integer = true: an integer) */
export function numberOption(name: string, integer = false): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'}`);
    return n;
  };
}

/** two numbers `min,max` with 0 < min ≤ max (e.g. a range in pixels) */
export function numberPairOption(name: string): (v: string) => [number, number] {
  return (v: string) => {
    const parts = v.split(',').map((s) => s.trim());
    const [a, b] = parts.map(Number);
    if (parts.length !== 2 || parts.some((s) => s === '') || !Number.isFinite(a) || !Number.isFinite(b) || !(a > 0 && b >= a)) {
      throw new InvalidArgumentError(`${name} must be two numbers min,max with 0 < min ≤ max`);
    }
    return [a, b];
  };
}

/** a number in 0..1 (a fraction, e.g. a darkening) */
export function unitFractionOption(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be a number in 0..1`);
    return n;
  };
}

/** A usage error found inside an action (e.g. two options that cannot go together): exit code 1, like commander's own. */
export function usageError(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}
