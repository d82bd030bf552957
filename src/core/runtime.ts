/**
 * Where merkit's code runs from: the TypeScript source (a clone, loaded
 * through tsx) or the compiled JavaScript in dist/ (an installed package,
 * plain Node). A module passes its own `import.meta.url`; the answer is read
 * from that URL's extension, so the source and dist/ layouts need no flag.
 *
 * Anything that names a module file at run time (a worker-thread entry, the
 * BullMQ processor) goes through here, so that from dist/ it names the
 * compiled .js and never asks for tsx (a dev dependency, absent when installed).
 */

/** true when the module at `moduleUrl` is TypeScript source (run through tsx), false when it is compiled JS */
export function runningFromSource(moduleUrl: string): boolean {
  return /\.[cm]?ts$/.test(new URL(moduleUrl).pathname);
}

/**
 * The file a worker thread starts on to run the sibling module `name` (no
 * extension) of `moduleUrl`: from dist/ the compiled `name.js`; from source
 * the shim `name.mjs`, which registers tsx in the thread and then imports
 * `name.ts` (a thread does not inherit the loader, and the modules it imports
 * later, e.g. a recipe loaded on first use, need it).
 */
export function workerEntry(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${runningFromSource(moduleUrl) ? '.mjs' : '.js'}`, moduleUrl);
}

/** Node flags a worker thread needs to load modules of that layout: tsx's loader from source, none from dist/ */
export function workerExecArgv(moduleUrl: string): string[] {
  return runningFromSource(moduleUrl) ? ['--import', 'tsx'] : [];
}
