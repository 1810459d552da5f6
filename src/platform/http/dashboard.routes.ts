import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { markRoutesPublic } from './route-access.js';

/** dist/web beside src/ and dist/ alike: this file is src/platform/http or dist/platform/http. */
export const DEFAULT_DASHBOARD_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../dist/web',
);

/** Paths that belong to the server: never answered with the dashboard's page. */
const SERVER_PATHS = /^\/(api|webhooks|health|ready|metrics|assets)(\/|$)/;

/** The encodings the build writes beside each file (web/build/precompress.ts), best first. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
type Encoding = (typeof ENCODINGS)[number]['name'];

export interface Dashboard {
  readonly dir: string;
  /** The built index.html, or undefined when `npm run build` has not run. */
  readonly indexHtml: Buffer | undefined;
  /** index.html as the build compressed it, by encoding. */
  readonly indexHtmlEncoded: ReadonlyMap<Encoding, Buffer>;
}

export function loadDashboard(dir: string = DEFAULT_DASHBOARD_DIR): Dashboard {
  const index = path.join(dir, 'index.html');
  const indexHtmlEncoded = new Map<Encoding, Buffer>();
  for (const { name, suffix } of ENCODINGS) {
    if (existsSync(index + suffix)) indexHtmlEncoded.set(name, readFileSync(index + suffix));
  }
  return { dir, indexHtml: existsSync(index) ? readFileSync(index) : undefined, indexHtmlEncoded };
}

/** The encodings an Accept-Encoding header allows (q > 0), as named there. */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.split(';').map((item) => item.trim().toLowerCase());
    if (!name) continue;
    const q = params.find((param) => param.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name);
  }
  return accepted;
}

function sendIndex(dashboard: Dashboard, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!dashboard.indexHtml) {
    return reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send('The dashboard is not built. Run `npm run build`, then start Leadline again.');
  }
  // Always revalidated: it names the hashed asset files of the current build.
  reply
    .header('cache-control', 'no-cache')
    .header('vary', 'Accept-Encoding')
    .type('text/html; charset=utf-8');
  const accepted = acceptedEncodings(request.headers['accept-encoding']);
  for (const { name } of ENCODINGS) {
    const encoded = dashboard.indexHtmlEncoded.get(name);
    if (encoded && accepted.has(name)) return reply.header('content-encoding', name).send(encoded);
  }
  return reply.send(dashboard.indexHtml);
}

/**
 * The SPA's client-side routes (/inbox/..., /settings/...): a browser navigating to one gets the page;
 * API clients (no text/html in Accept) and server paths keep the JSON 404.
 */
export function dashboardFallback(dashboard: Dashboard) {
  return (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const pathname = request.url.split('?')[0] ?? '';
    if (SERVER_PATHS.test(pathname)) return false;
    if (!String(request.headers.accept ?? '').includes('text/html')) return false;
    sendIndex(dashboard, request, reply);
    return true;
  };
}

/**
 * The dashboard's page at `/` and its hashed assets (immutable) at /assets/*; public, like any web page.
 * Assets go out as the build's brotli or gzip copy when the browser accepts it; the compressed copies are
 * never addressable themselves, and source maps only when `sourceMaps` is on.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  options: { dashboard: Dashboard; sourceMaps: boolean },
) {
  const { dashboard, sourceMaps } = options;
  markRoutesPublic(app);
  app.get('/', { schema: { hide: true } }, async (request, reply) => sendIndex(dashboard, request, reply));
  await app.register(fastifyStatic, {
    root: path.join(dashboard.dir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    dotfiles: 'deny',
    schemaHide: true,
    preCompressed: true,
    allowedPath: (pathName) => !/\.(br|gz)$/.test(pathName) && (sourceMaps || !pathName.endsWith('.map')),
  });
}
