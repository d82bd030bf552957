/**
 * Plug-in modules named by MERKIT_PLUGINS (paths separated by the platform's
 * path delimiter, ':' on Linux): each is imported once before a recipe is
 * looked up, so a recipe registered by a plug-in is known to the CLI, to
 * worker threads and to BullMQ workers alike. Tests use it for test-only recipes.
 */
import { delimiter, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MerError } from '../core/errors.ts';

export const PLUGINS_ENV = 'MERKIT_PLUGINS';

let loaded: Promise<void> | undefined;

export function loadPlugins(): Promise<void> {
  loaded ??= (async () => {
    const list = (process.env[PLUGINS_ENV] ?? '').split(delimiter).map((s) => s.trim()).filter(Boolean);
    for (const p of list) {
      try {
        await import(pathToFileURL(resolve(p)).href);
      } catch (e) {
        throw new MerError('BAD_OPTION', `cannot load plug-in: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, {
          file: p,
          expected: `a module path in ${PLUGINS_ENV}`,
        });
      }
    }
  })();
  return loaded;
}
