/**
 * Stand-in for `node:*` modules in the browser bundle. Browser-safe modules
 * import a few Node helpers that they only call on Node-only paths (e.g.
 * learn/svm.ts loads libsvm for TRAINING; prediction never needs it). If the
 * page ever reaches one, it fails with this message instead of a cryptic one.
 */
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser (a Node-only code path was reached from the page)`);
}
export function createRequire(): (id: string) => never {
  return (id: string) => unavailable(`require('${id}')`);
}
export const readFile = (): never => unavailable('readFile');
export const writeFile = (): never => unavailable('writeFile');
export const readFileSync = (): never => unavailable('readFileSync');
export const existsSync = (): boolean => false;
export const join = (...p: string[]): string => p.join('/');
export const dirname = (p: string): string => p.replace(/\/[^/]*$/, '');
export const resolve = (...p: string[]): string => p.join('/');
export const fileURLToPath = (u: string): string => u;
export const cpus = (): unknown[] => [];
export default {};
