/**
 * `merkit serve [--port P] [--host H] [--model model/] [--reports DIR] [--rebuild]`
 *
 * Serves the browser page (analyse a video or the webcam; read evaluation
 * reports) with everything it needs from this machine: the built page
 * (built with Vite into dist/web on first use), the model folder, the tfjs
 * wasm binaries and the face-api weights. Nothing comes from a CDN; the
 * analysed video never leaves the browser.
 */
import type { Command } from 'commander';
import { MerError } from '../../core/errors.ts';
import { ensureWebBuild } from '../../web/build.ts';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../web/server.ts';

interface ServeCliOptions {
  port: string;
  host: string;
  model?: string;
  reports?: string;
  rebuild?: boolean;
  dist?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the web page: analyse a video or the webcam in the browser, read evaluation reports')
    .option('--port <n>', 'TCP port (0 = any free port)', String(DEFAULT_PORT))
    .option('--host <addr>', 'interface to listen on (loopback by default)', DEFAULT_HOST)
    .option('--model <dir>', 'model folder written by `merkit train --out` (used by the page)')
    .option('--reports <dir>', 'folder searched for results.json reports (from `merkit evaluate`)')
    .option('--rebuild', 'rebuild the page even when dist/web exists')
    .option('--dist <dir>', 'serve this already built page folder instead of dist/web')
    .action(async (o: ServeCliOptions) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MerError('BAD_OPTION', `--port must be an integer in 0..65535, got '${o.port}'`);
      const distDir = o.dist ?? (await ensureWebBuild({ rebuild: o.rebuild, quiet: true }));
      const server = await startServer({ distDir, port, host: o.host, model: o.model, reports: o.reports });
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
