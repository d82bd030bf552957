/**
 * Optional dependencies: packages only some features need (the Redis queue,
 * report plots, sharp, the bundled ffmpeg). They are imported on first use,
 * and a missing one becomes one line naming the package and the feature.
 */
import { MerError } from './errors.ts';

/** Whether `e` says that package `pkg` itself (not something inside it) could not be found. */
export function isMissingPackage(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  if (!err || (err.code !== 'ERR_MODULE_NOT_FOUND' && err.code !== 'MODULE_NOT_FOUND')) return false;
  const m = err.message ?? '';
  return m.includes(`'${pkg}'`) || m.includes(`'${pkg}/`) || m.includes(`"${pkg}"`);
}

/**
 * The MerError for missing optional package(s) (`pkgs`: names separated by
 * spaces): one line with the feature, the packages and the command that adds them.
 */
export function missingPackageError(pkgs: string, feature: string, cause?: unknown): MerError {
  const names = pkgs.split(' ');
  return new MerError('UNSUPPORTED', `${feature}: optional package${names.length > 1 ? 's' : ''} ${names.join(', ')} not installed; run npm install ${pkgs}`, { cause });
}

/**
 * Import an optional package: `load` is the literal `() => import('pkg')` (so
 * bundlers and tsc see it); a missing package becomes missingPackageError,
 * any other failure is rethrown as it is.
 */
export async function importOptional<T>(load: () => Promise<T>, pkg: string, feature: string): Promise<T> {
  const [m] = await importOptionalGroup<[T]>(pkg, feature, [load]);
  return m;
}

/**
 * Import optional packages that a feature needs together (`pkgs`: their
 * names separated by spaces, in the order of `loads`): any of them missing is
 * one error naming them all, so one command installs what is lacking.
 */
export async function importOptionalGroup<T extends unknown[]>(pkgs: string, feature: string, loads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  try {
    return (await Promise.all(loads.map((load) => load()))) as T;
  } catch (e) {
    if (pkgs.split(' ').some((p) => isMissingPackage(e, p))) throw missingPackageError(pkgs, feature, e);
    throw e;
  }
}
