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

export interface Dashboard {
  readonly dir: string;
  /** The built index.html, or undefined when `npm run build` has not run. */
  readonly indexHtml: Buffer | undefined;
}

export function loadDashboard(dir: string = DEFAULT_DASHBOARD_DIR): Dashboard {
  const index = path.join(dir, 'index.html');
  return { dir, indexHtml: existsSync(index) ? readFileSync(index) : undefined };
}

function sendIndex(dashboard: Dashboard, reply: FastifyReply): FastifyReply {
  if (!dashboard.indexHtml) {
    return reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send('The dashboard is not built. Run `npm run build`, then start Leadline again.');
  }
  // Always revalidated: it names the hashed asset files of the current build.
  return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(dashboard.indexHtml);
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
    sendIndex(dashboard, reply);
    return true;
  };
}

/** The dashboard's page at `/` and its hashed assets (immutable) at /assets/*; public, like any web page. */
export async function dashboardRoutes(app: FastifyInstance, options: { dashboard: Dashboard }) {
  const { dashboard } = options;
  markRoutesPublic(app);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(dashboard, reply));
  await app.register(fastifyStatic, {
    root: path.join(dashboard.dir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    dotfiles: 'deny',
    schemaHide: true,
  });
}
