/**
 * `merkit serve [--port P] [--host H] [--model model/] [--reports DIR] [--rebuild]`
 *
 * Serves the browser page (analyse a video or the webcam; read evaluation
 * reports) with everything it needs from this machine: the built page
 * (prebuilt in an installed package; in a clone built with Vite into
 * dist/page on first use), the model folder, the tfjs wasm binaries and the
 * face-api weights. Nothing comes from a CDN; the
 * analysed video never leaves the browser.
 */
import type { Command } from 'commander';
import { intOption, usageError } from '../options.ts';
// the server module is small (node:http); the page build (vite, from source only) is imported when serving
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../web/server.ts';

interface ServeCliOptions {
  port: number;
  host: string;
  model?: string;
  reports?: string;
  rebuild?: boolean;
  dist?: string;
}

function portOption(v: string): number {
  const n = intOption('--port')(v);
  if (n > 65535) throw usageError('--port must be an integer in 0..65535');
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the web page: analyse a video or the webcam in the browser, read evaluation reports')
    .option('--port <n>', 'TCP port (0 = any free port)', portOption, DEFAULT_PORT)
    .option('--host <addr>', 'interface to listen on (loopback by default)', DEFAULT_HOST)
    .option('--model <dir>', 'model folder written by `merkit train --out` (used by the page)')
    .option('--reports <dir>', 'folder searched for results.json reports (from `merkit evaluate`)')
    .option('--rebuild', 'in a clone: rebuild the page even when dist/page is up to date')
    .option('--dist <dir>', 'serve this already built page folder instead of dist/page')
    .action(async (o: ServeCliOptions) => {
      const { ensureWebBuild } = await import('../../web/build.ts');
      const distDir = o.dist ?? (await ensureWebBuild({ rebuild: o.rebuild, quiet: true }));
      const server = await startServer({ distDir, port: o.port, host: o.host, model: o.model, reports: o.reports });
      process.stdout.write(`merkit: serving ${server.url}${o.model ? ` (model ${o.model})` : ''}${o.reports ? ` (reports ${o.reports})` : ''}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
