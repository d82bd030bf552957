/**
 * The HTTP server behind `merkit serve`: the built page (dist/page), the model
 * folder under /model/…, the tfjs wasm binaries under /wasm/…, the face-api
 * weights under /face-models/…, and the evaluation reports under --reports
 * (/api/reports = JSON listing, /reports/<id>/results.json|report.html).
 * Everything comes from disk: the page makes no request outside this server.
 * Binds to loopback by default; only GET/HEAD; paths are confined to their roots.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { MerError } from '../core/errors.ts';
import { listReports, REPORT_HTML, RESULTS_JSON } from './reports.ts';

const require = createRequire(import.meta.url);

export interface ServeOptions {
  /** folder of the built page (index.html + assets) */
  distDir: string;
  /** TCP port; 0 = any free port; default 8080 */
  port?: number;
  /** interface; default '127.0.0.1' (loopback: a person's video never leaves the machine) */
  host?: string;
  /** model folder written by `merkit train --out` (served under /model/) */
  model?: string;
  /** folder searched for results.json reports */
  reports?: string;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** The page's static roots that come from node_modules (no CDN). */
export function assetRoots(): { wasm: string; faceModels: string } {
  return {
    wasm: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'),
    faceModels: join(packageDir('@vladmandic/face-api'), 'model'),
  };
}

/**
 * Resolve a URL sub-path inside `root`, or undefined when it would escape it
 * (`..`, encoded slashes, NUL).
 */
export function confinedPath(root: string, urlPath: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (rel.includes('\0') || rel.includes('\\')) return undefined;
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  const base = resolve(root);
  const full = resolve(base, ...parts);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string | undefined): Promise<void> {
  const st = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !st || !st.isFile()) return send(res, 404, 'not found\n');
  res.writeHead(200, {
    'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(st.size),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}

/** Start serving; resolves once listening. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const dist = resolve(opts.distDir);
  const index = join(dist, 'index.html');
  if (!(await stat(index).catch(() => undefined))) {
    throw new MerError('NOT_FOUND', `the web page is not built: ${index} is missing`, { file: index, expected: 'run `npm run build:web`' });
  }
  const model = opts.model ? resolve(opts.model) : undefined;
  if (model && !(await stat(join(model, 'merkit-model.json')).catch(() => undefined))) {
    throw new MerError('NOT_FOUND', `no merkit-model.json in ${model}`, { file: model, expected: 'a folder written by `merkit train --out`' });
  }
  const reports = opts.reports ? resolve(opts.reports) : undefined;
  const roots = assetRoots();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/api/config') {
      return send(res, 200, JSON.stringify({ model: model ? '/model/' : null, reports: reports !== undefined, wasm: '/wasm/', faceModels: '/face-models/' }), MIME['.json']);
    }
    if (path === '/api/reports') {
      const listing = reports ? await listReports(reports) : { reports: [], problems: [] };
      // never reveal absolute paths of the serving machine to the page
      const problems = listing.problems.map((p) => ({ ...p, file: p.file && reports ? p.file.slice(reports.length + 1) : p.file }));
      return send(res, 200, JSON.stringify({ reports: listing.reports, problems }), MIME['.json']);
    }
    if (path.startsWith('/model/')) return sendFile(req, res, model ? confinedPath(model, path.slice('/model/'.length)) : undefined);
    if (path.startsWith('/wasm/')) return sendFile(req, res, confinedPath(roots.wasm, path.slice('/wasm/'.length)));
    if (path.startsWith('/face-models/')) return sendFile(req, res, confinedPath(roots.faceModels, path.slice('/face-models/'.length)));
    if (path.startsWith('/reports/')) {
      const rest = path.slice('/reports/'.length);
      const name = rest.slice(rest.lastIndexOf('/') + 1);
      // only the two report files, never anything else under the reports folder
      if (!reports || (name !== RESULTS_JSON && name !== REPORT_HTML)) return send(res, 404, 'not found\n');
      return sendFile(req, res, confinedPath(reports, rest));
    }
    const file = path === '/' ? index : confinedPath(dist, path.slice(1));
    return sendFile(req, res, file);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    });
  });
  const host = opts.host ?? DEFAULT_HOST;
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new MerError('BAD_OPTION', `port ${opts.port} is already in use`, { expected: 'a free port (--port), or 0 for any' }) : e),
    );
    server.listen(opts.port ?? DEFAULT_PORT, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? DEFAULT_PORT);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
